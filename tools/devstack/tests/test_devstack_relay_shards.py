"""The relay's reading of a stream, against in-memory fakes: a parent shard before its children,
checkpoints that a new relay resumes after, and a page that failed to send is sent again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from devstack.relay import Checkpoints, DeliveryFailed, Relay

from .relay_fakes import STREAM, FakeDynamoDB, FakeShard, FakeSqs, FakeStreams, record

QUEUE = "http://sqs.test/portfolios-events"


def relay(streams: FakeStreams, sqs: FakeSqs, checkpoints: Path) -> Relay:
    return Relay(
        dynamodb=FakeDynamoDB(),
        streams=streams,
        sqs=sqs,
        tables={"customers": "customers"},
        queues={"portfolios": QUEUE},
        checkpoints=Checkpoints(checkpoints),
    )


def sent_ids(sqs: FakeSqs) -> list[str]:
    return [json.loads(body)["detail"]["eventId"] for body in sqs.sent.get(QUEUE, [])]


async def pump_until_idle(subject: Relay) -> None:
    """Pumps until three pumps in a row found nothing (a renewed iterator costs one)."""
    await subject.discover()
    idle = 0
    for _ in range(30):
        idle = 0 if await subject.pump() else idle + 1
        if idle == 3:
            return


async def test_a_parent_shard_is_read_to_its_end_before_its_child(tmp_path: Path) -> None:
    parent = FakeShard("shard-1", records=[record(1, "c"), record(2, "c")], closed=True)
    child = FakeShard("shard-2", parent="shard-1", records=[record(3, "c")])
    streams, sqs = FakeStreams(child, parent), FakeSqs()  # listed child first on purpose
    subject = relay(streams, sqs, tmp_path / "checkpoints.json")
    await subject.discover()
    assert await subject.pump()
    assert sent_ids(sqs) == ["e001", "e002"]  # the child waited for its parent
    await pump_until_idle(subject)
    assert sent_ids(sqs) == ["e001", "e002", "e003"]
    child.records.append(record(4, "c"))  # the open child goes on
    await pump_until_idle(subject)
    assert sent_ids(sqs) == ["e001", "e002", "e003", "e004"]


async def test_a_new_relay_resumes_after_the_checkpoint(tmp_path: Path) -> None:
    shard = FakeShard("shard-1", records=[record(1, "c"), record(2, "c")])
    first_sqs = FakeSqs()
    await pump_until_idle(relay(FakeStreams(shard), first_sqs, tmp_path / "checkpoints.json"))
    assert sent_ids(first_sqs) == ["e001", "e002"]
    saved = json.loads((tmp_path / "checkpoints.json").read_text())
    assert saved == {f"{STREAM} shard-1": f"{2:021}"}

    shard.records.append(record(3, "c"))
    streams, sqs = FakeStreams(shard), FakeSqs()
    await pump_until_idle(relay(streams, sqs, tmp_path / "checkpoints.json"))
    assert sent_ids(sqs) == ["e003"]  # nothing again, nothing lost
    assert streams.iterator_requests[0]["ShardIteratorType"] == "AFTER_SEQUENCE_NUMBER"
    assert streams.iterator_requests[0]["SequenceNumber"] == f"{2:021}"


async def test_without_a_checkpoint_a_shard_is_read_from_its_oldest_record(tmp_path: Path) -> None:
    (tmp_path / "checkpoints.json").write_text("{not json")
    streams, sqs = FakeStreams(FakeShard("shard-1", records=[record(1, "c")])), FakeSqs()
    await pump_until_idle(relay(streams, sqs, tmp_path / "checkpoints.json"))
    assert streams.iterator_requests[0]["ShardIteratorType"] == "TRIM_HORIZON"
    assert sent_ids(sqs) == ["e001"]


async def test_a_page_that_failed_to_send_is_sent_again_and_only_then_checkpointed(tmp_path: Path) -> None:
    streams, sqs = FakeStreams(FakeShard("shard-1", records=[record(1, "c"), record(2, "c")])), FakeSqs()
    subject = relay(streams, sqs, tmp_path / "checkpoints.json")
    await subject.discover()
    sqs.refuse = 1
    with pytest.raises(DeliveryFailed):
        await subject.pump()
    assert not (tmp_path / "checkpoints.json").exists()
    await pump_until_idle(subject)
    assert sent_ids(sqs) == ["e001", "e002"]
    assert subject.sent == 2


async def test_an_expired_iterator_is_renewed_from_the_checkpoint(tmp_path: Path) -> None:
    shard = FakeShard("shard-1", records=[record(1, "c")])
    streams, sqs = FakeStreams(shard), FakeSqs()
    subject = relay(streams, sqs, tmp_path / "checkpoints.json")
    await pump_until_idle(subject)
    shard.records.append(record(2, "c"))
    streams.expire_next = True
    await pump_until_idle(subject)
    assert sent_ids(sqs) == ["e001", "e002"]
    assert streams.iterator_requests[-1]["ShardIteratorType"] == "AFTER_SEQUENCE_NUMBER"


async def test_only_new_event_items_are_sent_and_a_malformed_one_is_skipped(tmp_path: Path) -> None:
    broken = record(3, "c")
    del broken["dynamodb"]["NewImage"]["aggregateId"]
    records = [record(1, "c", name="MODIFY"), record(2, "c", name="REMOVE"), broken, record(4, "c")]
    streams, sqs = FakeStreams(FakeShard("shard-1", records=records)), FakeSqs()
    subject = relay(streams, sqs, tmp_path / "checkpoints.json")
    await pump_until_idle(subject)
    assert sent_ids(sqs) == ["e004"]
    assert subject.skipped == 1
