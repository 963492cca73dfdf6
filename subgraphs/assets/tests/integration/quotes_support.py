"""What the quote service's tests share: a quote, a provider that counts its calls, an in-memory cache."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

from assets.adapters.cache import AiocacheQuoteCache, build_cache
from assets.domain.quotes import Quote
from kit.core.money import Amount

AT = datetime(2025, 11, 24, 15, 0, tzinfo=UTC)
D = Decimal


def quote(symbol: str, price: str = "1.50", previous: str | None = "1.40", source: str = "fake") -> Quote:
    prev = None if previous is None else Amount(D(previous), "USD")
    return Quote(symbol, Amount(D(price), "USD"), prev, AT, source)


class FakeProvider:
    def __init__(
        self, known: dict[str, Quote] | None = None, *, fail: bool = False, delay: float = 0
    ) -> None:
        self.known = known or {}
        self.fail = fail
        self.delay = delay
        self.calls: list[list[str]] = []

    async def quotes(self, symbols: Sequence[str]) -> dict[str, Quote]:
        self.calls.append(list(symbols))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail:
            raise RuntimeError("provider down")
        return {s: self.known[s] for s in symbols if s in self.known}


def memory_cache(ttl: int = 60) -> AiocacheQuoteCache:
    return AiocacheQuoteCache(
        build_cache("memory://", ttl_seconds=ttl), ttl_seconds=ttl, last_good_seconds=3600
    )
