"""The event item a producer writes with its change, and the envelope its stream record becomes:
every attribute the spec names, exact decimals through the whole trip, and what is refused."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import TypeSerializer
from hypothesis import given
from hypothesis import strategies as st
from kit.aws.consumer import IncomingEvent
from kit.aws.dynamo import to_item
from kit.aws.outbox import (
    MalformedEventImage,
    OutgoingEvent,
    envelope_from_stream_image,
    event_item,
    event_put,
)
from ulid import ULID

AT = datetime(2026, 12, 3, 18, 0, 0, 123456, tzinfo=UTC)
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
CLOSED = OutgoingEvent("CustomerClosed", "01JCUSTOMER000000000000000", 3, {"customerId": "01JCUSTOMER"})


def stream_image(item: dict[str, Any]) -> dict[str, Any]:
    """A stream record's NewImage: DynamoDB JSON, as TypeSerializer (and so the stream) writes it."""
    serializer = TypeSerializer()
    return {key: serializer.serialize(value) for key, value in item.items()}


def test_the_event_item_has_every_attribute_of_the_spec() -> None:
    item = event_item(
        CLOSED, source="customers", occurred_at=AT, event_id="01JEVENT", traceparent=TRACEPARENT
    )
    assert item == {
        "pk": "EVENT#01JEVENT",
        "sk": "EVENT",
        "kind": "event",
        "eventId": "01JEVENT",
        "type": "CustomerClosed",
        "source": "customers",
        "aggregateId": "01JCUSTOMER000000000000000",
        "sequence": 3,
        "occurredAt": "2026-12-03T18:00:00.123456Z",
        "data": '{"customerId":"01JCUSTOMER"}',
        "traceparent": TRACEPARENT,
        "purgeAt": int((AT + timedelta(days=7)).timestamp()),
    }


def test_the_event_id_is_a_new_ulid_each_time_and_no_trace_means_no_attribute() -> None:
    first = event_item(CLOSED, source="customers", occurred_at=AT)
    second = event_item(CLOSED, source="customers", occurred_at=AT)
    assert first["eventId"] != second["eventId"]
    assert str(ULID.from_str(first["eventId"])) == first["eventId"]
    assert first["pk"] == f"EVENT#{first['eventId']}"
    assert "traceparent" not in first
    assert "traceparent" not in event_item(CLOSED, source="customers", occurred_at=AT, traceparent="")


def test_occurred_at_is_written_in_utc() -> None:
    paris = timezone(timedelta(hours=1))
    item = event_item(CLOSED, source="customers", occurred_at=datetime(2026, 1, 1, 1, 30, tzinfo=paris))
    assert item["occurredAt"] == "2026-01-01T00:30:00.000000Z"
    assert item["purgeAt"] == int(datetime(2026, 1, 8, 0, 30, tzinfo=UTC).timestamp())


def test_data_is_compact_json_with_decimals_and_dates_as_exact_text() -> None:
    event = OutgoingEvent(
        "ActivityRecorded",
        "01JPORTFOLIO",
        7,
        {"symbol": "AAPL", "tradeDate": date(2026, 3, 2), "quantity": Decimal("10.500"), "n": [1, None]},
    )
    item = event_item(event, source="portfolios", occurred_at=AT)
    assert item["data"] == '{"n":[1,null],"quantity":"10.500","symbol":"AAPL","tradeDate":"2026-03-02"}'


@pytest.mark.parametrize(
    "data",
    [{"price": 1.5}, {"x": Decimal("NaN")}, {"x": Decimal("Infinity")}, {1: "a"}, {"x": object()}],
    ids=["float", "nan", "infinity", "non-text-key", "object"],
)
def test_data_a_consumer_could_misread_is_refused(data: dict[Any, Any]) -> None:
    with pytest.raises((TypeError, ValueError)):
        event_item(OutgoingEvent("T", "a", 1, data), source="customers", occurred_at=AT)


def test_a_naive_time_or_a_non_integer_sequence_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        event_item(CLOSED, source="customers", occurred_at=datetime(2026, 1, 1))
    for sequence in (True, Decimal(1), "1"):
        with pytest.raises(TypeError):
            event_item(OutgoingEvent("T", "a", sequence, {}), source="customers", occurred_at=AT)  # type: ignore[arg-type]


def test_the_put_writes_an_event_id_once() -> None:
    item = event_item(CLOSED, source="customers", occurred_at=AT, event_id="01JEVENT")
    assert event_put("customers-table", item) == {
        "Put": {
            "TableName": "customers-table",
            "Item": to_item(item),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }


def test_the_envelope_is_what_the_pipe_puts_on_the_bus() -> None:
    item = event_item(
        CLOSED, source="customers", occurred_at=AT, event_id="01JEVENT", traceparent=TRACEPARENT
    )
    assert envelope_from_stream_image(stream_image(item)) == {
        "source": "portfolio.customers",
        "detail-type": "CustomerClosed",
        "detail": {
            "eventId": "01JEVENT",
            "type": "CustomerClosed",
            "source": "customers",
            "aggregateId": "01JCUSTOMER000000000000000",
            "sequence": 3,
            "occurredAt": "2026-12-03T18:00:00.123456Z",
            "traceparent": TRACEPARENT,
            "data": '{"customerId":"01JCUSTOMER"}',
        },
    }
    untraced = envelope_from_stream_image(
        stream_image(event_item(CLOSED, source="customers", occurred_at=AT))
    )
    assert "traceparent" not in untraced["detail"]
    assert isinstance(untraced["detail"]["sequence"], int)


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "profile"},
        {"kind": None},
        {"eventId": None},
        {"type": ""},
        {"data": None},
        {"sequence": Decimal("1.5")},
        {"sequence": "3"},
        {"aggregateId": 7},
    ],
    ids=repr,
)
def test_an_image_that_is_not_an_event_item_is_refused(change: dict[str, Any]) -> None:
    item = event_item(CLOSED, source="customers", occurred_at=AT)
    image = stream_image({key: value for key, value in {**item, **change}.items() if value is not None})
    with pytest.raises(MalformedEventImage):
        envelope_from_stream_image(image)


def test_an_image_that_is_not_dynamodb_json_is_refused() -> None:
    with pytest.raises(MalformedEventImage):
        envelope_from_stream_image({"kind": "event"})


# Decimals of every shape a ledger holds: exponent and digits as written ("10.500" keeps its zeros).
decimals = st.decimals(
    allow_nan=False, allow_infinity=False, places=None, min_value=-(10**12), max_value=10**12
)
data_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63) | st.text(max_size=20) | decimals,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def as_received(value: Any) -> Any:
    """What a consumer reads back for a produced value: a Decimal arrives as its exact text."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: as_received(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_received(item) for item in value]
    return value


@given(
    data=st.dictionaries(st.text(max_size=10), data_values, max_size=6),
    sequence=st.integers(0, 2**53),
    traceparent=st.sampled_from([None, TRACEPARENT]),
)
def test_an_event_arrives_as_it_was_written(
    data: dict[str, Any], sequence: int, traceparent: str | None
) -> None:
    item = event_item(
        OutgoingEvent("ActivityRecorded", "01JPORTFOLIO", sequence, data),
        source="portfolios",
        occurred_at=AT,
        traceparent=traceparent,
    )
    body = json.dumps(
        {"id": "e-1", "time": "2026-12-03T18:00:00Z", **envelope_from_stream_image(stream_image(item))}
    )
    received = IncomingEvent.from_envelope(body)
    assert received == IncomingEvent(
        event_id=item["eventId"],
        type="ActivityRecorded",
        source="portfolios",
        aggregate_id="01JPORTFOLIO",
        sequence=sequence,
        occurred_at=AT,
        data=as_received(data),
        traceparent=traceparent,
    )
    # Every decimal is exact: the same digits, the same exponent.
    for original, text in zip(_decimals(data), _texts_of_decimals(data, received.data), strict=True):
        assert Decimal(text) == original and str(Decimal(text)) == str(original)


def _decimals(value: Any) -> list[Decimal]:
    if isinstance(value, Decimal):
        return [value]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return [found for item in items for found in _decimals(item)]


def _texts_of_decimals(original: Any, received: Any) -> list[str]:
    if isinstance(original, Decimal):
        return [received]
    if isinstance(original, dict):
        return [text for key in original for text in _texts_of_decimals(original[key], received[key])]
    if isinstance(original, list):
        return [text for pair in zip(original, received, strict=True) for text in _texts_of_decimals(*pair)]
    return []
