"""Reading the event items the portfolios repository writes (kit.aws.outbox's layout)."""

from __future__ import annotations

import json
from typing import Any

from kit.aws.dynamo import from_item, to_item
from portfolios.adapters import items, table


async def event_items(store: Any, portfolio_id: str) -> list[dict[str, Any]]:
    """The portfolio's event items, by sequence (one Scan, read consistently; small tables only)."""
    scan: dict[str, Any] = {
        "TableName": store.table,
        "ConsistentRead": True,
        "FilterExpression": "kind = :event AND aggregateId = :portfolio",
        "ExpressionAttributeValues": to_item({":event": "event", ":portfolio": portfolio_id}),
    }
    found: list[dict[str, Any]] = []
    while True:
        page = await store.client.scan(**scan)
        found.extend(from_item(i) for i in page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return sorted(found, key=lambda i: int(i["sequence"]))
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]


async def published(store: Any, portfolio_id: str) -> list[tuple[str, int, dict[str, Any]]]:
    """(type, sequence, data) of the portfolio's events, by sequence."""
    return [
        (i["type"], int(i["sequence"]), json.loads(i["data"])) for i in await event_items(store, portfolio_id)
    ]


async def meta_sequence(store: Any, portfolio_id: str) -> int:
    response = await store.client.get_item(
        TableName=store.table, Key=to_item(table.portfolio_key(portfolio_id)), ConsistentRead=True
    )
    return items.sequence_of(from_item(response["Item"]))
