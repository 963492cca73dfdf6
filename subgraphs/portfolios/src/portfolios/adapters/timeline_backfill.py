"""Stores, once, the timeline of portfolios last written before timelines were stored (issue 15).

Every ledger change stores the timeline with the rest of the projection; a portfolio that has not
changed since has none (its META has no `timelineChunks`), and reads give none rather than replay
(DESIGN.md decision 11). The service's startup migration (`migration.migrate_at_startup`) runs this
after the legacy migration: for each such portfolio it replays the ledger once and writes the
timeline's chunks at META's version with META's count, in one transaction conditioned on the version
read and on no timeline being stored meanwhile. A change landing first stores its own timeline: then
the portfolio is skipped. Safe to repeat and to run from two processes at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from kit.aws.dynamo import from_item, to_item

from portfolios.adapters import items, table
from portfolios.adapters.repository import DynamoPortfolioRepository
from portfolios.adapters.repository.changes import ChangeParts, JournalLines
from portfolios.adapters.repository.transactions import at_version, transact
from portfolios.domain.ledger import ImpossibleHistory, Ledger
from portfolios.domain.ports import WriteConflict

log = logging.getLogger(__name__)

_ATTEMPTS = 5


@dataclass
class BackfillReport:
    stored: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


class TimelineBackfill:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name
        self._repository = DynamoPortfolioRepository(client, table_name)
        self._parts = ChangeParts(table_name, JournalLines())

    async def pending(self) -> list[str]:
        """Ids of the portfolios of the ledger (META with a version) without a stored timeline: one
        paginated Scan of keys. Portfolios stored before the ledger are the legacy migration's."""
        scan: dict[str, Any] = {
            "TableName": self._table,
            "FilterExpression": "sk = :meta AND attribute_exists(#version) "
            "AND attribute_not_exists(#timeline)",
            "ProjectionExpression": "pk",
            "ExpressionAttributeNames": {"#version": items.VERSION, "#timeline": items.TIMELINE_CHUNKS},
            "ExpressionAttributeValues": to_item({":meta": table.META}),
        }
        found: list[str] = []
        while True:
            response = await self._client.scan(**scan)
            found.extend(
                table.portfolio_id_of(str(from_item(raw)["pk"])) for raw in response.get("Items", [])
            )
            start = response.get("LastEvaluatedKey")
            if not start:
                return sorted(found)
            scan["ExclusiveStartKey"] = start

    async def _has_timeline(self, portfolio_id: str) -> bool:
        response = await self._client.get_item(
            TableName=self._table, Key=to_item(table.portfolio_key(portfolio_id)), ConsistentRead=True
        )
        item = response.get("Item")
        return item is None or items.has_timeline(from_item(item))

    async def store(self, portfolio_id: str) -> str:
        """'stored', 'nothing' (gone, or stored meanwhile) or 'failed: <reason>'."""
        for _ in range(_ATTEMPTS):
            stored = await self._repository.ledger(portfolio_id)
            if stored is None:
                return "nothing"
            portfolio, version = stored.portfolio, stored.version
            try:
                books = Ledger(portfolio, stored.activities).replay(version=version)
            except ImpossibleHistory as error:  # cannot be stored so; kept as it is, said loudly
                log.error("timeline of portfolio %s not stored: %s", portfolio_id, error.message)
                return f"failed: {error.message}"
            blobs = items.timeline_chunks(books.timeline)
            condition, values = at_version(version)
            flip = {
                "Update": {
                    "TableName": self._table,
                    "Key": to_item(table.portfolio_key(portfolio_id)),
                    "UpdateExpression": f"SET {items.TIMELINE_CHUNKS} = :count",
                    "ConditionExpression": f"attribute_exists(pk) AND {condition} "
                    f"AND attribute_not_exists({items.TIMELINE_CHUNKS})",
                    "ExpressionAttributeNames": {"#version": items.VERSION},
                    "ExpressionAttributeValues": to_item({**values, ":count": len(blobs)}),
                }
            }
            chunks = self._parts.chunks(portfolio, table.TIMELINE_PART, version, blobs, {})
            try:
                await transact(self._client, [flip, *chunks])
            except WriteConflict:
                if await self._has_timeline(portfolio_id):
                    return "nothing"  # a change (or another run) stored it meanwhile
                continue  # moved on meanwhile: read again
            return "stored"
        return "failed: the portfolio kept changing"


async def backfill_timelines(client: Any, table_name: str) -> BackfillReport:
    """Every portfolio without a stored timeline gets it; one portfolio's failure stops no other."""
    backfill = TimelineBackfill(client, table_name)
    report = BackfillReport()
    for portfolio_id in await backfill.pending():
        try:
            outcome = await backfill.store(portfolio_id)
        except Exception as error:
            log.exception("timeline of portfolio %s not stored", portfolio_id)
            report.failed[portfolio_id] = type(error).__name__
            continue
        if outcome == "stored":
            report.stored.append(portfolio_id)
        elif outcome.startswith("failed"):
            report.failed[portfolio_id] = outcome.removeprefix("failed: ")
    return report
