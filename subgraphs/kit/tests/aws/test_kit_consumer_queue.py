"""The SQS event consumer, one poll at a time, against moto's server: what is handled is deleted,
what fails or is malformed stays for redelivery and ends in the dead-letter queue, a redrive brings
it back, and a failing receive backs off."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError
from kit.aws.consumer import EventQueueConsumer, IncomingEvent, MalformedEvent, sqs_client
from kit_testing.queues import MAX_RECEIVE_COUNT, REGION, EventQueues, envelope, event_detail, eventually

LOGGER = "kit.aws.consumer"
CUSTOMER = "01J00000000000000000000000"


@pytest.fixture
async def sqs(moto_endpoint: str) -> AsyncIterator[Any]:
    async with sqs_client(REGION, moto_endpoint, wait_seconds=0) as client:
        yield client


class Recorder:
    """A handler that records what it was given; it fails while `failing` is set."""

    def __init__(self) -> None:
        self.events: list[IncomingEvent] = []
        self.failing: BaseException | None = None

    async def __call__(self, event: IncomingEvent) -> None:
        if self.failing is not None:
            raise self.failing
        self.events.append(event)


async def test_a_message_is_handled_then_deleted(sqs: Any, moto_endpoint: str) -> None:
    queues = EventQueues(moto_endpoint)
    detail = event_detail("CustomerRegistered", CUSTOMER, 1, {"customerId": CUSTOMER})
    queues.send_event(detail)
    handler = Recorder()
    consumer = EventQueueConsumer(sqs, queues.url, handler, wait_seconds=0)
    assert await consumer.poll_once() == 1
    assert [(e.event_id, e.type, e.aggregate_id, e.data) for e in handler.events] == [
        (detail["eventId"], "CustomerRegistered", CUSTOMER, {"customerId": CUSTOMER})
    ]
    assert queues.count(queues.url) == 0
    assert await consumer.poll_once() == 0  # nothing comes back


async def test_malformed_and_invalid_messages_end_in_the_dead_letter_queue(
    sqs: Any, moto_endpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger=LOGGER)
    queues = EventQueues(moto_endpoint)
    bad = sorted(["not json", envelope({"type": "CustomerRegistered"}), envelope(event_detail("Nope", "x"))])
    for body in bad:
        queues.send(body)

    async def rejects(event: IncomingEvent) -> None:
        raise ValueError(f"Unsupported event type {event.type!r}.")

    consumer = EventQueueConsumer(
        sqs, queues.url, rejects, wait_seconds=0, permanent_errors=(MalformedEvent, ValueError)
    )
    for _ in range(MAX_RECEIVE_COUNT):
        assert await consumer.poll_once() == 0
        assert queues.count(queues.url) == 3  # left on the queue
    # The next receive finds them received 5 times: SQS moves them to the dead-letter queue.
    assert await consumer.poll_once() == 0
    assert queues.count(queues.url) == 0
    assert queues.dead_letters() == bad
    errors = [r for r in caplog.records if r.name == LOGGER]
    assert len(errors) == 3 * MAX_RECEIVE_COUNT  # each receive of each message is logged
    assert all("dead-letter" in r.getMessage() and r.exc_info is None for r in errors)
    assert not any("not json" in r.getMessage() for r in errors)  # the body itself is not logged


async def test_a_failing_handler_leaves_the_message_until_the_dead_letter_queue_and_a_redrive_delivers_it(
    sqs: Any, moto_endpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger=LOGGER)
    queues = EventQueues(moto_endpoint)
    detail = event_detail("CustomerClosed", CUSTOMER, 2)
    queues.send_event(detail)
    handler = Recorder()
    handler.failing = RuntimeError("DynamoDB is unreachable")
    consumer = EventQueueConsumer(sqs, queues.url, handler, wait_seconds=0)
    for _ in range(MAX_RECEIVE_COUNT):
        assert await consumer.poll_once() == 0
        assert queues.count(queues.url) == 1
    assert await consumer.poll_once() == 0
    assert queues.count(queues.url) == 0 and queues.count(queues.dlq_url) == 1
    failures = [r for r in caplog.records if r.name == LOGGER]
    assert len(failures) == MAX_RECEIVE_COUNT
    assert all(r.exc_info is not None and isinstance(r.exc_info[1], RuntimeError) for r in failures)

    handler.failing = None  # fixed: the redrive delivers it once
    assert queues.redrive() == 1
    assert await consumer.poll_once() == 1
    assert [e.event_id for e in handler.events] == [detail["eventId"]]
    assert queues.count(queues.url) == queues.count(queues.dlq_url) == 0


class FlakyClient:
    """The real SQS client, but its first `failures` ReceiveMessage calls fail to connect."""

    def __init__(self, client: Any, failures: int) -> None:
        self.client = client
        self.failures = failures
        self.receives = 0

    async def receive_message(self, **kwargs: Any) -> Any:
        self.receives += 1
        if self.receives <= self.failures:
            raise EndpointConnectionError(endpoint_url="http://sqs")
        return await self.client.receive_message(**kwargs)

    async def delete_message(self, **kwargs: Any) -> Any:
        return await self.client.delete_message(**kwargs)


async def test_a_failing_receive_backs_off_and_the_loop_carries_on(
    sqs: Any, moto_endpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger=LOGGER)
    queues = EventQueues(moto_endpoint)
    queues.send_event(event_detail("CustomerRegistered", CUSTOMER))
    flaky = FlakyClient(sqs, failures=3)
    handler = Recorder()
    consumer = EventQueueConsumer(flaky, queues.url, handler, wait_seconds=0, backoff_seconds=0.01)
    task = asyncio.create_task(consumer.run())

    async def drained() -> bool:
        return len(handler.events) == 1 and queues.count(queues.url) == 0

    try:
        await eventually(drained)
        assert not task.done()
        assert consumer.receive_failures == 0  # reset by the first receive that worked
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert task.cancelled()
    assert flaky.receives > 3
    delays = [
        r.getMessage().rsplit("retrying in ", 1)[1] for r in caplog.records if "retrying in" in r.getMessage()
    ]
    assert delays == ["0.01 s", "0.02 s", "0.04 s"]  # 0.01 doubled after each consecutive failure
