"""The event an SQS message of an event queue carries (an EventBridge event whose detail the outbox
built), and what is not one."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from kit.aws.consumer import IncomingEvent, MalformedEvent
from kit_testing.queues import envelope, event_detail

CUSTOMER = "01J00000000000000000000000"
DETAIL: dict[str, Any] = {
    "eventId": "01JEVENT0000000000000000000",
    "type": "CustomerClosed",
    "source": "customers",
    "aggregateId": CUSTOMER,
    "sequence": 4,
    "occurredAt": "2026-12-03T18:00:00.123456Z",
    "data": '{"customerId":"01J00000000000000000000000","fee":"1.50","rate":0.25}',
}


def body(detail: dict[str, Any], detail_type: str = "CustomerClosed") -> str:
    return json.dumps({"source": "portfolio.customers", "detail-type": detail_type, "detail": detail})


def test_an_envelope_becomes_an_incoming_event() -> None:
    event = IncomingEvent.from_envelope(body({**DETAIL, "traceparent": "00-ab-cd-01"}))
    assert event == IncomingEvent(
        event_id="01JEVENT0000000000000000000",
        type="CustomerClosed",
        source="customers",
        aggregate_id=CUSTOMER,
        sequence=4,
        occurred_at=datetime(2026, 12, 3, 18, 0, 0, 123456, tzinfo=UTC),
        data={"customerId": CUSTOMER, "fee": "1.50", "rate": Decimal("0.25")},
        traceparent="00-ab-cd-01",
    )
    assert isinstance(event.data["rate"], Decimal)  # a JSON number is never a float


def test_the_envelopes_detail_type_is_the_events_type() -> None:
    assert IncomingEvent.from_envelope(body({**DETAIL, "type": "ignored"})).type == "CustomerClosed"


@pytest.mark.parametrize("traceparent", [None, "", 7])
def test_a_missing_null_or_empty_traceparent_is_none(traceparent: Any) -> None:
    detail = {**DETAIL, "traceparent": traceparent}
    assert IncomingEvent.from_envelope(body(detail)).traceparent is None
    del detail["traceparent"]
    assert IncomingEvent.from_envelope(body(detail)).traceparent is None


def test_the_source_may_come_from_the_envelope_and_the_sequence_as_text() -> None:
    detail = {key: value for key, value in DETAIL.items() if key != "source"}
    event = IncomingEvent.from_envelope(body({**detail, "sequence": "12", "data": {"n": 1.5}}))
    assert (event.source, event.sequence, event.data) == ("customers", 12, {"n": Decimal("1.5")})


def test_what_a_producer_writes_is_read_back() -> None:
    event = IncomingEvent.from_envelope(
        envelope(event_detail("CustomerRegistered", CUSTOMER, 1, {"customerId": CUSTOMER}, event_id="e-1"))
    )
    assert (event.event_id, event.type, event.aggregate_id, event.sequence) == (
        "e-1",
        "CustomerRegistered",
        CUSTOMER,
        1,
    )
    assert event.data == {"customerId": CUSTOMER}


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "",
        "[]",
        '"CustomerRegistered"',
        json.dumps({"type": "CustomerRegistered", "customerId": CUSTOMER}),  # not an envelope
        json.dumps({"detail-type": "", "detail": DETAIL}),
        json.dumps({"detail-type": 7, "detail": DETAIL}),
        json.dumps({"detail-type": "CustomerRegistered", "detail": CUSTOMER}),
        json.dumps({"detail-type": "CustomerRegistered"}),
        body({**DETAIL, "eventId": ""}),
        body({**DETAIL, "aggregateId": None}),
        body({**DETAIL, "source": 3}),
        body({**DETAIL, "sequence": 1.5}),
        body({**DETAIL, "sequence": True}),
        body({**DETAIL, "sequence": "-1"}),
        body({**DETAIL, "sequence": "9" * 30}),
        body({**DETAIL, "occurredAt": "yesterday"}),
        body({**DETAIL, "occurredAt": "2026-12-03T18:00:00"}),  # no time zone
        body({**DETAIL, "data": "not json"}),
        body({**DETAIL, "data": "[1]"}),
        body({**DETAIL, "data": None}),
        pytest.param("[" * 100_000 + "]" * 100_000, id="deeply-nested"),
        pytest.param('{"detail-type": ' + "1" * 5000 + "}", id="5000-digit-integer"),
        pytest.param(body({**DETAIL, "data": '{"n": ' + "1" * 5000 + "}"}), id="5000-digit-integer-in-data"),
    ],
)
def test_what_is_not_an_event_is_malformed(text: str) -> None:
    with pytest.raises(MalformedEvent):
        IncomingEvent.from_envelope(text)
    assert issubclass(MalformedEvent, ValueError)
