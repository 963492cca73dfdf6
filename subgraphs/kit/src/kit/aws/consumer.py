"""A consumer's event queue: an SQS queue that an EventBridge rule fills with another service's events
(locally the devstack relay sends the same envelopes to moto's SQS), each message body the
EventBridge event: `{"source": "portfolio.<service>", "detail-type": <type>, "detail": {...}, ...}`
whose `detail` is the event item a producer wrote with its change (kit.aws.outbox).

`EventQueueConsumer.run` long-polls the queue and hands each event, as an `IncomingEvent`, to the
service's handler. A message is deleted only after the handler returned; one that fails, or that is
malformed, is logged and left on the queue: SQS delivers it again after the visibility timeout, and
after `maxReceiveCount` receives (5) moves it to the dead-letter queue. Delivery is at least once and
in no guaranteed order: handlers are idempotent by event id and apply an aggregate's events by
`sequence`. The loop survives every error: a failing receive is logged and retried with a capped
exponential backoff; only cancellation stops it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from kit.aws.clients import aws_client, bounded_config
from kit.aws.event_tracing import consuming

log = logging.getLogger(__name__)

MAX_WAIT_SECONDS = 20  # the longest long poll SQS allows


class MalformedEvent(ValueError):
    """A message body that is not an EventBridge event whose detail is an event item."""


def _text(detail: Mapping[str, Any], name: str) -> str:
    value = detail.get(name)
    if not isinstance(value, str) or not value:
        raise MalformedEvent(f"the event's {name} is not a non-empty string")
    return value


def _json(text: str, what: str) -> Any:
    try:
        return json.loads(text, parse_float=Decimal)
    except (ValueError, RecursionError) as error:  # also 4300+ digit integers and deep nesting
        raise MalformedEvent(f"{what} is not JSON: {error}") from error


@dataclass(frozen=True, slots=True)
class IncomingEvent:
    """One event as a consumer receives it (the `detail` of the EventBridge event)."""

    event_id: str
    type: str
    source: str
    aggregate_id: str
    sequence: int
    occurred_at: datetime
    data: dict[str, Any]  # parsed with parse_float=Decimal: amounts stay exact
    traceparent: str | None

    @classmethod
    def from_envelope(cls, body: str) -> IncomingEvent:
        """The event in an SQS message body; MalformedEvent says what is wrong with it."""
        envelope = _json(body, "the body")
        if not isinstance(envelope, dict):
            raise MalformedEvent("the body is not a JSON object")
        detail = envelope.get("detail")
        if not isinstance(detail, dict):
            raise MalformedEvent("the envelope's detail is not an object")
        sequence = detail.get("sequence")
        if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 0:
            raise MalformedEvent("the event's sequence is not a non-negative integer")
        try:
            occurred_at = datetime.fromisoformat(_text(detail, "occurredAt"))
        except ValueError as error:
            raise MalformedEvent("the event's occurredAt is not an ISO-8601 time") from error
        if occurred_at.tzinfo is None:
            raise MalformedEvent("the event's occurredAt has no time zone")
        data = _json(_text(detail, "data"), "the event's data")
        if not isinstance(data, dict):
            raise MalformedEvent("the event's data is not a JSON object")
        traceparent = detail.get("traceparent")
        return cls(
            event_id=_text(detail, "eventId"),
            type=_text(detail, "type"),
            source=_text(detail, "source"),
            aggregate_id=_text(detail, "aggregateId"),
            sequence=sequence,
            occurred_at=occurred_at.astimezone(UTC),
            data=data,
            traceparent=traceparent if isinstance(traceparent, str) and traceparent else None,
        )


EventHandler = Callable[[IncomingEvent], Awaitable[None]]


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
    ) -> None:
        self._client = client
        self._queue_url = queue_url
        self._handler = handler
        self._wait_seconds = min(max(wait_seconds, 0), MAX_WAIT_SECONDS)
        self._max_messages = min(max(max_messages, 1), 10)
        self._backoff_seconds = backoff_seconds
        self._max_backoff_seconds = max_backoff_seconds
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
        handled = await asyncio.gather(*(self._handle(message) for message in messages))
        return sum(handled)

    async def _handle(self, message: Mapping[str, Any]) -> bool:
        """True when the message was handled and deleted; never raises (but for cancellation)."""
        message_id = message.get("MessageId", "?")
        try:
            event = IncomingEvent.from_envelope(str(message.get("Body", "")))
        except MalformedEvent as error:
            # Our own sentence about the shape, never the body (it may hold anything).
            log.error("malformed event message %s left for the dead-letter queue: %s", message_id, error)
            return False
        with consuming(event.type, event.event_id, event.traceparent):
            try:
                await self._handler(event)
            except ValueError as error:  # the handler's word that the event is invalid: retries cannot help
                log.error(
                    "invalid event %s %s (message %s) left for the dead-letter queue: %s",
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
    """An aiobotocore SQS client whose read timeout outlasts the long poll (kit.aws.clients: credentials
    against an emulator)."""
    config = bounded_config(connect_timeout=2, read_timeout=wait_seconds + 10, max_attempts=3)
    async with aws_client("sqs", region=region, endpoint_url=endpoint_url, config=config) as client:
        yield client
