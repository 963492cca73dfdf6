"""The customers known to exist, as the portfolios service learns them from the customers service's
events: `CUSTOMER#<id> / DIRECTORY` items in the portfolios table, each with the `sequence` of the
last customer event it reflects and `closedAt` once closed; beside them the `APPLIED#<eventId>`
markers of the events applied, written in the same transaction as the entry they changed."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from kit.aws.dynamo import from_item, to_item

from portfolios.adapters import items, table
from portfolios.adapters.repository.transactions import NOT_EXISTS, TransactionParts, transact
from portfolios.domain.model import CustomerStatus, DirectoryEntry
from portfolios.domain.ports import DirectoryChange, WriteConflict

# How long a marker is kept (the table's TTL on `purgeAt` removes it): far longer than any
# redelivery (SQS keeps a message 4 days at most, the dead-letter queue 14).
APPLIED_KEPT_SECONDS = 14 * 24 * 3600
APPLIED_TYPE = "AppliedEvent"


def applied_marker(event_id: str) -> dict[str, Any]:
    """The marker that `event_id` was applied, written with its effect (put with NOT_EXISTS)."""
    return {
        **table.applied_key(event_id),
        "type": APPLIED_TYPE,
        "purgeAt": int(time.time()) + APPLIED_KEPT_SECONDS,
    }


async def apply_once(
    client: Any, parts: TransactionParts, event_id: str, effect: dict[str, Any] | None
) -> bool:
    """Writes `effect` (a Put, or nothing) with the marker that `event_id` was applied, in one
    transaction. False, writing nothing, when the marker exists: a redelivered event. The effect's
    own condition failing raises WriteConflict (read again and retry)."""
    transaction = [parts.put_new(applied_marker(event_id))]  # first: its cancellation reason is [0]
    if effect is not None:
        transaction.append(effect)
    try:
        await transact(client, transaction)
    except WriteConflict as conflict:
        codes = conflict.args[0] if conflict.args else None
        if codes and codes[0] == "ConditionalCheckFailed":
            return False
        raise
    return True


def _entry_item(entry: DirectoryEntry) -> dict[str, Any]:
    return {
        **table.directory_key(entry.customer_id),
        "type": items.DIRECTORY_TYPE,
        "customerId": entry.customer_id,
        "sequence": entry.sequence,
        "closedAt": entry.closed_at.isoformat() if entry.closed_at is not None else None,
    }


def _entry_from(item: dict[str, Any]) -> DirectoryEntry:
    # An entry written before events carried a sequence has none: 0, below every event's.
    closed_at = item.get("closedAt")
    return DirectoryEntry(
        customer_id=str(item["customerId"]),
        sequence=int(item.get("sequence", 0)),
        closed_at=datetime.fromisoformat(closed_at) if closed_at else None,
    )


def _unchanged(previous: DirectoryEntry) -> tuple[str, dict[str, Any]]:
    """Condition (and its values) that the stored entry is still `previous`."""
    sequence = "#sequence = :sequence"
    if previous.sequence == 0:
        sequence = f"(attribute_not_exists(#sequence) OR {sequence})"
    closed = (
        "attribute_exists(closedAt)" if previous.closed_at is not None else "attribute_not_exists(closedAt)"
    )
    return f"{sequence} AND {closed}", {":sequence": previous.sequence}


class DynamoCustomerDirectory:
    """`domain.ports.CustomerDirectory` on the portfolios table."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name
        self._parts = TransactionParts(table_name)

    async def entry(self, customer_id: str) -> DirectoryEntry | None:
        response = await self._client.get_item(
            TableName=self._table, Key=to_item(table.directory_key(customer_id)), ConsistentRead=True
        )
        item = response.get("Item")
        return _entry_from(from_item(item)) if item else None

    async def apply(self, change: DirectoryChange) -> bool:
        put = None
        if change.entry is not None:
            put = self._parts.put(_entry_item(change.entry))
            if change.previous is None:
                put["Put"]["ConditionExpression"] = NOT_EXISTS
            else:
                condition, values = _unchanged(change.previous)
                put["Put"]["ConditionExpression"] = condition
                put["Put"]["ExpressionAttributeNames"] = {"#sequence": "sequence"}
                put["Put"]["ExpressionAttributeValues"] = to_item(values)
        return await apply_once(self._client, self._parts, change.event_id, put)

    async def status(self, customer_id: str) -> CustomerStatus:
        response = await self._client.get_item(
            TableName=self._table,
            Key=to_item(table.directory_key(customer_id)),
            ConsistentRead=True,
            ProjectionExpression="pk, closedAt",
        )
        item = response.get("Item")
        if item is None:
            return CustomerStatus.UNKNOWN
        return CustomerStatus.CLOSED if "closedAt" in item else CustomerStatus.ACTIVE
