"""The event item a producer writes in the same TransactWriteItems as the change it describes
(the transactional outbox, DESIGN.md decision 12): the table's stream carries it out, so an event
exists exactly when its change does.

Minimal version written on the producers' branch with the shared spec's signatures; the core
helper's module (with `envelope_from_stream_image`) replaces it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from ulid import ULID

from kit.aws.dynamo import to_item

EVENT_KIND = "event"
EVENT_SK = "EVENT"
# How long an event item stays in the table once written (its TTL attribute `purgeAt`): the stream
# has carried it out long before.
RETENTION = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class OutgoingEvent:
    type: str
    aggregate_id: str
    sequence: int
    data: Mapping[str, Any]


def _json_value(value: object) -> str:
    """Decimal exactly, as text; anything else json does not know is a caller's bug."""
    if isinstance(value, Decimal):
        return format(value, "f")
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def event_item(
    event: OutgoingEvent,
    *,
    source: str,
    occurred_at: datetime,
    event_id: str | None = None,
    traceparent: str | None = None,
) -> dict[str, Any]:
    """The event item, as plain Python values for `kit.aws.dynamo.to_item` (None values left out)."""
    event_id = event_id or str(ULID())
    at = occurred_at.astimezone(UTC)
    return {
        "pk": f"EVENT#{event_id}",
        "sk": EVENT_SK,
        "kind": EVENT_KIND,
        "eventId": event_id,
        "type": event.type,
        "source": source,
        "aggregateId": event.aggregate_id,
        "sequence": event.sequence,
        "occurredAt": at.isoformat(timespec="microseconds").replace("+00:00", "Z"),
        "data": json.dumps(dict(event.data), default=_json_value, separators=(",", ":")),
        "traceparent": traceparent,
        "purgeAt": int((at + RETENTION).timestamp()),
    }


def event_put(table: str, item: Mapping[str, Any]) -> dict[str, Any]:
    """The TransactWriteItems entry writing `item` (an event id is never reused)."""
    return {
        "Put": {
            "TableName": table,
            "Item": to_item(item),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }
