"""The quote cache (memory backend) and QuoteService over it: batching, single-flight,
stale-if-error, negative caching, and the time bound with a hanging provider."""

from __future__ import annotations

import asyncio

import pytest
from assets.adapters.cache import FRESH, GOOD, AiocacheQuoteCache, build_cache, quote_from_json, quote_to_json
from assets.adapters.providers.chain import as_feed
from assets.services.quotes import QuoteService

from .quotes_support import D, FakeProvider, memory_cache, quote


def test_quotes_survive_json_round_trip_exactly() -> None:
    for original in (quote("A", "0.00000881", "0.00000900"), quote("B", "200.00", None)):
        data = quote_to_json(original)
        assert all(isinstance(v, str | None) for v in data.values())  # JSON-safe for any backend
        restored = quote_from_json(data)
        assert restored == original
        assert str(restored.price.value) == str(original.price.value)  # scale kept


async def test_a_tampered_cache_entry_reads_as_a_miss_not_an_error() -> None:
    """Entries in a shared Redis are data from outside the process: a number outside kit.core.money's
    stored bounds, or an entry of the wrong shape, is a miss (the provider is asked again)."""
    backend = build_cache("memory://", ttl_seconds=60)
    cache = AiocacheQuoteCache(backend, ttl_seconds=60, last_good_seconds=3600)
    cache._in_process = False  # as with Redis: entries are JSON dicts
    good = quote_to_json(quote("GOOD", "10.00", None))
    entries = {
        "GOOD": good,
        "TINY": {**good, "symbol": "TINY", "price": "1E-999999999"},
        "LONG": {**good, "symbol": "LONG", "price": "1" * 100_000},
        "NAN": {**good, "symbol": "NAN", "previousClose": "NaN"},
        "SHAPE": {"price": "1"},
        "TEXT": "not a quote",
    }
    for symbol, entry in entries.items():
        await backend.set(FRESH + symbol, entry)
        await backend.set(GOOD + symbol, entry)
    fresh, absent = await cache.fresh(list(entries))
    assert set(fresh) == {"GOOD"} and absent == set()
    assert set(await cache.last_good(list(entries))) == {"GOOD"}
    await backend.set("fx:feed", {"rates": {"EUR": "1E-999999999"}, "source": "x", "asOf": "2025-01-01"})
    assert await cache.fx_snapshot("feed") is None


def test_cache_factory_knows_memory_and_redis_urls() -> None:
    assert build_cache("memory://", ttl_seconds=15).ttl == 15
    redis = build_cache("redis://cache.internal:6380/2", ttl_seconds=15)
    assert (redis.endpoint, redis.port, redis.db, redis.ttl) == ("cache.internal", 6380, 2, 15)
    with pytest.raises(ValueError, match="unsupported cache URL"):
        build_cache("memcached://localhost:11211", ttl_seconds=15)
    with pytest.raises(ValueError, match="database number"):
        build_cache("redis://localhost:6379/x", ttl_seconds=15)


async def test_fresh_entries_expire_after_the_ttl_but_the_last_good_stays() -> None:
    cache = memory_cache(ttl=1)
    await cache.remember({"A": quote("A"), "B": quote("B")}, absent=["Z"])
    assert set((await cache.fresh(["A", "B", "C", "Z"]))[0]) == {"A", "B"}
    assert (await cache.fresh(["Z"]))[1] == {"Z"}  # remembered as unknown
    await cache.forget(["A"])
    assert set((await cache.fresh(["A", "B"]))[0]) == {"B"}
    await asyncio.sleep(1.1)
    assert await cache.fresh(["B", "Z"]) == ({}, set())
    assert set(await cache.last_good(["A", "B"])) == {"A", "B"}  # kept well beyond the TTL
    await cache.close()


async def test_quote_service_batches_misses_into_one_provider_call() -> None:
    provider = FakeProvider({"A": quote("A"), "B": quote("B"), "C": quote("C")})
    service = QuoteService(cache=memory_cache(), feed=as_feed(provider))
    assert set(await service.feed_quotes(["A", "B", "A"])) == {"A", "B"}
    assert provider.calls == [["A", "B"]]
    assert set(await service.feed_quotes(["A", "B", "C", "Z"])) == {"A", "B", "C"}
    assert provider.calls == [["A", "B"], ["C", "Z"]]  # cached ones are not asked again
    assert set(await service.feed_quotes(["A", "Z"])) == {"A"}
    assert provider.calls == [["A", "B"], ["C", "Z"]]  # warm: Z is remembered as unknown too


async def test_single_flight_100_concurrent_misses_make_one_upstream_call() -> None:
    provider = FakeProvider({"AAPL": quote("AAPL")}, delay=0.05)
    service = QuoteService(cache=memory_cache(), feed=as_feed(provider))
    results = await asyncio.gather(*(service.feed_quotes(["AAPL"]) for _ in range(100)))
    assert provider.calls == [["AAPL"]]
    assert all(result["AAPL"].price.value == D("1.50") for result in results)


async def test_single_flight_shares_overlapping_batches() -> None:
    provider = FakeProvider({s: quote(s) for s in "ABC"}, delay=0.05)
    service = QuoteService(cache=memory_cache(), feed=as_feed(provider))
    first, second = await asyncio.gather(service.feed_quotes(["A", "B"]), service.feed_quotes(["B", "C"]))
    assert set(first) == {"A", "B"} and set(second) == {"B", "C"}
    assert provider.calls == [["A", "B"], ["C"]]  # B was asked once


async def test_a_cancelled_caller_does_not_cancel_the_shared_fetch() -> None:
    provider = FakeProvider({"A": quote("A")}, delay=0.1)
    service = QuoteService(cache=memory_cache(), feed=as_feed(provider))
    leaving = asyncio.create_task(service.feed_quotes(["A"]))
    await asyncio.sleep(0.01)
    staying = asyncio.create_task(service.feed_quotes(["A"]))
    await asyncio.sleep(0.01)
    leaving.cancel()
    assert set(await staying) == {"A"} and provider.calls == [["A"]]


async def test_stale_if_error_serves_the_last_good_quote_flagged() -> None:
    provider = FakeProvider({"A": quote("A", "10.00")})
    cache = AiocacheQuoteCache(build_cache("memory://", ttl_seconds=1), ttl_seconds=1, last_good_seconds=3600)
    service = QuoteService(cache=cache, feed=as_feed(provider))
    fresh = await service.feed_quotes(["A"])
    assert fresh["A"].stale is False
    await asyncio.sleep(1.1)  # the fresh entry expired
    provider.fail = True
    served = await service.feed_quotes(["A", "B"])
    assert served["A"].stale is True and served["A"].price.value == D("10.00")
    assert "B" not in served  # never priced: nothing to serve
    assert len(provider.calls) == 2
    again = await service.feed_quotes(["A"])
    assert again["A"].stale is True and len(provider.calls) == 2  # inside the TTL: not asked again
    await asyncio.sleep(1.1)
    provider.fail = False
    assert (await service.feed_quotes(["A"]))["A"].stale is False  # retried after the TTL, recovered


async def test_quote_service_survives_a_failing_provider_with_nothing_cached() -> None:
    service = QuoteService(cache=memory_cache(), feed=as_feed(FakeProvider(fail=True)))
    assert await service.feed_quotes(["AAPL"]) == {}
