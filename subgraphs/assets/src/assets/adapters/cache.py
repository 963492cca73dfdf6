"""The quote cache: aiocache behind one factory that takes a URL (`memory://` for now).

Quotes are stored as JSON-compatible dicts of strings, so the same code works with a serializing
backend (Redis, in a later issue) as with the in-process memory cache.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from aiocache import SimpleMemoryCache
from aiocache.base import BaseCache
from kit.money import Amount

from assets.domain.quotes import Quote

QUOTE_NAMESPACE = "quote:"


def build_cache(url: str, *, ttl_seconds: int, namespace: str = QUOTE_NAMESPACE) -> BaseCache:
    """An aiocache cache for `url`, entries expiring after `ttl_seconds`."""
    scheme = urlsplit(url).scheme
    if scheme == "memory":
        return SimpleMemoryCache(ttl=ttl_seconds, namespace=namespace)
    raise ValueError(f"unsupported cache URL {url!r}: only memory:// is available")


def quote_to_json(quote: Quote) -> dict[str, Any]:
    return {
        "symbol": quote.symbol,
        "price": format(quote.price.value, "f"),
        "currency": quote.price.currency_code,
        "previousClose": None if quote.previous_close is None else format(quote.previous_close.value, "f"),
        "asOf": quote.as_of.isoformat(),
        "source": quote.source,
    }


def quote_from_json(data: Mapping[str, Any]) -> Quote:
    currency = str(data["currency"])
    previous = data.get("previousClose")
    return Quote(
        symbol=str(data["symbol"]),
        price=Amount(Decimal(str(data["price"])), currency),
        previous_close=None if previous is None else Amount(Decimal(str(previous)), currency),
        as_of=datetime.fromisoformat(str(data["asOf"])),
        source=str(data["source"]),
    )


class QuoteCache:
    """Quotes by symbol with the cache's TTL."""

    def __init__(self, cache: BaseCache) -> None:
        self._cache = cache

    async def get_many(self, symbols: Sequence[str]) -> dict[str, Quote]:
        if not symbols:
            return {}
        values = await self._cache.multi_get(list(symbols))
        return {
            symbol: quote_from_json(value) for symbol, value in zip(symbols, values, strict=True) if value
        }

    async def put_many(self, quotes: Mapping[str, Quote]) -> None:
        if quotes:
            await self._cache.multi_set([(symbol, quote_to_json(q)) for symbol, q in quotes.items()])

    async def forget(self, symbols: Iterable[str]) -> None:
        for symbol in symbols:
            await self._cache.delete(symbol)

    async def close(self) -> None:
        await self._cache.close()
