"""kit.aws.events: HTTP push of domain events with retries; subscriber lists."""

from __future__ import annotations

import json
import logging
from collections import Counter

import httpx
import pytest
from kit.aws.events import HttpPushPublisher, NoEvents, RecordingPublisher, parse_subscribers
from kit.web import push_signature

A = "http://customers.test/events"
B = "http://portfolios.test/events"

SECRET = "test-push-secret"


class Subscribers:
    """An httpx transport standing in for subscribers: answers from a script of status codes."""

    def __init__(self, script: dict[str, list[int | Exception]]) -> None:
        self.script = script
        self.received: list[tuple[str, dict[str, object]]] = []
        self.attempts: Counter[str] = Counter()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        self.attempts[url] += 1
        steps = self.script[url]
        step = steps[min(self.attempts[url] - 1, len(steps) - 1)]
        if isinstance(step, Exception):
            raise step
        if step < 300:
            assert request.method == "POST"
            assert request.headers["content-type"] == "application/json"
            assert push_signature.verify(SECRET, request.content, request.headers.get(push_signature.HEADER))
            self.received.append((url, json.loads(request.content)))
        return httpx.Response(step)


def publisher(subscribers: Subscribers, urls: list[str], attempts: int = 3) -> HttpPushPublisher:
    client = httpx.AsyncClient(transport=httpx.MockTransport(subscribers))
    return HttpPushPublisher(client, urls, SECRET, attempts=attempts)


async def test_posts_type_and_detail_to_every_subscriber() -> None:
    subscribers = Subscribers({A: [202], B: [200]})
    await publisher(subscribers, [A, B]).publish(
        "CustomerRegistered", {"customerId": "01J0", "email": "ada@example.com"}
    )
    body = {"type": "CustomerRegistered", "customerId": "01J0", "email": "ada@example.com"}
    assert subscribers.received == [(A, body), (B, body)]
    assert subscribers.attempts == Counter({A: 1, B: 1})


async def test_retries_a_503_then_succeeds(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="kit.aws.events")
    subscribers = Subscribers({A: [503, 202]})
    await publisher(subscribers, [A]).publish("CustomerRegistered", {"customerId": "c1"})
    assert subscribers.attempts[A] == 2
    assert subscribers.received == [(A, {"type": "CustomerRegistered", "customerId": "c1"})]
    assert [r for r in caplog.records if r.name == "kit.aws.events"] == []


async def test_retries_a_connection_error() -> None:
    subscribers = Subscribers({A: [httpx.ConnectError("refused"), 200]})
    await publisher(subscribers, [A]).publish("X", {})
    assert subscribers.attempts[A] == 2
    assert subscribers.received == [(A, {"type": "X"})]


async def test_gives_up_after_the_attempts_logs_and_does_not_raise(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="kit.aws.events")
    subscribers = Subscribers({A: [503], B: [202]})
    await publisher(subscribers, [A, B], attempts=3).publish("CustomerRegistered", {"customerId": "c2"})
    assert subscribers.attempts[A] == 3
    # One subscriber down does not stop delivery to the next one.
    assert subscribers.received == [(B, {"type": "CustomerRegistered", "customerId": "c2"})]
    [record] = [r for r in caplog.records if r.name == "kit.aws.events"]
    assert record.levelno == logging.ERROR
    assert "CustomerRegistered" in record.getMessage()
    assert A in record.getMessage()
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], httpx.HTTPStatusError)


async def test_no_subscribers_sends_nothing() -> None:
    subscribers = Subscribers({})
    await publisher(subscribers, []).publish("X", {"a": 1})
    assert subscribers.attempts == Counter()


async def test_recording_and_null_publishers() -> None:
    recording = RecordingPublisher()
    detail = {"customerId": "c"}
    await recording.publish("CustomerRegistered", detail)
    detail["customerId"] = "changed later"
    assert recording.published == [("CustomerRegistered", {"customerId": "c"})]
    assert await NoEvents().publish("CustomerRegistered", detail) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", []),
        ("   ", []),
        (A, [A]),
        (f" {A} , {B} ", [A, B]),
        (f"{A},,{B},", [A, B]),
        (f",{A}, ,", [A]),
    ],
)
def test_parse_subscribers(value: str, expected: list[str]) -> None:
    assert parse_subscribers(value) == expected
