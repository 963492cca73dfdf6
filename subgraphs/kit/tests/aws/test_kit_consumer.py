"""The SQS event consumer, one poll at a time, against moto's server: what is handled is deleted,
what fails or is malformed stays for redelivery and ends in the dead-letter queue, a failing receive
backs off, and each event is handled in a consumer span continuing the producer's trace."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError
from kit.aws import event_tracing
from kit.aws.consumer import EventQueueConsumer, IncomingEvent, MalformedEvent, sqs_client
from kit_testing.queues import MAX_RECEIVE_COUNT, REGION, EventQueues, envelope, event_detail
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, get_current_span
from ulid import ULID

from .waiting import eventually

LOGGER = "kit.aws.consumer"
KNOWN = {"CustomerRegistered", "CustomerClosed"}


class Recorder:
    """A handler keeping what it applied; an event type it does not know can never be applied."""

    def __init__(self) -> None:
        self.applied: list[IncomingEvent] = []

    async def __call__(self, event: IncomingEvent) -> None:
        if event.type not in KNOWN:
            raise MalformedEvent(f"unknown event type {event.type}")
        if not str(event.data.get("customerId", "")).startswith("01"):
            raise MalformedEvent("the customer id is not one")
        self.applied.append(event)

    def customers(self) -> list[str]:
        return [event.aggregate_id for event in self.applied]


def registered(customer_id: str, sequence: int = 1) -> str:
    return envelope(event_detail("CustomerRegistered", customer_id, sequence, {"customerId": customer_id}))


@pytest.fixture
async def sqs(moto_endpoint: str) -> AsyncIterator[Any]:
    async with sqs_client(REGION, moto_endpoint, wait_seconds=0) as client:
        yield client


async def test_a_message_is_handled_then_deleted(sqs: Any, moto_endpoint: str) -> None:
    queues = EventQueues(moto_endpoint)
    customer_id = str(ULID())
    queues.send(registered(customer_id))
    handler = Recorder()

    consumer = EventQueueConsumer(sqs, queues.url, handler, wait_seconds=0)
    assert await consumer.poll_once() == 1

    assert handler.customers() == [customer_id]
    assert handler.applied[0].type == "CustomerRegistered"
    assert queues.count(queues.url) == 0
    assert await consumer.poll_once() == 0  # nothing comes back
    assert handler.customers() == [customer_id]


async def test_messages_of_one_receive_are_handled_in_the_order_received(
    sqs: Any, moto_endpoint: str
) -> None:
    queues = EventQueues(moto_endpoint)
    customer_id = str(ULID())
    for sequence in range(1, 6):
        queues.send(registered(customer_id, sequence))
    applied: list[int] = []
    running = 0

    async def slow_first(event: IncomingEvent) -> None:
        nonlocal running
        running += 1
        assert running == 1  # never two at once
        await asyncio.sleep(0.02 if event.sequence == 1 else 0)
        applied.append(event.sequence)
        running -= 1

    consumer = EventQueueConsumer(sqs, queues.url, slow_first, wait_seconds=0)
    while len(applied) < 5:
        await consumer.poll_once()
    assert applied == sorted(applied)  # moto hands out a standard queue's messages in order


async def test_malformed_messages_are_never_deleted_and_end_in_the_dead_letter_queue(
    sqs: Any, moto_endpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger=LOGGER)
    queues = EventQueues(moto_endpoint)
    bad = sorted(
        [
            "not json",
            registered("c-1"),  # a valid envelope, an event the handler can never apply
            envelope(event_detail("SomethingElse", str(ULID()), 1, {"customerId": str(ULID())})),
        ]
    )
    for body in bad:
        queues.send(body)
    handler = Recorder()
    consumer = EventQueueConsumer(sqs, queues.url, handler, wait_seconds=0)

    for _ in range(MAX_RECEIVE_COUNT):
        assert await consumer.poll_once() == 0
        assert queues.count(queues.url) == 3  # left on the queue
    # The next receive finds them received 5 times: SQS moves them to the dead-letter queue.
    assert await consumer.poll_once() == 0
    assert queues.count(queues.url) == 0
    assert queues.dead_letters() == bad
    assert handler.applied == []  # nothing applied
    errors = [r for r in caplog.records if r.name == LOGGER]
    assert len(errors) == 3 * MAX_RECEIVE_COUNT  # each receive of each message is logged
    assert all("dead-letter" in r.getMessage() for r in errors)
    assert all(r.exc_info is None for r in errors)  # one line each, no trace


async def test_a_handler_failure_leaves_the_message_for_redelivery(
    sqs: Any, moto_endpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger=LOGGER)
    queues = EventQueues(moto_endpoint)
    customer_id = str(ULID())
    queues.send(registered(customer_id))
    outage = True
    recorder = Recorder()

    async def handler(event: IncomingEvent) -> None:
        if outage:
            raise RuntimeError("DynamoDB is unreachable")
        await recorder(event)

    consumer = EventQueueConsumer(sqs, queues.url, handler, wait_seconds=0)
    assert await consumer.poll_once() == 0
    assert queues.count(queues.url) == 1
    [record] = [r for r in caplog.records if r.name == LOGGER]
    assert record.exc_info is not None and isinstance(record.exc_info[1], RuntimeError)

    outage = False  # the redelivery succeeds and is deleted
    assert await consumer.poll_once() == 1
    assert queues.count(queues.url) == 0
    assert recorder.customers() == [customer_id]


async def test_a_handler_failure_redelivered_five_times_lands_in_the_dead_letter_queue(
    sqs: Any, moto_endpoint: str
) -> None:
    queues = EventQueues(moto_endpoint)
    message = registered(str(ULID()))
    queues.send(message)

    async def failing(event: IncomingEvent) -> None:
        raise RuntimeError("the price provider is down")

    consumer = EventQueueConsumer(sqs, queues.url, failing, wait_seconds=0)
    for _ in range(MAX_RECEIVE_COUNT + 1):
        assert await consumer.poll_once() == 0
    assert queues.dead_letters() == [message]
    assert queues.count(queues.url) == 0


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
    customer_id = str(ULID())
    queues.send(registered(customer_id))
    handler = Recorder()
    flaky = FlakyClient(sqs, failures=3)
    consumer = EventQueueConsumer(flaky, queues.url, handler, wait_seconds=0, backoff_seconds=0.01)
    task = asyncio.create_task(consumer.run())
    try:
        await eventually(lambda: handler.customers() == [customer_id])
        await eventually(lambda: queues.count(queues.url) == 0)
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


async def test_each_event_is_handled_in_a_consumer_span_of_the_producers_trace(
    sqs: Any, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    # event_tracing looks its tracer up per event: hand it this test's provider's.
    monkeypatch.setattr(event_tracing.trace, "get_tracer", lambda *_, **__: provider.get_tracer("test"))
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    queues = EventQueues(moto_endpoint)
    customer_id = str(ULID())
    queues.send(
        envelope(
            event_detail(
                "CustomerClosed",
                customer_id,
                1,
                {"customerId": customer_id},
                event_id="01JEVENT",
                traceparent=f"00-{trace_id}-00f067aa0ba902b7-01",
            )
        )
    )
    seen: list[int] = []

    async def handler(event: IncomingEvent) -> None:
        seen.append(get_current_span().get_span_context().trace_id)

    assert await EventQueueConsumer(sqs, queues.url, handler, wait_seconds=0).poll_once() == 1
    [span] = exporter.get_finished_spans()
    assert span.name == "CustomerClosed process" and span.kind == SpanKind.CONSUMER
    assert span.context is not None and span.context.trace_id == int(trace_id, 16) == seen[0]
    assert span.parent is not None and span.parent.span_id == int("00f067aa0ba902b7", 16)
    assert span.attributes is not None and span.attributes["messaging.message.id"] == "01JEVENT"
