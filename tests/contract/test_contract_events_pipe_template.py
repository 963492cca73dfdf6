"""The local relay and the AWS Pipe cannot drift: for any event item a producer writes,
`kit.aws.outbox.envelope_from_stream_image` (what the relay sends) gives the same event as the
synthesized Pipe's filter, Source, DetailType and InputTemplate (infra.event_path renders it).

What is assumed of AWS, since Pipes cannot run here (infra.event_path says the same):
- a quoted placeholder `"<$.…data.S>"` renders the string as a JSON string, escaping quotes,
  backslashes and control characters and passing other unicode through (the Pipes guide: quote
  the placeholders of strings);
- the unquoted `<$.…sequence.N>` renders the N attribute's text as it stands, so "3" is the JSON
  number 3; should AWS quote it after all, the consumer reads digit text as well (kit.aws.consumer);
- an item without `traceparent` (written outside a trace): the quoted placeholder's path is missing;
  it is assumed to render as "" or null (both tried here), which consumers take as "no trace",
  exactly as the relay's detail without the key.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from infra.assembly import SynthesizedStack
from infra.event_path import SynthesizedPipe, pipes_of
from kit.aws.consumer import IncomingEvent
from kit.aws.dynamo import to_item
from kit.aws.outbox import OutgoingEvent, envelope_from_stream_image, event_item
from moto.events.models import EventPattern

# Text as hostile as a stream image may carry: quotes, backslashes, control characters, unicode.
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
SHARP_TEXT = st.one_of(
    TEXT, st.sampled_from(['"', "\\", '\\"', "\n\t\x00", "é€😀", '</script>"<$.x>', "\u2028"])
)
VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**63), 2**63),
        st.decimals(allow_nan=False, allow_infinity=False, places=4),
        SHARP_TEXT,
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(SHARP_TEXT, inner, max_size=3)),
    max_leaves=8,
)
TRACEPARENTS = st.one_of(st.none(), st.just("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"), TEXT)


@st.composite
def event_items(draw: st.DrawFn, sources: list[str]) -> dict[str, Any]:
    """An event item as a producer writes it (kit.aws.outbox.event_item), any of its fields odd."""
    event = OutgoingEvent(
        type=draw(st.one_of(st.sampled_from(["CustomerRegistered", "ActivityRecorded"]), TEXT.filter(bool))),
        aggregate_id=draw(SHARP_TEXT.filter(bool)),
        sequence=draw(st.integers(0, 2**53)),
        data=draw(st.dictionaries(SHARP_TEXT, VALUES, max_size=5)),
    )
    return event_item(
        event,
        source=draw(st.sampled_from(sources)),
        occurred_at=draw(st.datetimes(timezones=st.just(UTC), min_value=datetime(2000, 1, 1))),
        event_id=draw(st.one_of(st.none(), SHARP_TEXT.filter(bool))),
        traceparent=draw(TRACEPARENTS),
    )


def stream_record(item: dict[str, Any]) -> dict[str, Any]:
    """The INSERT record of `item` as the table's stream carries it to a Pipe."""
    return {
        "eventID": "1",
        "eventName": "INSERT",
        "eventSource": "aws:dynamodb",
        "dynamodb": {
            "Keys": to_item({"pk": item["pk"], "sk": item["sk"]}),
            "NewImage": to_item(item),
            "SequenceNumber": "100",
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }


def passes(pipe: SynthesizedPipe, record: dict[str, Any]) -> bool:
    return any(EventPattern.load(json.dumps(p)).matches_event(record) for p in pipe.filter_patterns)  # type: ignore[arg-type]


def as_delivered(event: dict[str, Any]) -> IncomingEvent:
    return IncomingEvent.from_envelope(json.dumps(event))


@pytest.fixture(scope="module")
def pipes(messaging: SynthesizedStack) -> dict[str, SynthesizedPipe]:
    return pipes_of(messaging)


@pytest.mark.parametrize("missing_as", ["", None], ids=["missing-as-empty", "missing-as-null"])
def test_the_pipe_and_the_relay_make_the_same_event_of_any_event_item(
    pipes: dict[str, SynthesizedPipe], missing_as: str | None
) -> None:
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(item=event_items(sorted(pipes)))
    def check(item: dict[str, Any]) -> None:
        pipe = pipes[item["source"]]
        record = stream_record(item)
        relayed = envelope_from_stream_image(record["dynamodb"]["NewImage"])
        assert passes(pipe, record)
        entry = pipe.event_entry(record, missing_as=missing_as)
        detail = json.loads(entry["Detail"], parse_float=Decimal)
        assert (entry["Source"], entry["DetailType"]) == (relayed["source"], relayed["detail-type"])
        if "traceparent" in item:
            assert detail == relayed["detail"]
        else:
            assert detail.pop("traceparent") == missing_as
            assert detail == relayed["detail"]
        assert isinstance(detail["sequence"], int) and detail["sequence"] == item["sequence"]
        assert detail["data"] == item["data"]  # the event's JSON text, byte for byte
        piped = {"source": entry["Source"], "detail-type": entry["DetailType"], "detail": detail}
        assert as_delivered(piped) == as_delivered(relayed)

    check()


@pytest.mark.parametrize(
    "record",
    [
        {"eventName": "MODIFY", "dynamodb": {"NewImage": {"kind": {"S": "event"}}}},
        {"eventName": "REMOVE", "dynamodb": {"OldImage": {"kind": {"S": "event"}}}},  # the TTL's purge
        {"eventName": "INSERT", "dynamodb": {"NewImage": {"kind": {"S": "customer"}}}},
        {"eventName": "INSERT", "dynamodb": {"NewImage": {"pk": {"S": "APPLIED#1"}}}},
    ],
    ids=["modify", "remove", "an-entity", "a-marker"],
)
def test_the_pipe_passes_nothing_but_inserts_of_event_items(
    pipes: dict[str, SynthesizedPipe], record: dict[str, Any]
) -> None:
    assert not any(passes(pipe, record) for pipe in pipes.values())


def test_a_sequence_quoted_by_aws_would_still_be_read() -> None:
    """Should the Pipe render `sequence` as text after all, the consumer reads the same event."""
    item = event_item(
        OutgoingEvent("CustomerClosed", "01J0CUSTOMER", 7, {"customerId": "01J0CUSTOMER"}),
        source="customers",
        occurred_at=datetime(2026, 12, 3, 18, 0, tzinfo=UTC),
    )
    relayed = envelope_from_stream_image(to_item(item))
    quoted = {**relayed, "detail": {**relayed["detail"], "sequence": "7"}}
    assert as_delivered(quoted) == as_delivered(relayed)
    assert as_delivered(quoted).sequence == 7
