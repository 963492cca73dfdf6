"""The event a consumer's queue carries: an EventBridge event whose detail is an event item
(kit.aws.outbox), and what is not one."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from kit.aws.consumer import IncomingEvent, MalformedEvent
from kit_testing.queues import envelope, event_detail

CUSTOMER = "01J00000000000000000000000"


def test_an_envelope_becomes_an_incoming_event() -> None:
    detail = event_detail(
        "ActivityRecorded",
        "01J00000000000000000000001",
        7,
        {"symbol": "AAPL", "price": Decimal("0.1")},
        source="portfolios",
        event_id="01J00000000000000000000002",
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    )
    event = IncomingEvent.from_envelope(envelope(detail))
    assert event == IncomingEvent(
        event_id="01J00000000000000000000002",
        type="ActivityRecorded",
        source="portfolios",
        aggregate_id="01J00000000000000000000001",
        sequence=7,
        occurred_at=datetime(2026, 1, 5, 12, 0, tzinfo=UTC),
        data={"symbol": "AAPL", "price": "0.1"},
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    )


def test_numbers_in_the_data_stay_exact_decimals() -> None:
    detail = {**event_detail("ActivityRecorded", CUSTOMER), "data": '{"quantity": 0.1}'}
    quantity = IncomingEvent.from_envelope(envelope(detail)).data["quantity"]
    assert isinstance(quantity, Decimal) and quantity == Decimal("0.1")


@pytest.mark.parametrize("traceparent", [None, "", 7])
def test_a_missing_null_or_empty_traceparent_is_none(traceparent: object) -> None:
    detail = {**event_detail("CustomerClosed", CUSTOMER), "traceparent": traceparent}
    assert IncomingEvent.from_envelope(envelope(detail)).traceparent is None


def test_an_offset_time_is_read_as_utc() -> None:
    detail = {**event_detail("CustomerClosed", CUSTOMER), "occurredAt": "2026-01-05T13:00:00+01:00"}
    assert IncomingEvent.from_envelope(envelope(detail)).occurred_at == datetime(2026, 1, 5, 12, tzinfo=UTC)


def _without(name: str) -> str:
    detail = event_detail("CustomerClosed", CUSTOMER)
    del detail[name]
    return envelope(detail)


def _with(**fields: object) -> str:
    return envelope({**event_detail("CustomerClosed", CUSTOMER), **fields})


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "",
        "[]",
        '"CustomerRegistered"',
        json.dumps({"type": "CustomerRegistered", "customerId": CUSTOMER}),  # not an envelope
        json.dumps({"detail-type": "CustomerRegistered", "detail": CUSTOMER}),
        json.dumps({"detail-type": "CustomerRegistered"}),
        # (no `source` in the detail falls back to the envelope's; test_kit_incoming_event)
        *(_without(name) for name in ("eventId", "type", "aggregateId", "sequence", "occurredAt")),
        _without("data"),
        _with(eventId=""),
        _with(sequence=-1),
        _with(sequence="-1"),
        _with(sequence=True),
        _with(sequence=1.5),
        _with(occurredAt="yesterday"),
        _with(occurredAt="2026-01-05T12:00:00"),  # no time zone
        _with(data="[1, 2]"),
        _with(data="{"),
        pytest.param("[" * 100_000 + "]" * 100_000, id="deeply-nested"),
        pytest.param('{"detail": ' + "1" * 5000 + "}", id="5000-digit-integer"),
    ],
)
def test_what_is_not_an_event_is_malformed(body: str) -> None:
    with pytest.raises(MalformedEvent):
        IncomingEvent.from_envelope(body)
