"""Domain events leaving a service.

A service publishes facts ("CustomerRegistered") through `EventPublisher`; it never calls another
service to change its data. Locally the events are pushed over HTTP to the subscribers' `/events`
endpoints (`HttpPushPublisher`); in AWS they are put on an EventBridge bus (`EventBridgePublisher`),
whose rules copy them to each consumer's SQS queue. Delivery is at least once: subscribers must be
idempotent. A publisher never raises into the mutation that published: an event it cannot deliver
after its bounded retries is logged as an error.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

import httpx
from botocore.exceptions import BotoCoreError, ClientError
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential

from kit.aws.clients import aws_client, bounded_config
from kit.web import push_signature

log = logging.getLogger(__name__)


class EventPublisher(Protocol):
    async def publish(self, event_type: str, detail: Mapping[str, Any]) -> None: ...


class NoEvents:
    """For services and tests with no subscribers."""

    async def publish(self, event_type: str, detail: Mapping[str, Any]) -> None:
        return None


class RecordingPublisher:
    """Keeps what was published; for tests."""

    def __init__(self) -> None:
        self.published: list[tuple[str, dict[str, Any]]] = []

    async def publish(self, event_type: str, detail: Mapping[str, Any]) -> None:
        self.published.append((event_type, dict(detail)))


class HttpPushPublisher:
    """POSTs `{"type": ..., **detail}` to each subscriber URL, retrying transient failures.

    A subscriber that stays down loses the event (logged as an error); the durable transport is
    EventBridge in AWS.
    """

    def __init__(
        self, client: httpx.AsyncClient, subscribers: Sequence[str], secret: str, attempts: int = 4
    ) -> None:
        self._client = client
        self._subscribers = list(subscribers)
        self._secret = secret  # signs each body (kit.web.push_signature); receivers refuse unsigned events
        self._attempts = attempts

    async def publish(self, event_type: str, detail: Mapping[str, Any]) -> None:
        body = json.dumps({"type": event_type, **detail}, default=str).encode()
        for url in self._subscribers:
            try:
                async for attempt in AsyncRetrying(
                    stop=stop_after_attempt(self._attempts),
                    wait=wait_exponential(multiplier=0.1, max=2),
                    retry=retry_if_exception(_is_transient),
                    reraise=True,
                ):
                    with attempt:
                        headers = {
                            "Content-Type": "application/json",
                            push_signature.HEADER: push_signature.sign(self._secret, body),
                        }
                        response = await self._client.post(url, content=body, headers=headers, timeout=2.0)
                        response.raise_for_status()
            except httpx.HTTPError:
                log.exception("event %s not delivered to %s", event_type, url)


def _is_transient(error: BaseException) -> bool:
    """Transport failures and 5xx are worth another try; a 4xx will fail the same way again."""
    if isinstance(error, httpx.HTTPStatusError):
        return error.response.status_code >= 500
    return isinstance(error, httpx.HTTPError)


def parse_subscribers(value: str) -> list[str]:
    return [url.strip() for url in value.split(",") if url.strip()]


# --- EventBridge ----------------------------------------------------------------------------------

# Error codes of a PutEvents call, or of one of its entries, that are worth another try.
TRANSIENT_AWS_ERRORS = frozenset(
    {
        "InternalException",
        "InternalFailure",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "ThrottlingException",
        "Throttling",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)


class FailedEntry(Exception):
    """PutEvents answered `FailedEntryCount > 0`: EventBridge did not take the event."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


class EventBridgePublisher:
    """Puts each event on an EventBridge bus: `Source` = the service, `DetailType` = the event type,
    `Detail` = the detail as JSON (Decimal as an exact string, dates in ISO 8601).

    Transient failures (network, throttling, 5xx, an entry refused with an internal error) are
    retried a bounded number of times; a permanent one (access denied, no such bus, invalid entry)
    is not. An event that still is not delivered is logged as an error, never raised.
    """

    def __init__(
        self,
        client: Any,
        bus_name: str,
        source: str,
        *,
        attempts: int = 4,
        wait_seconds: float = 0.1,
        max_wait_seconds: float = 2.0,
    ) -> None:
        self._client = client
        self._bus_name = bus_name
        self._source = source
        self._attempts = attempts
        self._wait = wait_exponential(multiplier=wait_seconds, max=max_wait_seconds)

    def entry(self, event_type: str, detail: Mapping[str, Any]) -> dict[str, str]:
        """The PutEvents entry for one event."""
        return {
            "Source": self._source,
            "DetailType": event_type,
            "Detail": json.dumps(dict(detail), default=_json_value, separators=(",", ":")),
            "EventBusName": self._bus_name,
        }

    async def publish(self, event_type: str, detail: Mapping[str, Any]) -> None:
        try:
            entry = self.entry(event_type, detail)
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(self._attempts),
                wait=self._wait,
                retry=retry_if_exception(_is_transient_aws),
                reraise=True,
            ):
                with attempt:
                    response = await self._client.put_events(Entries=[entry])
                    if response.get("FailedEntryCount", 0):
                        raise _failed_entry(response)
        except Exception:  # the mutation that published has succeeded: never fail it now
            log.exception("event %s not put on the event bus %s", event_type, self._bus_name)


def _failed_entry(response: Mapping[str, Any]) -> FailedEntry:
    failed: Mapping[str, Any] = next((e for e in response.get("Entries", []) if "ErrorCode" in e), {})
    return FailedEntry(str(failed.get("ErrorCode", "Unknown")), str(failed.get("ErrorMessage", "")))


def _json_value(value: object) -> str:
    """JSON for the values json does not know: Decimal exactly, as text; dates in ISO 8601."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _is_transient_aws(error: BaseException) -> bool:
    if isinstance(error, FailedEntry):
        return error.code in TRANSIENT_AWS_ERRORS
    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
        return code in TRANSIENT_AWS_ERRORS or status >= 500
    return isinstance(error, BotoCoreError)  # connection refused, timeouts


@asynccontextmanager
async def eventbridge_client(region: str, endpoint_url: str | None = None) -> AsyncIterator[Any]:
    """An aiobotocore EventBridge client with short timeouts and no SDK retries (the publisher
    retries); see kit.aws.clients for credentials against an emulator."""
    config = bounded_config(connect_timeout=1, read_timeout=2, max_attempts=1)
    async with aws_client("events", region=region, endpoint_url=endpoint_url, config=config) as client:
        yield client
