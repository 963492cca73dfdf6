"""The Redis cache backend against a real redis-server started here (free port, no persistence)."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from assets.adapters.cache import AiocacheQuoteCache, build_cache
from assets.adapters.providers.chain import as_feed
from assets.domain.fx import FxSnapshot
from assets.domain.quotes import Quote
from assets.services.quotes import QuoteService
from kit.core.money import Amount

AT = datetime(2025, 11, 24, 15, 0, tzinfo=UTC)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    binary = shutil.which("redis-server")
    assert binary, "redis-server is required (.ci/run installs it from Debian)"
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/3"
    finally:
        process.terminate()
        process.wait(timeout=10)


def quote(symbol: str, price: str) -> Quote:
    return Quote(symbol, Amount(Decimal(price), "USD"), Amount(Decimal("1.00"), "USD"), AT, "finnhub")


async def test_two_replicas_share_quotes_through_redis(redis_url: str) -> None:
    replica_a = AiocacheQuoteCache(
        build_cache(redis_url, ttl_seconds=30), ttl_seconds=30, last_good_seconds=600
    )
    replica_b = AiocacheQuoteCache(
        build_cache(redis_url, ttl_seconds=30), ttl_seconds=30, last_good_seconds=600
    )
    await replica_a.remember(
        {"AAPL": quote("AAPL", "271.4900"), "SHIB": quote("SHIB", "0.00000881")}, ["ZZZ"]
    )
    fresh, absent = await replica_b.fresh(["AAPL", "SHIB", "ZZZ", "MSFT"])
    assert {s: str(q.price.value) for s, q in fresh.items()} == {"AAPL": "271.4900", "SHIB": "0.00000881"}
    assert absent == {"ZZZ"}
    await replica_b.forget(["AAPL"])
    assert "AAPL" not in (await replica_a.fresh(["AAPL"]))[0]
    assert set(await replica_a.last_good(["AAPL"])) == {"AAPL"}
    snapshot = FxSnapshot({"USD": Decimal(1), "EUR": Decimal("0.86829")}, "frankfurter", AT)
    await replica_a.remember_fx_snapshot("frankfurter", snapshot, 60)
    assert await replica_b.fx_snapshot("frankfurter") == snapshot
    await replica_a.close()
    await replica_b.close()


async def test_redis_entries_expire_after_the_ttl(redis_url: str) -> None:
    cache = AiocacheQuoteCache(build_cache(redis_url, ttl_seconds=1), ttl_seconds=1, last_good_seconds=600)
    await cache.remember({"EXP": quote("EXP", "5")})
    await asyncio.sleep(1.2)
    assert (await cache.fresh(["EXP"]))[0] == {}
    assert set(await cache.last_good(["EXP"])) == {"EXP"}
    await cache.close()


async def test_a_warm_replica_asks_no_provider(redis_url: str) -> None:
    calls: list[list[str]] = []

    class Provider:
        async def quotes(self, symbols: list[str]) -> dict[str, Quote]:
            calls.append(list(symbols))
            return {s: quote(s, "10") for s in symbols}

    first = QuoteService(
        cache=AiocacheQuoteCache(build_cache(redis_url, ttl_seconds=30), ttl_seconds=30),
        feed=as_feed(Provider()),
    )
    second = QuoteService(
        cache=AiocacheQuoteCache(build_cache(redis_url, ttl_seconds=30), ttl_seconds=30),
        feed=as_feed(Provider()),
    )
    await first.feed_quotes(["WARM1", "WARM2"])
    assert set(await second.feed_quotes(["WARM1", "WARM2"])) == {"WARM1", "WARM2"}
    assert calls == [["WARM1", "WARM2"]]


async def test_an_unreachable_redis_degrades_to_no_cache() -> None:
    cache = AiocacheQuoteCache(
        build_cache(f"redis://127.0.0.1:{_free_port()}/0", ttl_seconds=5), ttl_seconds=5
    )
    started = time.monotonic()
    await cache.remember({"A": quote("A", "1")})
    assert await cache.fresh(["A"]) == ({}, set())
    assert time.monotonic() - started < 3
