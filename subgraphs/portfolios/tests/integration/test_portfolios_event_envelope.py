"""The EventBridge envelope an SQS message of the event queue carries, and what is not one."""

from __future__ import annotations

import json

import pytest
from portfolios.adapters.event_queue import MalformedMessage, event_from_envelope

from .queues import envelope


def test_an_envelope_becomes_the_event_body_of_the_events_route() -> None:
    body = envelope("CustomerClosed", {"customerId": "01J00000000000000000000000", "type": "ignored"})
    assert event_from_envelope(body) == {"type": "CustomerClosed", "customerId": "01J00000000000000000000000"}


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "",
        "[]",
        '"CustomerRegistered"',
        json.dumps(
            {"type": "CustomerRegistered", "customerId": "01J00000000000000000000000"}
        ),  # not an envelope
        json.dumps({"detail-type": "", "detail": {}}),
        json.dumps({"detail-type": 7, "detail": {}}),
        json.dumps({"detail-type": "CustomerRegistered", "detail": "01J00000000000000000000000"}),
        json.dumps({"detail-type": "CustomerRegistered"}),
        pytest.param("[" * 100_000 + "]" * 100_000, id="deeply-nested"),
        pytest.param('{"detail-type": ' + "1" * 5000 + "}", id="5000-digit-integer"),
    ],
)
def test_what_is_not_an_envelope_is_malformed(body: str) -> None:
    with pytest.raises(MalformedMessage):
        event_from_envelope(body)
