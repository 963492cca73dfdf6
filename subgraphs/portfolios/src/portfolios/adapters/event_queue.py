"""The portfolios service's event queue in AWS: an SQS queue that an EventBridge rule fills with the
customers service's events, each message body an EventBridge envelope
(`{"source": ..., "detail-type": "CustomerRegistered", "detail": {"customerId": ...}, ...}`).

`EventQueueConsumer.run` long-polls the queue and hands each event to the same handler as the local
`POST /events` route (as `{"type": <detail-type>, **detail}`). A message is deleted only after the
handler succeeded; one that fails, or that is malformed, is logged and left on the queue: SQS
delivers it again after the visibility timeout, and after `maxReceiveCount` receives (5 in the
infra) moves it to the dead-letter queue. The loop survives every error: a failing receive is
logged and retried with a capped exponential backoff; only cancellation stops it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

from kit.aws.clients import aws_client, bounded_config

from portfolios.domain.events import InvalidEvent

log = logging.getLogger(__name__)

EventHandler = Callable[[dict[str, Any]], Awaitable[object]]

MAX_WAIT_SECONDS = 20  # the longest long poll SQS allows


class MalformedMessage(ValueError):
    """A message body that is not an EventBridge envelope with a detail-type and an object detail."""


def event_from_envelope(body: str) -> dict[str, Any]:
    """The event body the handler takes, from an EventBridge envelope's JSON text."""
    try:
        envelope = json.loads(body)
    except (ValueError, RecursionError) as error:  # also 4300+ digit integers and deep nesting
        raise MalformedMessage(f"the body is not JSON: {error}") from error
    if not isinstance(envelope, dict):
        raise MalformedMessage("the body is not a JSON object")
    detail_type, detail = envelope.get("detail-type"), envelope.get("detail")
    if not isinstance(detail_type, str) or not detail_type:
        raise MalformedMessage("the envelope has no detail-type")
    if not isinstance(detail, dict):
        raise MalformedMessage("the envelope's detail is not an object")
    return {**detail, "type": detail_type}


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
            event = event_from_envelope(str(message.get("Body", "")))
        except MalformedMessage as error:
            log.error("malformed event message %s left for the dead-letter queue: %s", message_id, error)
            return False
        try:
            await self._handler(event)
        except InvalidEvent as error:
            log.error("invalid event message %s left for the dead-letter queue: %s", message_id, error)
            return False
        except Exception:
            log.exception(
                "event %s (message %s) failed; SQS will deliver it again", event["type"], message_id
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
