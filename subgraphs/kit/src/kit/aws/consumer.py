"""A service's event queue: an SQS queue that an EventBridge rule (in AWS) or the local relay
(devstack.relay) fills with other services' events, each message body an EventBridge event whose
`detail` kit.aws.outbox built from the producer's event item.

`EventQueueConsumer.run` long-polls the queue and hands each event, parsed into an `IncomingEvent`,
to the service's handler inside a consumer span that continues the producer's trace. A message is
deleted only after the handler returned; one that fails, or that is malformed, is logged and left on
the queue: SQS delivers it again after the visibility timeout, and after `maxReceiveCount` receives
(5) moves it to the dead-letter queue. Delivery is at least once: handlers are idempotent by event
id. The loop survives every error: a failing receive is logged and retried with a capped exponential
backoff; only cancellation stops it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from kit.aws.clients import aws_client, bounded_config
from kit.aws.event_tracing import consuming
from kit.aws.outbox import EVENT_SOURCE_PREFIX
from kit.core.events import InvalidEvent
from kit.web.settings import MAX_EVENT_WAIT_SECONDS, ConsumerSettings

log = logging.getLogger(__name__)

MAX_WAIT_SECONDS = MAX_EVENT_WAIT_SECONDS


class MalformedEvent(InvalidEvent):
    """A message that is not an event: redelivery cannot fix it, so it is left for the dead-letter
    queue. A handler raises it too for an event it can never apply."""


@dataclass(frozen=True, slots=True)
class IncomingEvent:
    event_id: str
    type: str
    source: str
    aggregate_id: str
    sequence: int
    occurred_at: datetime
    data: dict[str, Any]  # numbers parsed as Decimal, never float
    traceparent: str | None

    @classmethod
    def from_envelope(cls, body: str) -> IncomingEvent:
        """The event an SQS message body (an EventBridge event's JSON text) carries; its type is
        the envelope's detail-type (what EventBridge rules route on)."""
        envelope = _json(body, "the body")
        if not isinstance(envelope, dict):
            raise MalformedEvent("the body is not a JSON object")
        detail_type, detail = envelope.get("detail-type"), envelope.get("detail")
        if not isinstance(detail_type, str) or not detail_type:
            raise MalformedEvent("the envelope has no detail-type")
        if not isinstance(detail, dict):
            raise MalformedEvent("the envelope's detail is not an object")
        source = detail.get("source")
        if source is None and isinstance(envelope.get("source"), str):
            source = envelope["source"].removeprefix(EVENT_SOURCE_PREFIX)
        return cls(
            event_id=_text(detail, "eventId"),
            type=detail_type,
            source=_text({"source": source}, "source"),
            aggregate_id=_text(detail, "aggregateId"),
            sequence=_sequence(detail.get("sequence")),
            occurred_at=_instant(_text(detail, "occurredAt")),
            data=_data(detail.get("data")),
            traceparent=_traceparent(detail.get("traceparent")),
        )


EventHandler = Callable[[IncomingEvent], Awaitable[None]]


def _json(text: str, what: str) -> Any:
    try:
        return json.loads(text, parse_float=Decimal)
    except (ValueError, RecursionError) as error:  # also 4300+ digit integers and deep nesting
        raise MalformedEvent(f"{what} is not JSON: {error}") from error


def _text(detail: Mapping[str, Any], name: str) -> str:
    value = detail.get(name)
    if not isinstance(value, str) or not value:
        raise MalformedEvent(f"the detail has no {name}")
    return value


def _sequence(value: Any) -> int:
    # An integer; the text of one too, should a Pipe's input template quote it.
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 20:
        return int(value)
    raise MalformedEvent("the detail's sequence is not a non-negative integer")


def _instant(text: str) -> datetime:
    try:
        instant = datetime.fromisoformat(text)
    except ValueError as error:
        raise MalformedEvent("the detail's occurredAt is not an ISO-8601 instant") from error
    if instant.tzinfo is None:
        raise MalformedEvent("the detail's occurredAt has no time zone")
    return instant


def _data(value: Any) -> dict[str, Any]:
    # JSON text as the outbox writes it; an object too, should a Pipe's template inline it.
    data = _json(value, "the detail's data") if isinstance(value, str) else value
    if not isinstance(data, dict):
        raise MalformedEvent("the detail's data is not a JSON object")
    return data


def _traceparent(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


class EventQueueConsumer:
    def __init__(
        self,
        client: Any,
        queue_url: str,
        handler: EventHandler,
        *,
        wait_seconds: int = 10,
        max_messages: int = 10,
        backoff_seconds: float = 1.0,
        max_backoff_seconds: float = 30.0,
        permanent_errors: tuple[type[Exception], ...] = (InvalidEvent,),
    ) -> None:
        self._client = client
        self._queue_url = queue_url
        self._handler = handler
        self._wait_seconds = min(max(wait_seconds, 0), MAX_WAIT_SECONDS)
        self._max_messages = min(max(max_messages, 1), 10)
        self._backoff_seconds = backoff_seconds
        self._max_backoff_seconds = max_backoff_seconds
        # Errors a redelivery cannot fix: logged in one line (no trace) and left for the DLQ.
        self._permanent_errors = permanent_errors
        self.receive_failures = 0  # consecutive; 0 after a receive that worked

    async def run(self) -> None:
        """Polls until cancelled."""
        log.info("consuming events from %s", self._queue_url)
        while True:
            try:
                await self.poll_once()
            except Exception:
                self.receive_failures += 1
                delay = min(
                    self._max_backoff_seconds, self._backoff_seconds * 2 ** (self.receive_failures - 1)
                )
                log.exception("receiving events from %s failed; retrying in %.3g s", self._queue_url, delay)
                await asyncio.sleep(delay)

    async def poll_once(self) -> int:
        """One ReceiveMessage (long poll) and its messages handled; answers how many were deleted.
        Raises only when the receive itself fails."""
        response = await self._client.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=self._max_messages,
            WaitTimeSeconds=self._wait_seconds,
        )
        self.receive_failures = 0
        messages = response.get("Messages", [])
        # One after the other, in the order received: events of one aggregate stay in order.
        handled = [await self._handle(message) for message in messages]
        return sum(handled)

    async def _handle(self, message: Mapping[str, Any]) -> bool:
        """True when the message was handled and deleted; never raises (but for cancellation)."""
        message_id = message.get("MessageId", "?")
        try:
            event = IncomingEvent.from_envelope(str(message.get("Body", "")))
        except MalformedEvent as error:
            log.error("malformed event message %s left for the dead-letter queue: %s", message_id, error)
            return False
        with consuming(event.type, event.event_id, event.traceparent):
            try:
                await self._handler(event)
            except self._permanent_errors as error:
                log.error(
                    "event %s %s (message %s) cannot be applied; left for the dead-letter queue: %s",
                    event.type,
                    event.event_id,
                    message_id,
                    error,
                )
                return False
            except Exception:
                log.exception(
                    "event %s %s (message %s) failed; SQS will deliver it again",
                    event.type,
                    event.event_id,
                    message_id,
                )
                return False
            try:
                await self._client.delete_message(
                    QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
            except Exception:
                # Handled but not deleted: it comes back and is applied again, which changes nothing.
                log.exception("event message %s handled but not deleted", message_id)
                return False
        return True


@asynccontextmanager
async def sqs_client(
    region: str, endpoint_url: str | None = None, *, wait_seconds: int = 10
) -> AsyncIterator[Any]:
    """An aiobotocore SQS client whose read timeout outlasts the long poll (kit.aws.clients: dummy
    credentials against an emulator such as the local moto server)."""
    config = bounded_config(connect_timeout=2, read_timeout=wait_seconds + 10, max_attempts=3)
    async with aws_client("sqs", region=region, endpoint_url=endpoint_url, config=config) as client:
        yield client


async def start_consumer(
    stack: AsyncExitStack, settings: ConsumerSettings, handler: EventHandler, *, name: str
) -> asyncio.Task[None]:
    """Polls the service's event queue in the background while the app runs; the task is cancelled
    at shutdown, before the SQS client closes (the exit stack unwinds in reverse)."""
    client = await stack.enter_async_context(
        sqs_client(settings.aws_region, settings.sqs_endpoint_url, wait_seconds=settings.event_wait_seconds)
    )
    consumer = EventQueueConsumer(
        client,
        settings.event_queue_url,
        handler,
        wait_seconds=settings.event_wait_seconds,
        backoff_seconds=settings.event_backoff_seconds,
    )
    task = asyncio.create_task(consumer.run(), name=name)

    async def stop() -> None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)  # its CancelledError, not ours

    stack.push_async_callback(stop)
    return task
