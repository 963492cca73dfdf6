"""Use cases of the assets subgraph: resolving instruments, quotes, manual prices and valuations.

The GraphQL layer calls these through per-request DataLoaders, so every method takes many symbols.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from kit.errors import InputProblems
from kit.money import Amount, parse_decimal

from assets.adapters.cache import QuoteCache
from assets.adapters.repository import AssetsRepository, ManualInstrumentCurrencyConflict
from assets.domain.fx import FxRates, IdentityFxRates
from assets.domain.instruments import Catalog, Instrument, normalize_symbol
from assets.domain.manual import ManualPrice, validate_manual_price
from assets.domain.quotes import PriceProvider, Quote
from assets.domain.valuation import Holding, PortfolioValuation, value_portfolio

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class InstrumentView:
    """An instrument as this service knows it: from the catalog, from manual data, or not at all."""

    instrument: Instrument
    manual_price: ManualPrice | None
    known: bool

    @property
    def symbol(self) -> str:
        return self.instrument.symbol


def lookup_key(symbol: str) -> str:
    """The key a symbol is looked up by: normalized when well-formed, else as given (then unknown)."""
    return normalize_symbol(symbol) or symbol


class InstrumentService:
    def __init__(
        self,
        *,
        catalog: Catalog,
        repository: AssetsRepository,
        quotes: QuoteService,
        clock: Callable[[], datetime],
    ) -> None:
        self._catalog = catalog
        self._repository = repository
        self._quotes = quotes
        self._clock = clock

    async def resolve(self, symbols: Sequence[str]) -> dict[str, InstrumentView]:
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

    async def set_manual_price(
        self, *, symbol: str, price: Amount, previous_close: Amount | None
    ) -> InstrumentView:
        """Validate and store a manual price; raises `InputProblems` (nothing written) on bad input."""
        change = validate_manual_price(
            raw_symbol=symbol,
            price=price,
            previous_close=previous_close,
            catalog=self._catalog,
            set_at=self._clock(),
        )
        try:
            await self._repository.save_manual_price(change)
        except ManualInstrumentCurrencyConflict as conflict:
            raise InputProblems.single(
                ("input", "price", "currencyCode"),
                f"{conflict.symbol} is a manual instrument in {conflict.currency}, not {price.currency_code}",
                "CURRENCY_MISMATCH",
            ) from conflict
        stored = change.price
        await self._quotes.invalidate([stored.symbol])
        entry = self._catalog.get(stored.symbol)
        instrument = entry.instrument if entry is not None else change.new_instrument
        assert instrument is not None  # validate_manual_price creates one for unlisted symbols
        return InstrumentView(instrument, stored, known=True)


class QuoteService:
    """Feed quotes through the cache: one multi-get, misses from the provider in ONE call, one multi-set."""

    def __init__(self, *, cache: QuoteCache, provider: PriceProvider) -> None:
        self._cache = cache
        self._provider = provider

    async def feed_quotes(self, symbols: Sequence[str]) -> dict[str, Quote]:
        wanted = list(dict.fromkeys(symbols))
        found = await self._cache.get_many(wanted)
        misses = [symbol for symbol in wanted if symbol not in found]
        if misses:
            try:
                fresh = await self._provider.quotes(misses)
            except Exception:
                # The instruments stay unpriced for this request; the next one asks again.
                log.exception("price provider failed for %d symbols", len(misses))
                fresh = {}
            asked = set(misses)
            fresh = {symbol: quote for symbol, quote in fresh.items() if symbol in asked}
            await self._cache.put_many(fresh)
            found.update(fresh)
        return found

    async def quotes_for(self, views: Sequence[InstrumentView]) -> dict[str, Quote]:
        """The effective quote per symbol: the manual price when one is set, else the feed."""
        manual = {view.symbol: view.manual_price.quote() for view in views if view.manual_price is not None}
        # Malformed symbols (unknown instruments from entity representations) are not worth asking for.
        rest = [
            view.symbol
            for view in views
            if view.manual_price is None and normalize_symbol(view.symbol) == view.symbol
        ]
        feed = await self.feed_quotes(rest) if rest else {}
        return {**feed, **manual}

    async def invalidate(self, symbols: Sequence[str]) -> None:
        await self._cache.forget(symbols)


def parse_holdings(raw: Sequence[Mapping[str, object]]) -> list[Holding]:
    """Holdings from an entity representation (Decimal values arrive as JSON strings)."""
    return [
        Holding(
            symbol=str(item["symbol"]),
            quantity=parse_decimal(item["quantity"]),
            cost_basis=parse_decimal(item["costBasis"]),
        )
        for item in raw
    ]


class ValuationService:
    def __init__(self, *, fx: FxRates | None = None) -> None:
        self._fx: FxRates = fx if fx is not None else IdentityFxRates()

    def value(
        self, base_currency: str, holdings: Sequence[Holding], quotes: Mapping[str, Quote | None]
    ) -> PortfolioValuation:
        return value_portfolio(base_currency, holdings, quotes, self._fx)


@dataclass(frozen=True, slots=True)
class AssetsServices:
    instruments: InstrumentService
    quotes: QuoteService
    valuations: ValuationService
