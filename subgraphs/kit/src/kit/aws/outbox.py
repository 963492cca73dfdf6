"""Events written with the change they report (DESIGN.md decision 12: a transactional outbox).

A producer adds `event_put(table, event_item(...))` to the very TransactWriteItems that makes the
change, so the event exists exactly when the change does: no crash can separate them. The table's
stream carries the new item out: in AWS an EventBridge Pipe (filtered on `kind = "event"`) puts
`envelope_from_stream_image(NewImage)` on the bus; locally the relay (devstack.relay) does the same
and sends it to each consumer's SQS queue. The item expires (TTL on `purgeAt`) once the stream, which
keeps records for 24 hours, has long delivered it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from ulid import ULID

from kit.aws.dynamo import from_item, to_item

EVENT_KIND = "event"  # the Pipe's filter and the relay select on this attribute
EVENT_SORT_KEY = "EVENT"
EVENT_SOURCE_PREFIX = "portfolio."  # an EventBridge source is "portfolio.<subgraph>"
RETENTION = timedelta(days=7)  # purgeAt: the item outlives the stream's 24 hours comfortably


@dataclass(frozen=True, slots=True)
class OutgoingEvent:
    """One fact about one aggregate: `sequence` is the aggregate's version after the change, so a
    consumer can tell a stale delivery from a new one."""

    type: str
    aggregate_id: str
    sequence: int
    data: Mapping[str, Any]


class MalformedEventImage(ValueError):
    """A stream image that is not an event item (missing or mistyped attributes)."""


def event_key(event_id: str) -> dict[str, str]:
    return {"pk": f"EVENT#{event_id}", "sk": EVENT_SORT_KEY}


def event_item(
    event: OutgoingEvent,
    *,
    source: str,
    occurred_at: datetime,
    event_id: str | None = None,
    traceparent: str | None = None,
) -> dict[str, Any]:
    """The outbox item (plain values for `kit.aws.dynamo.to_item`). `traceparent` is what the caller
    passes, typically `kit.aws.event_tracing.current_traceparent()`; it is not read here, so that
    building an item has no hidden input."""
    if occurred_at.tzinfo is None:
        raise ValueError("occurred_at must be timezone-aware")
    if isinstance(event.sequence, bool) or not isinstance(event.sequence, int):
        raise TypeError("an event's sequence is an integer (the aggregate's version)")
    occurred = occurred_at.astimezone(UTC)
    identifier = event_id or str(ULID())
    item: dict[str, Any] = {
        **event_key(identifier),
        "kind": EVENT_KIND,
        "eventId": identifier,
        "type": event.type,
        "source": source,
        "aggregateId": event.aggregate_id,
        "sequence": event.sequence,
        "occurredAt": occurred.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "data": encode_data(event.data),
        "purgeAt": int((occurred + RETENTION).timestamp()),
    }
    if traceparent:
        item["traceparent"] = traceparent
    return item


def event_put(table: str, item: Mapping[str, Any]) -> dict[str, Any]:
    """The TransactWriteItems entry writing `item`; an event id is written once, never overwritten."""
    return {
        "Put": {
            "TableName": table,
            "Item": to_item(item),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }


def encode_data(data: Mapping[str, Any]) -> str:
    """Compact JSON text; a Decimal becomes its exact string ("12.50" stays "12.50"), a date its ISO
    text. A float is refused: money and quantities never pass through binary floating point."""
    return json.dumps(_plain(data), separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        if not all(isinstance(key, str) for key in value):
            raise TypeError("event data keys are strings")
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("event data holds a non-finite Decimal")
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float):
        raise TypeError("event data holds a float; use Decimal")
    if value is None or isinstance(value, str | int):  # bool is an int
        return value
    raise TypeError(f"event data cannot hold a {type(value).__name__}")


def envelope_from_stream_image(new_image: Mapping[str, Any]) -> dict[str, Any]:
    """The EventBridge event for a stream record's NewImage (DynamoDB JSON), as the Pipe builds it:
    source "portfolio.<subgraph>", detail-type the event type, and the detail every consumer reads
    (`data` stays JSON text, `sequence` becomes an integer)."""
    try:
        item = from_item(new_image)
    except (TypeError, ValueError, AttributeError) as error:
        raise MalformedEventImage(f"not DynamoDB JSON: {error}") from error
    if item.get("kind") != EVENT_KIND:
        raise MalformedEventImage("the item is not an event (kind is not 'event')")
    detail: dict[str, Any] = {}
    for name in ("eventId", "type", "source", "aggregateId", "occurredAt", "data"):
        value = item.get(name)
        if not isinstance(value, str) or not value:
            raise MalformedEventImage(f"the event item has no text {name}")
        detail[name] = value
    sequence = item.get("sequence")
    if not isinstance(sequence, Decimal) or sequence != sequence.to_integral_value():
        raise MalformedEventImage("the event item's sequence is not an integer")
    detail["sequence"] = int(sequence)
    traceparent = item.get("traceparent")
    if isinstance(traceparent, str) and traceparent:
        detail["traceparent"] = traceparent
    return {
        "source": f"{EVENT_SOURCE_PREFIX}{detail['source']}",
        "detail-type": detail["type"],
        "detail": detail,
    }
