"""The provider chain: each symbol goes to the first provider that serves its asset class; the symbols
a provider failed (or did not know) go on to the next one. The whole walk has one deadline, so a
hanging provider cannot hold a request longer than `deadline_seconds`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Protocol, cast

from assets.domain.instruments import AssetClass, Instrument
from assets.domain.ports import PriceProvider, QuoteFeed
from assets.domain.quotes import FeedResult, Quote

log = logging.getLogger(__name__)


class QuoteSource(Protocol):
    name: str

    def serves(self, asset_class: AssetClass) -> bool: ...

    async def quotes(self, instruments: Sequence[Instrument], *, deadline: float) -> FeedResult: ...


class LocalSource:
    """A provider that needs no network (the simulated feed): every listed asset class, no guard."""

    def __init__(self, name: str, provider: PriceProvider) -> None:
        self.name = name
        self._provider = provider

    def serves(self, asset_class: AssetClass) -> bool:
        return asset_class not in (AssetClass.UNKNOWN, AssetClass.OTHER)

    async def quotes(self, instruments: Sequence[Instrument], *, deadline: float) -> FeedResult:
        symbols = [instrument.symbol for instrument in instruments]
        try:
            return FeedResult(await self._provider.quotes(symbols))
        except Exception:
            log.exception("price provider %s failed", self.name)
            return FeedResult({}, frozenset(symbols))


class ProviderChain:
    def __init__(
        self,
        sources: Sequence[QuoteSource],
        *,
        lookup: Callable[[str], Instrument | None],
        deadline_seconds: float = 2.5,
    ) -> None:
        self.sources = list(sources)
        self._lookup = lookup
        self.deadline_seconds = deadline_seconds

    async def fetch(self, symbols: Sequence[str]) -> FeedResult:
        deadline = asyncio.get_running_loop().time() + self.deadline_seconds
        pending: dict[str, Instrument] = {}
        for symbol in dict.fromkeys(symbols):
            instrument = self._lookup(symbol)
            if instrument is not None:
                pending[symbol] = instrument
        found: dict[str, Quote] = {}
        failed: set[str] = set()
        for source in self.sources:
            eligible = [i for i in pending.values() if source.serves(i.asset_class)]
            if not eligible:
                continue
            answer = await source.quotes(eligible, deadline=deadline)
            for instrument in eligible:
                quote = answer.quotes.get(instrument.symbol)
                if quote is not None:
                    found[instrument.symbol] = quote
                    pending.pop(instrument.symbol)
                    failed.discard(instrument.symbol)
                elif instrument.symbol in answer.failed:
                    failed.add(instrument.symbol)
            if not pending:
                break
        return FeedResult(found, frozenset(failed))

    async def quotes(self, symbols: Sequence[str]) -> dict[str, Quote]:
        return dict((await self.fetch(symbols)).quotes)


class ProviderFeed:
    """A plain `PriceProvider` as a feed: raising means every symbol failed."""

    def __init__(self, provider: PriceProvider) -> None:
        self._provider = provider

    async def fetch(self, symbols: Sequence[str]) -> FeedResult:
        try:
            return FeedResult(await self._provider.quotes(symbols))
        except Exception:
            log.exception("price provider failed for %d symbols", len(symbols))
            return FeedResult({}, frozenset(symbols))


def as_feed(provider: QuoteFeed | PriceProvider) -> QuoteFeed:
    """A feed as it is, a plain provider wrapped (`ProviderFeed`)."""
    fetch = getattr(provider, "fetch", None)
    if callable(fetch):
        return cast(QuoteFeed, provider)
    return ProviderFeed(cast(PriceProvider, provider))
