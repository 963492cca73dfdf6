"""Batched reads: what the per-request DataLoaders call (DESIGN.md decision 9)."""

from __future__ import annotations

from collections.abc import Sequence

from assets.domain.fx import FxRate, Pair
from assets.domain.instruments import Catalog, Instrument, normalize_symbol
from assets.domain.manual import InstrumentView, ManualPriceRules
from assets.domain.ports import AssetsRepository
from assets.domain.quotes import Quote
from assets.services.common import Clock
from assets.services.fx import FxService
from assets.services.quotes import QuoteService


class Reads:
    def __init__(
        self,
        *,
        catalog: Catalog,
        repository: AssetsRepository,
        quotes: QuoteService,
        fx: FxService,
        clock: Clock,
        manual_rules: ManualPriceRules,
    ) -> None:
        self._catalog = catalog
        self._repository = repository
        self._quotes = quotes
        self._fx = fx
        self._clock = clock
        self._manual_rules = manual_rules

    async def instruments(self, symbols: Sequence[str]) -> dict[str, InstrumentView]:
        """Every symbol (normalized) resolves, to an UNKNOWN instrument when nothing is known about it.

        The catalog is in memory; manual data costs one BatchGetItem for all symbols: the manual price
        of every well-formed symbol, and the manual instrument of those the catalog lacks.
        """
        valid = sorted({symbol for symbol in symbols if normalize_symbol(symbol) == symbol})
        unlisted = [symbol for symbol in valid if symbol not in self._catalog]
        records = await self._repository.manual_records(unlisted, valid)
        views: dict[str, InstrumentView] = {}
        for symbol in symbols:
            record = records.get(symbol)
            manual_price = record.price if record else None
            entry = self._catalog.get(symbol)
            if entry is not None:
                views[symbol] = InstrumentView(entry.instrument, manual_price, known=True)
            elif record is not None and record.instrument is not None:
                views[symbol] = InstrumentView(record.instrument, manual_price, known=True)
            elif manual_price is not None:
                # A price without its instrument item cannot be written (one transaction), but a
                # half-restored table should still serve what it has.
                instrument = Instrument.manual(symbol, manual_price.price.currency_code)
                views[symbol] = InstrumentView(instrument, manual_price, known=True)
            else:
                views[symbol] = InstrumentView(Instrument.unknown(symbol), None, known=False)
        return views

    async def quotes_for(self, views: Sequence[InstrumentView]) -> dict[str, Quote]:
        """The effective quote per symbol: the manual price while it is in force, else the feed; a
        manual price out of force is served (stale) only when the feed has no quote (domain.manual)."""
        now = self._clock()
        rules = self._manual_rules
        pinned = {view.symbol: view.manual_price for view in views if view.manual_price is not None}
        # Malformed symbols (unknown instruments from entity representations) are not worth asking for.
        rest = [
            view.symbol
            for view in views
            if normalize_symbol(view.symbol) == view.symbol
            and (view.manual_price is None or not rules.in_force(view.manual_price, now))
        ]
        feed = await self._quotes.feed_quotes(rest) if rest else {}
        manual = {
            symbol: rules.effective_quote(price, feed.get(symbol), now) for symbol, price in pinned.items()
        }
        return {**feed, **manual}

    async def fx_rates(self, pairs: Sequence[Pair]) -> dict[Pair, FxRate]:
        """One Query for the manual rates and the feed's snapshot (cached), for every pair at once."""
        return await self._fx.rates(pairs)
