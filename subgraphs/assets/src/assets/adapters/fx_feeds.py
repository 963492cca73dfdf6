"""FX feeds: the simulated one (offline default) and Frankfurter (ECB reference rates).

Frankfurter: `GET /latest?base=USD` answers `{"amount": 1.0, "base": "USD", "date": "2025-11-24",
"rates": {"EUR": 0.8673, ...}}`; errors are `{"message": "not found"}` with 404 (or 422). The date
is the ECB's reference date; `asOf` is its start (00:00 UTC). No key is needed.
"""

from __future__ import annotations

import time as monotonic_time
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any

import httpx
from aiolimiter import AsyncLimiter

from assets.adapters.fx_history import FrankfurterHistory, GuardedFxHistory, SimulatedFxHistory
from assets.adapters.providers import ResilienceConfig
from assets.adapters.providers.base import HttpAdapter, ProviderError, to_decimal
from assets.adapters.providers.resilience import CircuitBreaker, Guard
from assets.domain.fx import PIVOT, FxSnapshot, sane_per_usd, simulated_snapshot
from assets.domain.ports import FxFeed, FxHistoryFeed

DEFAULT_FRANKFURTER_URL = "https://api.frankfurter.dev/v1"
KNOWN_FX_PROVIDERS = ("simulated", "frankfurter")
# Frankfurter asks for no more than this (calls a minute); it updates once a day.
FRANKFURTER_RATE_LIMIT = 30


class SimulatedFxFeed:
    """Fixed rates computed from the clock: nothing to cache."""

    name = "simulated"
    cacheable = False

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock

    async def snapshot(self) -> FxSnapshot:
        return simulated_snapshot(self._clock())


class FrankfurterFeed(HttpAdapter):
    name = "frankfurter"

    async def fetch(self) -> FxSnapshot:
        data: Any = self._json(await self._get("/latest", {"base": PIVOT}))
        if not isinstance(data, dict) or ("message" in data and "rates" not in data):
            raise ProviderError(f"frankfurter: {str(data)[:200]}")
        rates = data.get("rates")
        if data.get("base") != PIVOT or not isinstance(rates, dict):
            raise ProviderError("frankfurter: not a rates object for base USD")
        parsed = {str(code): to_decimal(value) for code, value in rates.items()}
        per_usd = sane_per_usd({code: value for code, value in parsed.items() if value is not None})
        if len(per_usd) < 2:
            raise ProviderError("frankfurter: no usable rate")
        try:
            day = date.fromisoformat(str(data.get("date")))
        except ValueError as error:
            raise ProviderError("frankfurter: no valid date") from error
        return FxSnapshot(per_usd=per_usd, source=self.name, as_of=datetime.combine(day, time(0), tzinfo=UTC))


class GuardedFxFeed:
    """An HTTP FX feed under its guard (rate limit, timeout, Retry-After, circuit breaker)."""

    cacheable = True

    def __init__(self, feed: FrankfurterFeed, guard: Guard) -> None:
        self.name = feed.name
        self._feed = feed
        self._guard = guard

    async def snapshot(self) -> FxSnapshot:
        return await self._guard.run(self._feed.fetch)


def build_fx_feed(
    name: str,
    *,
    clock: Callable[[], datetime],
    http: httpx.AsyncClient | None,
    base_url: str = DEFAULT_FRANKFURTER_URL,
    api_key: str | None = None,
    resilience: ResilienceConfig | None = None,
) -> FxFeed:
    """The feed named by the settings: "simulated" (also when there is no HTTP client) or
    "frankfurter" under its guard."""
    feed, _ = build_fx_feeds(
        name, clock=clock, http=http, base_url=base_url, api_key=api_key, resilience=resilience
    )
    return feed


def build_fx_feeds(
    name: str,
    *,
    clock: Callable[[], datetime],
    http: httpx.AsyncClient | None,
    base_url: str = DEFAULT_FRANKFURTER_URL,
    api_key: str | None = None,
    resilience: ResilienceConfig | None = None,
) -> tuple[FxFeed, FxHistoryFeed]:
    """The snapshot feed and the daily-rates feed named by the settings, sharing one guard."""
    if name == "simulated" or http is None:
        return SimulatedFxFeed(clock), SimulatedFxHistory()
    resilience = resilience or ResilienceConfig()
    feed = FrankfurterFeed(http, base_url=base_url, api_key=api_key, clock=clock)
    guard = Guard(
        feed.name,
        limiter=AsyncLimiter(FRANKFURTER_RATE_LIMIT, 60),
        breaker=CircuitBreaker(
            failure_threshold=resilience.failure_threshold,
            reset_seconds=resilience.reset_seconds,
            clock=monotonic_time.monotonic,
        ),
        timeout_seconds=resilience.timeout_seconds,
    )
    history = FrankfurterHistory(http, base_url=base_url, api_key=api_key, clock=clock)
    return GuardedFxFeed(feed, guard), GuardedFxHistory(
        history, guard, deadline_seconds=resilience.deadline_seconds
    )
