"""One TransactWriteItems on the portfolios table: its parts (the event items of the change among
them), DynamoDB's limits on it, and what a cancelled one means (`WriteConflict`: a condition failed,
or a concurrent transaction interfered)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError
from kit.aws.dynamo import to_item
from kit.aws.event_tracing import current_traceparent
from kit.aws.outbox import OutgoingEvent, event_item, event_put

from portfolios.adapters import table
from portfolios.domain.outgoing_events import PortfolioEvent
from portfolios.domain.ports import WriteConflict

# The `source` of this service's events (its subgraph name in topology.toml).
EVENT_SOURCE = "portfolios"

NOT_EXISTS = "attribute_not_exists(pk)"
EXISTS = "attribute_exists(pk)"

# DynamoDB's limits on one TransactWriteItems: 100 items, 4 MB in all. A write is checked against
# them before it is sent (with a margin for keys and attribute names), so that it fails clearly.
MAX_TRANSACTION_ITEMS = 100
MAX_TRANSACTION_BYTES = 4_000_000


def _approximate_size(entry: Mapping[str, Any]) -> int:
    """Bytes an item of a transaction takes, roughly (DynamoDB counts names and values)."""
    total = 0
    for value in entry.values():
        if isinstance(value, Mapping):
            total += _approximate_size(value)
        elif isinstance(value, bytes | bytearray):
            total += len(value)
        elif isinstance(value, list):
            total += sum(_approximate_size(v) if isinstance(v, Mapping) else len(str(v)) for v in value)
        else:
            total += len(str(value))
    return total + 16 * len(entry)


def check_transaction_limits(transaction: Sequence[Mapping[str, Any]]) -> None:
    """ValueError when `transaction` exceeds what one TransactWriteItems takes."""
    if len(transaction) > MAX_TRANSACTION_ITEMS:
        raise ValueError(
            f"This ledger change needs {len(transaction)} items in one transaction; "
            f"DynamoDB takes at most {MAX_TRANSACTION_ITEMS}."
        )
    size = sum(_approximate_size(entry) for entry in transaction)
    if size > MAX_TRANSACTION_BYTES:
        raise ValueError(
            f"This ledger change writes about {size} bytes in one transaction; DynamoDB takes at most 4 MB."
        )


def _cancellation_codes(error: ClientError) -> list[str] | None:
    """The per-item reasons of a cancelled transaction, None for any other error."""
    if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return None
    reasons = error.response.get("CancellationReasons") or []
    return [str(reason.get("Code", "None")) for reason in reasons]


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


async def transact(client: Any, transaction: list[dict[str, Any]]) -> None:
    """`transaction` written all or nothing; `WriteConflict` when DynamoDB cancels it."""
    check_transaction_limits(transaction)
    try:
        await client.transact_write_items(TransactItems=transaction)
    except ClientError as error:
        codes = _cancellation_codes(error)
        if codes is not None or error_code(error) == "TransactionInProgressException":
            raise WriteConflict(codes) from error
        raise


def at_version(expected: int) -> tuple[str, dict[str, Any]]:
    """Condition (and its values) that META's projection is at `expected`; a portfolio stored before
    the ledger has no version, which is version 0."""
    if expected == 0:
        return "(attribute_not_exists(#version) OR #version = :expected)", {":expected": 0}
    return "#version = :expected", {":expected": expected}


def sequence_step(stored: int | None, last: int) -> tuple[str, str, dict[str, Any]]:
    """The SET assignment moving META's event sequence to `last`, the condition that it is still at
    `stored` (None: a META written before events had none), and their values; names `#sequence`."""
    values: dict[str, Any] = {":lastEvent": last}
    if stored is None:
        return "#sequence = :lastEvent", "attribute_not_exists(#sequence)", values
    values[":storedEvent"] = stored
    return "#sequence = :lastEvent", "#sequence = :storedEvent", values


class TransactionParts:
    """The parts of a transaction on one table: puts, deletes and condition checks."""

    def __init__(self, table_name: str) -> None:
        self.table = table_name

    def check_active(self, customer_id: str) -> dict[str, Any]:
        """The customer directory knows the customer, and not as closed."""
        return {
            "ConditionCheck": {
                "TableName": self.table,
                "Key": to_item(table.directory_key(customer_id)),
                "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(closedAt)",
            }
        }

    def put(self, item: Mapping[str, Any]) -> dict[str, Any]:
        return {"Put": {"TableName": self.table, "Item": to_item(item)}}

    def put_new(self, item: Mapping[str, Any]) -> dict[str, Any]:
        return {"Put": {"TableName": self.table, "Item": to_item(item), "ConditionExpression": NOT_EXISTS}}

    def delete(self, key: Mapping[str, Any]) -> dict[str, Any]:
        return {"Delete": {"TableName": self.table, "Key": to_item(key)}}

    def events(self, events: Sequence[PortfolioEvent], first_sequence: int) -> list[dict[str, Any]]:
        """Puts of the event items of `events`, numbered from `first_sequence` on (kit.aws.outbox),
        carrying the trace of the request that made the change."""
        traceparent = current_traceparent()
        return [
            event_put(
                self.table,
                event_item(
                    OutgoingEvent(event.type, event.aggregate_id, first_sequence + n, event.data),
                    source=EVENT_SOURCE,
                    occurred_at=event.occurred_at,
                    traceparent=traceparent,
                ),
            )
            for n, event in enumerate(events)
        ]
