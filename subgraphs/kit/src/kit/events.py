"""Domain events leaving a service.

A service publishes facts ("CustomerRegistered") through `EventPublisher`; it never calls another
service to change its data. Locally the events are pushed over HTTP to the subscribers' `/events`
endpoints; in AWS the same port is implemented with EventBridge (the deployment issue). Delivery is
at least once: subscribers must be idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import httpx
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential

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

    def __init__(self, client: httpx.AsyncClient, subscribers: Sequence[str], attempts: int = 4) -> None:
        self._client = client
        self._subscribers = list(subscribers)
        self._attempts = attempts

    async def publish(self, event_type: str, detail: Mapping[str, Any]) -> None:
        body = {"type": event_type, **detail}
        for url in self._subscribers:
            try:
                async for attempt in AsyncRetrying(
                    stop=stop_after_attempt(self._attempts),
                    wait=wait_exponential(multiplier=0.1, max=2),
                    retry=retry_if_exception(_is_transient),
                    reraise=True,
                ):
                    with attempt:
                        response = await self._client.post(url, json=body, timeout=2.0)
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
