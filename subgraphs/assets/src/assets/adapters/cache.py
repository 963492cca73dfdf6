"""The quote cache: aiocache, in memory (`memory://`) or in Redis (`redis://host:port/db`, or
`rediss://host:port/db` for Redis over TLS, as ElastiCache Serverless requires).

Three kinds of entries, under one namespace:
- `fresh:<SYMBOL>`: the quote, for `ttl_seconds` (15 by default): inside it no provider is asked.
  A symbol no provider knows is remembered as absent for the same time, and a stale quote served
  after a failure is kept there too (flagged), so a failing provider is retried once per TTL.
- `good:<SYMBOL>`: the last good quote, for `last_good_seconds` (days): served with `stale: true`
  when the providers fail, time out or their circuits are open.
- `fx:<feed>` / `fxgood:<feed>`: FX snapshots, the same two ways.
In Redis, values are JSON-compatible dicts of strings (Decimal as text, exactly), so replicas share
them; in memory, the immutable Quote objects themselves are kept (no encoding on the hot path).
A cache that fails (Redis down) is logged and treated as empty: the service still answers from the
providers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from aiocache import RedisCache, SimpleMemoryCache
from aiocache.base import BaseCache
from kit.core.money import STORED_DECIMAL, Amount, parse_decimal

from assets.domain.fx import FxSnapshot
from assets.domain.quotes import Quote

log = logging.getLogger(__name__)

NAMESPACE = "assets"
FRESH = "fresh:"
GOOD = "good:"
ABSENT = {"absent": "1"}
DEFAULT_LAST_GOOD_SECONDS = 7 * 86_400
REDIS_SCHEMES = ("redis", "rediss")
CACHE_URL_FORMS = "memory://, redis://host:port/db or rediss://host:port/db (TLS)"
# Redis operations give up quickly: a slow cache must not slow the dashboard down.
REDIS_TIMEOUT_SECONDS = 0.5


def build_cache(url: str, *, ttl_seconds: int, namespace: str = NAMESPACE) -> BaseCache:
    """An aiocache cache for `url`; entries expire after `ttl_seconds` unless a call says otherwise."""
    parts = urlsplit(url)
    if parts.scheme == "memory":
        return SimpleMemoryCache(ttl=ttl_seconds, namespace=namespace)
    if parts.scheme in REDIS_SCHEMES:
        db = parts.path.strip("/") or "0"
        if not db.isdigit():
            raise ValueError(f"unsupported cache URL {url!r}: the path must be a database number")
        return RedisCache(
            endpoint=parts.hostname or "127.0.0.1",
            port=parts.port or 6379,
            db=int(db),
            password=parts.password,
            # rediss://: TLS, the server's certificate checked against the system CAs and its name.
            ssl=parts.scheme == "rediss",
            connection_pool_kwargs={"username": parts.username} if parts.username else None,
            namespace=namespace,
            ttl=ttl_seconds,
            timeout=REDIS_TIMEOUT_SECONDS,
            create_connection_timeout=REDIS_TIMEOUT_SECONDS,
        )
    raise ValueError(f"unsupported cache URL {url!r}: use {CACHE_URL_FORMS}")


def _stored(value: object) -> Decimal:
    # Bounded like every Decimal made from text (kit.core.money): a tampered cache entry cannot make the
    # service compute with 1E-999999999.
    return parse_decimal(value, STORED_DECIMAL)


def quote_to_json(quote: Quote) -> dict[str, Any]:
    return {
        "symbol": quote.symbol,
        "price": format(quote.price.value, "f"),
        "currency": quote.price.currency_code,
        "previousClose": None if quote.previous_close is None else format(quote.previous_close.value, "f"),
        "asOf": quote.as_of.isoformat(),
        "source": quote.source,
        **({"stale": "1"} if quote.stale else {}),
    }


def quote_from_json(data: Mapping[str, Any]) -> Quote:
    currency = str(data["currency"])
    previous = data.get("previousClose")
    return Quote(
        symbol=str(data["symbol"]),
        price=Amount(_stored(data["price"]), currency),
        previous_close=None if previous is None else Amount(_stored(previous), currency),
        as_of=datetime.fromisoformat(str(data["asOf"])),
        source=str(data["source"]),
        stale=bool(data.get("stale")),
    )


def snapshot_to_json(snapshot: FxSnapshot) -> dict[str, Any]:
    return {
        "rates": {code: format(value, "f") for code, value in snapshot.per_usd.items()},
        "source": snapshot.source,
        "asOf": snapshot.as_of.isoformat(),
    }


def snapshot_from_json(data: Mapping[str, Any]) -> FxSnapshot:
    return FxSnapshot(
        per_usd={str(code): _stored(value) for code, value in dict(data["rates"]).items()},
        source=str(data["source"]),
        as_of=datetime.fromisoformat(str(data["asOf"])),
    )


class AiocacheQuoteCache:
    """`domain.ports.QuoteCache` on aiocache (memory or Redis)."""

    def __init__(
        self, cache: BaseCache, *, ttl_seconds: int, last_good_seconds: int = DEFAULT_LAST_GOOD_SECONDS
    ) -> None:
        self._cache = cache
        self.ttl_seconds = ttl_seconds
        self.last_good_seconds = last_good_seconds
        # In process, quotes (immutable) are stored as they are: no JSON round trip on the hot path.
        self._in_process = isinstance(cache, SimpleMemoryCache)

    def _encode(self, quote: Quote) -> Any:
        return quote if self._in_process else quote_to_json(quote)

    @staticmethod
    def _decode(value: Any) -> Quote | None:
        """A cached quote; None (a miss, logged) for an entry that is not one, e.g. tampered with."""
        if isinstance(value, Quote):
            return value
        try:
            return quote_from_json(value)
        except (KeyError, TypeError, ValueError) as error:  # DecimalError is a ValueError
            log.warning("ignored an unreadable cached quote (%s)", error)
            return None

    async def _multi_get(self, keys: list[str]) -> list[Any]:
        try:
            return list(await self._cache.multi_get(keys))
        except Exception as error:
            log.warning("quote cache read failed (%s); treating as empty", error)
            return [None] * len(keys)

    async def _multi_set(self, pairs: list[tuple[str, Any]], ttl: int) -> None:
        if not pairs:
            return
        try:
            await self._cache.multi_set(pairs, ttl=ttl)
        except Exception as error:
            log.warning("quote cache write failed (%s)", error)

    async def fresh(self, symbols: Sequence[str]) -> tuple[dict[str, Quote], set[str]]:
        """Quotes inside their TTL, and the symbols remembered as unknown to every provider."""
        if not symbols:
            return {}, set()
        values = await self._multi_get([FRESH + symbol for symbol in symbols])
        quotes: dict[str, Quote] = {}
        absent: set[str] = set()
        for symbol, value in zip(symbols, values, strict=True):
            if not value:
                continue
            if isinstance(value, Mapping) and value.get("absent"):
                absent.add(symbol)
            elif (quote := self._decode(value)) is not None:
                quotes[symbol] = quote
        return quotes, absent

    async def last_good(self, symbols: Sequence[str]) -> dict[str, Quote]:
        if not symbols:
            return {}
        values = await self._multi_get([GOOD + symbol for symbol in symbols])
        pairs = zip(symbols, values, strict=True)
        decoded = ((symbol, self._decode(value)) for symbol, value in pairs if value)
        return {symbol: quote for symbol, quote in decoded if quote is not None}

    async def remember(self, quotes: Mapping[str, Quote], absent: Iterable[str] = ()) -> None:
        """Fresh quotes (also kept as the last good ones) and symbols found unknown."""
        encoded = [(symbol, self._encode(quote)) for symbol, quote in quotes.items()]
        fresh = [(FRESH + symbol, value) for symbol, value in encoded]
        fresh += [(FRESH + symbol, ABSENT) for symbol in absent]
        await self._multi_set(fresh, self.ttl_seconds)
        await self._multi_set([(GOOD + symbol, value) for symbol, value in encoded], self.last_good_seconds)

    async def remember_stale(self, quotes: Mapping[str, Quote]) -> None:
        """Stale quotes served after a failure, kept fresh for the TTL: until then the failing provider
        is not asked again (the next request does not pay its timeout once more)."""
        await self._multi_set(
            [(FRESH + symbol, self._encode(quote.as_stale())) for symbol, quote in quotes.items()],
            self.ttl_seconds,
        )

    async def forget(self, symbols: Iterable[str]) -> None:
        """Drop the fresh entries (a manual price was set); the last good ones stay."""
        for symbol in symbols:
            try:
                await self._cache.delete(FRESH + symbol)
            except Exception as error:
                log.warning("quote cache delete failed (%s)", error)

    async def fx_snapshot(self, feed: str, *, last_good: bool = False) -> FxSnapshot | None:
        key = ("fxgood:" if last_good else "fx:") + feed
        (value,) = await self._multi_get([key])
        if not value:
            return None
        try:
            return snapshot_from_json(value)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            log.warning("ignored an unreadable cached FX snapshot (%s)", error)
            return None

    async def remember_fx_snapshot(self, feed: str, snapshot: FxSnapshot, ttl_seconds: int) -> None:
        value = snapshot_to_json(snapshot)
        await self._multi_set([("fx:" + feed, value)], ttl_seconds)
        await self._multi_set([("fxgood:" + feed, value)], self.last_good_seconds)

    async def close(self) -> None:
        try:
            await self._cache.close()
        except Exception as error:
            log.warning("quote cache close failed (%s)", error)
