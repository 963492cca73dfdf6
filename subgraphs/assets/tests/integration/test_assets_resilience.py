"""The circuit breaker state by state, and the guard's time bound, on a clock the test controls."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiolimiter import AsyncLimiter
from assets.adapters.providers.base import ProviderError, RateLimited, Skipped
from assets.adapters.providers.resilience import CircuitBreaker, Guard


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_breaker_opens_after_consecutive_failures_only() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failure_threshold=3, reset_seconds=30, clock=clock)
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()  # resets the count
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.state == "closed" and breaker.allow()
    breaker.record_failure()
    assert breaker.state == "open" and not breaker.allow()


def test_breaker_half_open_lets_one_probe_through() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failure_threshold=1, reset_seconds=30, clock=clock)
    breaker.record_failure()
    clock.now += 29.9
    assert not breaker.allow()
    clock.now += 0.1
    assert breaker.state == "half_open"
    assert breaker.allow() is True  # the probe
    assert breaker.allow() is False  # everyone else waits for its verdict
    breaker.record_failure()  # the probe failed: open for another 30 s
    assert breaker.state == "open" and not breaker.allow()
    clock.now += 30
    assert breaker.allow() is True
    breaker.record_success()
    assert breaker.state == "closed" and breaker.allow() and breaker.allow()


def test_breaker_probe_without_verdict_is_released() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failure_threshold=1, reset_seconds=5, clock=clock)
    breaker.record_failure()
    clock.now += 5
    assert breaker.allow() and not breaker.allow()
    breaker.release()
    assert breaker.allow()
    with pytest.raises(ValueError):
        CircuitBreaker(failure_threshold=0)


def guard(clock: Clock, *, threshold: int = 2, timeout: float = 0.2) -> Guard:
    return Guard(
        "test",
        limiter=AsyncLimiter(100, 60),
        breaker=CircuitBreaker(failure_threshold=threshold, reset_seconds=10, clock=clock),
        timeout_seconds=timeout,
        clock=clock,
    )


async def test_guard_bounds_a_hanging_call_and_counts_it_as_a_failure() -> None:
    clock = Clock()
    g = guard(clock)

    async def hang() -> None:
        await asyncio.sleep(3600)

    started = time.monotonic()
    with pytest.raises(ProviderError, match="timed out"):
        await g.run(hang)
    assert time.monotonic() - started < 0.5
    with pytest.raises(ProviderError):
        await g.run(hang, budget=0.05)  # the caller's remaining budget is tighter still
    assert g.breaker.state == "open"
    with pytest.raises(Skipped, match="circuit open"):
        await g.run(hang)
    clock.now += 10

    async def ok() -> str:
        return "ok"

    assert await g.run(ok) == "ok" and g.breaker.state == "closed"  # the probe closed it
    with pytest.raises(Skipped, match="no time left"):
        await g.run(ok, budget=0)


async def test_guard_honours_retry_after_and_its_default() -> None:
    clock = Clock()
    g = guard(clock)
    calls = 0

    async def limited() -> None:
        nonlocal calls
        calls += 1
        raise RateLimited("429", 12.0 if calls == 1 else None)

    with pytest.raises(RateLimited):
        await g.run(limited)
    clock.now += 11.9
    with pytest.raises(Skipped, match="rate limited"):
        await g.run(limited)
    clock.now += 0.1
    with pytest.raises(RateLimited):
        await g.run(limited)  # no Retry-After: the default (30 s)
    clock.now += 29.9
    with pytest.raises(Skipped):
        await g.run(limited)
    assert calls == 2 and g.breaker.state == "closed"


async def test_guard_turns_unexpected_exceptions_into_provider_errors() -> None:
    g = guard(Clock(), threshold=1)

    async def broken() -> None:
        raise KeyError("c")

    with pytest.raises(ProviderError, match="KeyError"):
        await g.run(broken)
    assert g.breaker.state == "open"
