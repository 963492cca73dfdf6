"""The provider chain: each symbol to the first provider serving its asset class, fallback on failure,
one deadline for the whole walk (a hanging provider), the circuit breaker, Retry-After and the own
rate limit; respx stands in for the APIs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import httpx
import pytest
import respx
from aiolimiter import AsyncLimiter
from assets.adapters.catalog import load_catalog
from assets.adapters.providers import (
    ProviderConfig,
    ResilienceConfig,
    build_quote_feed,
    catalog_lookup,
    guarded,
    provider_names,
)
from assets.adapters.providers.chain import LocalSource, ProviderChain
from assets.adapters.providers.finnhub import FinnhubProvider
from assets.adapters.providers.stooq import StooqProvider
from assets.domain.quotes import FeedResult
from assets.services.quotes import QuoteService

from .quotes_support import AT, D, FakeProvider, memory_cache, quote


async def test_chain_sends_each_symbol_to_the_first_provider_serving_its_class_and_falls_back() -> None:
    catalog = load_catalog()
    first = FakeProvider({"AAPL": quote("AAPL", source="first")})
    broken = FakeProvider(fail=True)
    last = FakeProvider({"AAPL": quote("AAPL", source="last"), "MSFT": quote("MSFT", source="last")})
    chain = ProviderChain(
        [LocalSource("first", first), LocalSource("broken", broken), LocalSource("last", last)],
        lookup=catalog_lookup(catalog),
    )
    result = await chain.fetch(["AAPL", "MSFT", "NVDA", "NOT-LISTED"])
    assert {s: q.source for s, q in result.quotes.items()} == {"AAPL": "first", "MSFT": "last"}
    assert broken.calls == [["MSFT", "NVDA"]] and last.calls == [["MSFT", "NVDA"]]
    # NVDA: "broken" failed it and "last" did not know it: still failed, so its last good quote is served
    assert result.failed == frozenset({"NVDA"})
    assert all("NOT-LISTED" not in call for call in first.calls)  # not listed: never asked


@respx.mock
async def test_chain_routes_by_asset_class_and_tries_the_next_on_failure() -> None:
    """finnhub (stocks, ETFs) fails -> stooq serves them; BTC is served by no one in this chain."""
    finnhub = respx.get("https://fh.test/quote").respond(500)
    stooq = respx.get("https://stooq.test/q/l/").respond(
        200,
        content=b"Symbol,Date,Time,Open,High,Low,Close,Volume\nAAPL.US,2025-11-21,22:00:12,1,2,1,271.49,5\n",
    )
    async with httpx.AsyncClient() as http:
        chain = build_quote_feed(
            "finnhub,stooq",
            catalog=load_catalog(),
            clock=lambda: AT,
            http=http,
            configs={
                "finnhub": ProviderConfig("https://fh.test", "k"),
                "stooq": ProviderConfig("https://stooq.test"),
            },
        )
        result = await chain.fetch(["AAPL", "BTC"])
    assert finnhub.call_count == 1 and stooq.call_count == 1
    assert result.quotes["AAPL"].source == "stooq"
    assert result.failed == frozenset() and "BTC" not in result.quotes


def test_provider_names() -> None:
    assert provider_names(" Simulated ") == ["simulated"]
    assert provider_names("finnhub, twelvedata,stooq,finnhub") == ["finnhub", "twelvedata", "stooq"]
    with pytest.raises(ValueError, match="unknown price provider"):
        provider_names("simulated,yahoo")
    with pytest.raises(ValueError, match="at least one"):
        provider_names(" , ")
    with pytest.raises(ValueError, match="needs an HTTP client"):
        build_quote_feed("finnhub", catalog=load_catalog(), clock=lambda: AT)


async def test_simulated_is_the_default_provider() -> None:
    feed = build_quote_feed("simulated", catalog=load_catalog(), clock=lambda: AT)
    result = await feed.fetch(["AAPL", "NOPE"])
    assert set(result.quotes) == {"AAPL"} and result.quotes["AAPL"].source == "simulated"


# -- the time bound -----------------------------------------------------------------------------------


class Hanging:
    """An upstream that never answers (until cancelled)."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")


@respx.mock
async def test_a_hanging_provider_costs_at_most_the_deadline_and_stale_is_served() -> None:
    hanging = Hanging()
    respx.get("https://fh.test/quote").mock(side_effect=hanging)
    catalog = load_catalog()
    async with httpx.AsyncClient() as http:
        source = guarded(
            FinnhubProvider(http, base_url="https://fh.test", api_key="k", clock=lambda: AT),
            ResilienceConfig(timeout_seconds=2.0, failure_threshold=3, reset_seconds=30),
        )
        # Stooq after it hangs too: the chain's single deadline bounds both.
        stooq = guarded(
            StooqProvider(http, base_url="https://fh.test", api_key=None, clock=lambda: AT),
            ResilienceConfig(),
        )
        respx.get("https://fh.test/q/l/").mock(side_effect=Hanging())
        chain = ProviderChain([source, stooq], lookup=catalog_lookup(catalog), deadline_seconds=0.6)
        cache = memory_cache()
        await cache.remember({"AAPL": quote("AAPL", "250.00")})
        await cache.forget(["AAPL"])  # only the last good entry is left
        service = QuoteService(cache=cache, feed=chain)
        started = time.monotonic()
        served = await service.feed_quotes(["AAPL", "MSFT"])
        elapsed = time.monotonic() - started
    assert elapsed < 1.0  # the deadline (0.6 s), not the provider's 2 s timeout, let alone forever
    assert served["AAPL"].stale is True and served["AAPL"].price.value == D("250.00")
    assert "MSFT" not in served
    assert hanging.calls == 2


@respx.mock
async def test_open_circuit_skips_the_provider_without_a_request() -> None:
    route = respx.get("https://fh.test/quote").respond(503)
    async with httpx.AsyncClient() as http:
        source = guarded(
            FinnhubProvider(http, base_url="https://fh.test", api_key="k", clock=lambda: AT),
            ResilienceConfig(failure_threshold=2, reset_seconds=30),
        )
        chain = ProviderChain([source], lookup=catalog_lookup(load_catalog()))
        for _ in range(2):
            assert (await chain.fetch(["AAPL"])).failed == {"AAPL"}
        assert route.call_count == 2 and source.guard.breaker.state == "open"
        result = await chain.fetch(["AAPL"])
    assert result.failed == {"AAPL"} and route.call_count == 2  # refused locally, fast


@respx.mock
async def test_429_retry_after_blocks_further_calls() -> None:
    route = respx.get("https://fh.test/quote").respond(
        429, json={"error": "limit"}, headers={"Retry-After": "60"}
    )
    async with httpx.AsyncClient() as http:
        source = guarded(
            FinnhubProvider(http, base_url="https://fh.test", api_key="k", clock=lambda: AT),
            ResilienceConfig(),
        )
        first = await source.quotes([load_catalog().get("AAPL").instrument], deadline=_deadline())  # type: ignore[union-attr]
        second = await source.quotes([load_catalog().get("MSFT").instrument], deadline=_deadline())  # type: ignore[union-attr]
    assert first.failed == {"AAPL"} and second.failed == {"MSFT"}
    assert route.call_count == 1  # not called again inside Retry-After
    assert source.guard.breaker.state == "closed"  # a 429 is not a failure of the provider


async def test_own_rate_limit_skips_instead_of_waiting() -> None:
    calls: list[str] = []

    class Instant:
        name = "instant"
        capabilities = FinnhubProvider.capabilities

        async def fetch_quotes(self, instruments: Sequence[object]) -> FeedResult:
            calls.append("x")
            return FeedResult({})

        async def search(self, query: str) -> list[object]:
            return []

        async def profile(self, symbol: str) -> None:
            return None

    source = guarded(Instant(), ResilienceConfig(), rate_limit=2)  # type: ignore[arg-type]
    catalog = load_catalog()
    instruments = [catalog.get(s).instrument for s in ("AAPL", "MSFT", "NVDA")]  # type: ignore[union-attr]
    result = await source.quotes(instruments, deadline=_deadline())
    assert len(calls) == 2 and len(result.failed) == 1  # the third would exceed 2 a minute
    assert isinstance(source.guard.limiter, AsyncLimiter)


def _deadline(seconds: float = 2.5) -> float:
    return asyncio.get_running_loop().time() + seconds
