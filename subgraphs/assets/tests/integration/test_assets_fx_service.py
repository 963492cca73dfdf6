"""FxService: manual rates with the feed's snapshot, cached, single-flight, and the last good snapshot
when the feed fails; the Frankfurter feed under its guard."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import respx
from aiolimiter import AsyncLimiter
from assets.adapters.cache import AiocacheQuoteCache, build_cache
from assets.adapters.fx_feeds import FrankfurterFeed, GuardedFxFeed, SimulatedFxFeed
from assets.adapters.providers.base import ProviderError
from assets.adapters.providers.resilience import CircuitBreaker, Guard
from assets.domain.fx import FxRate, FxSnapshot
from assets.services.fx import FxService

AT = datetime(2025, 11, 24, 15, 0, tzinfo=UTC)
D = Decimal
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


class Repository:
    def __init__(self, manual: list[FxRate] | None = None) -> None:
        self.manual = manual or []
        self.reads = 0

    async def manual_fx_rates(self) -> list[FxRate]:
        self.reads += 1
        return self.manual


class Feed:
    name = "fake"
    cacheable = True

    def __init__(self) -> None:
        self.calls = 0
        self.fail = False

    async def snapshot(self) -> FxSnapshot:
        self.calls += 1
        await asyncio.sleep(0.02)
        if self.fail:
            raise ProviderError("fake: down")
        return FxSnapshot({"USD": D(1), "EUR": D("0.80")}, "fake", AT)


def service(feed: object, repository: Repository, ttl: int = 60) -> FxService:
    cache = AiocacheQuoteCache(
        build_cache("memory://", ttl_seconds=ttl), ttl_seconds=ttl, last_good_seconds=3600
    )
    return FxService(repository=repository, feed=feed, cache=cache, clock=lambda: AT, ttl_seconds=ttl)  # type: ignore[arg-type]


async def test_same_currency_needs_no_io_and_manual_wins() -> None:
    repository = Repository([FxRate("EUR", "USD", D("1.10"), "manual", AT)])
    feed = Feed()
    fx = service(feed, repository)
    assert await fx.rates([("USD", "USD")]) == {}
    assert repository.reads == 0 and feed.calls == 0
    rates = await fx.rates([("EUR", "USD"), ("USD", "EUR"), ("EUR", "CHF")])
    assert rates[("EUR", "USD")].rate == D("1.10") and rates[("EUR", "USD")].source == "manual"
    assert rates[("USD", "EUR")].rate == 1 / D("1.10")
    assert ("EUR", "CHF") not in rates  # no way to derive it


async def test_snapshot_is_cached_single_flight_and_served_stale_when_the_feed_fails() -> None:
    feed = Feed()
    fx = service(feed, Repository(), ttl=1)
    results = await asyncio.gather(*(fx.rates([("USD", "EUR")]) for _ in range(20)))
    assert feed.calls == 1 and all(r[("USD", "EUR")].rate == D("0.80") for r in results)
    await fx.rates([("USD", "EUR")])
    assert feed.calls == 1  # cached
    await asyncio.sleep(1.1)
    feed.fail = True
    stale = await fx.rates([("USD", "EUR")])
    assert feed.calls == 2 and stale[("USD", "EUR")].rate == D("0.80") and stale[("USD", "EUR")].stale


async def test_simulated_fx_feed_needs_no_cache() -> None:
    fx = service(SimulatedFxFeed(lambda: AT), Repository())
    rate = (await fx.rates([("USD", "JPY")]))[("USD", "JPY")]
    assert (rate.rate, rate.source) == (D("156.20"), "simulated")


@respx.mock
async def test_frankfurter_behind_its_guard() -> None:
    route = respx.get("https://fx.test/latest").respond(
        200, content=(FIXTURES / "frankfurter_latest_usd.json").read_bytes()
    )
    async with httpx.AsyncClient() as http:
        guard = Guard(
            "frankfurter", limiter=AsyncLimiter(30, 60), breaker=CircuitBreaker(failure_threshold=1)
        )
        feed = GuardedFxFeed(
            FrankfurterFeed(http, base_url="https://fx.test", api_key=None, clock=lambda: AT), guard
        )
        fx = service(feed, Repository())
        rates = await fx.rates([("EUR", "GBP")])
        # EUR->GBP = (1 / 0.86829) x 0.76343 = 0.87923...
        assert D("0.8792") < rates[("EUR", "GBP")].rate < D("0.8793")
        assert rates[("EUR", "GBP")].source == "frankfurter"
        route.respond(500)
        with pytest.raises(ProviderError):
            await feed.snapshot()
        assert guard.breaker.state == "open"
