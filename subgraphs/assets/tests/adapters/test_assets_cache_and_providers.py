"""The quote cache factory and (de)serialization, the provider chain, and QuoteService batching."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from assets.adapters.cache import QuoteCache, build_cache, quote_from_json, quote_to_json
from assets.adapters.catalog import load_catalog
from assets.adapters.providers import ProviderChain, build_price_provider, provider_names
from assets.domain.quotes import Quote
from assets.services import QuoteService
from kit.money import Amount

AT = datetime(2025, 11, 24, 15, 0, tzinfo=UTC)


def quote(symbol: str, price: str = "1.50", previous: str | None = "1.40", source: str = "fake") -> Quote:
    prev = None if previous is None else Amount(Decimal(previous), "USD")
    return Quote(symbol, Amount(Decimal(price), "USD"), prev, AT, source)


class FakeProvider:
    def __init__(self, known: dict[str, Quote] | None = None, *, fail: bool = False) -> None:
        self.known = known or {}
        self.fail = fail
        self.calls: list[list[str]] = []

    async def quotes(self, symbols: Sequence[str]) -> dict[str, Quote]:
        self.calls.append(list(symbols))
        if self.fail:
            raise RuntimeError("provider down")
        return {s: self.known[s] for s in symbols if s in self.known}


def test_quotes_survive_json_round_trip_exactly() -> None:
    for original in (quote("A", "0.00000881", "0.00000900"), quote("B", "200.00", None)):
        data = quote_to_json(original)
        assert all(isinstance(v, str | None) for v in data.values())  # JSON-safe for any backend
        restored = quote_from_json(data)
        assert restored == original
        assert str(restored.price.value) == str(original.price.value)  # scale kept


def test_cache_factory_supports_memory_only_for_now() -> None:
    cache = build_cache("memory://", ttl_seconds=15)
    assert cache.ttl == 15
    with pytest.raises(ValueError, match="unsupported cache URL"):
        build_cache("redis://localhost:6379/0", ttl_seconds=15)


async def test_quote_cache_expires_after_its_ttl() -> None:
    cache = QuoteCache(build_cache("memory://", ttl_seconds=1))
    await cache.put_many({"A": quote("A"), "B": quote("B")})
    assert set(await cache.get_many(["A", "B", "C"])) == {"A", "B"}
    await cache.forget(["A"])
    assert set(await cache.get_many(["A", "B"])) == {"B"}
    await asyncio.sleep(1.1)
    assert await cache.get_many(["B"]) == {}
    await cache.close()


async def test_quote_service_batches_misses_into_one_provider_call() -> None:
    provider = FakeProvider({"A": quote("A"), "B": quote("B"), "C": quote("C")})
    service = QuoteService(cache=QuoteCache(build_cache("memory://", ttl_seconds=60)), provider=provider)
    assert set(await service.feed_quotes(["A", "B", "A"])) == {"A", "B"}
    assert provider.calls == [["A", "B"]]
    assert set(await service.feed_quotes(["A", "B", "C", "Z"])) == {"A", "B", "C"}
    assert provider.calls == [["A", "B"], ["C", "Z"]]  # cached ones are not asked again


async def test_quote_service_survives_a_failing_provider() -> None:
    service = QuoteService(
        cache=QuoteCache(build_cache("memory://", ttl_seconds=60)), provider=FakeProvider(fail=True)
    )
    assert await service.feed_quotes(["AAPL"]) == {}


async def test_chain_falls_back_to_the_next_provider_and_skips_failures() -> None:
    first = FakeProvider({"A": quote("A", source="first")})
    broken = FakeProvider(fail=True)
    last = FakeProvider({"A": quote("A", source="last"), "B": quote("B", source="last")})
    chain = ProviderChain([("first", first), ("broken", broken), ("last", last)])
    found = await chain.quotes(["A", "B", "C"])
    assert {s: q.source for s, q in found.items()} == {"A": "first", "B": "last"}
    assert broken.calls == [["B", "C"]] and last.calls == [["B", "C"]]


async def test_simulated_is_the_default_provider() -> None:
    assert provider_names(" Simulated ") == ["simulated"]
    with pytest.raises(ValueError, match="unknown price provider"):
        provider_names("simulated,yahoo")
    with pytest.raises(ValueError, match="at least one"):
        provider_names(" , ")
    provider = build_price_provider("simulated", catalog=load_catalog(), clock=lambda: AT)
    quotes = await provider.quotes(["AAPL", "NOPE"])
    assert set(quotes) == {"AAPL"} and quotes["AAPL"].source == "simulated"
