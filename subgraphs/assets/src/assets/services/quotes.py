"""Feed quotes through the cache, with single-flight and stale-if-error.

- Warm (inside the TTL): one cache multi-get, no provider call.
- Misses: ONE feed call for all of them; concurrent requests missing the same symbols wait for
  that call instead of making their own (single-flight, per process).
- Failed symbols (error, timeout, open circuit): the last good quote, flagged stale, and served
  from the cache for the TTL (the failing provider is retried once per TTL, not per request).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from assets.domain.ports import QuoteCache, QuoteFeed
from assets.domain.quotes import FeedResult, Quote, is_price

log = logging.getLogger(__name__)


class QuoteService:
    def __init__(self, *, cache: QuoteCache, feed: QuoteFeed) -> None:
        self._cache = cache
        self._feed = feed
        self._inflight: dict[str, asyncio.Future[Quote | None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def feed_quotes(self, symbols: Sequence[str]) -> dict[str, Quote]:
        wanted = list(dict.fromkeys(symbols))
        if not wanted:
            return {}
        found, absent = await self._cache.fresh(wanted)
        misses = [symbol for symbol in wanted if symbol not in found and symbol not in absent]
        if misses:
            found.update(await self._load(misses))
        return found

    async def invalidate(self, symbols: Sequence[str]) -> None:
        await self._cache.forget(symbols)

    async def _load(self, symbols: Sequence[str]) -> dict[str, Quote]:
        waiting: dict[str, asyncio.Future[Quote | None]] = {}
        mine: list[str] = []
        for symbol in symbols:
            future = self._inflight.get(symbol)
            if future is None:
                mine.append(symbol)
            else:
                waiting[symbol] = future
        if mine:
            loop = asyncio.get_running_loop()
            futures = {symbol: loop.create_future() for symbol in mine}
            self._inflight.update(futures)
            waiting.update(futures)
            # A task of its own: a caller that goes away does not cancel the others' fetch.
            task = loop.create_task(self._fetch(futures))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        results = await asyncio.gather(*(asyncio.shield(future) for future in waiting.values()))
        return {symbol: quote for symbol, quote in zip(waiting, results, strict=True) if quote is not None}

    async def _fetch(self, futures: dict[str, asyncio.Future[Quote | None]]) -> None:
        symbols = list(futures)
        answers: dict[str, Quote] = {}
        try:
            try:
                result = await self._feed.fetch(symbols)
            except Exception:
                log.exception("price feed failed for %d symbols", len(symbols))
                result = FeedResult({}, frozenset(symbols))
            asked = set(symbols)
            answers = {s: q for s, q in result.quotes.items() if s in asked and is_price(q.price.value)}
            failed = [s for s in symbols if s not in answers and s in result.failed]
            unknown = [s for s in symbols if s not in answers and s not in result.failed]
            await self._cache.remember(answers, unknown)
            if failed:
                stale = {
                    symbol: quote.as_stale()
                    for symbol, quote in (await self._cache.last_good(failed)).items()
                }
                await self._cache.remember_stale(stale)
                answers.update(stale)
        finally:
            for symbol, future in futures.items():
                if self._inflight.get(symbol) is future:
                    del self._inflight[symbol]
                if not future.done():
                    future.set_result(answers.get(symbol))
