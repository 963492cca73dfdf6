"""The per-request context: the DataLoaders every resolver reads through (DESIGN.md decision 9).

- `instruments`: symbol (normalized) -> InstrumentView: catalog in memory + one BatchGetItem per batch.
- `quotes`: symbol (normalized) -> effective Quote: the manual price (via `instruments`, no extra
  read), else the feed through the cache (one multi-get, one provider call per batch).
- `fx_rates`: (from, to) -> FxRate: one Query for manual rates + the feed snapshot (cached), per batch.
- `histories`: (symbol, range) -> History: the stored closes, backfilled on first use; one batched
  read per distinct range for every instrument asking it.
- `performance`: every history and performance asked in the request, as one batch of the use case
  (one read of the instruments, then one of the closes and one of the FX rates for all of them).
- `valuations`: every portfolio valued in the request, as one batch of the valuation use case, which
  reads through the three loaders above (so an `_entities` call with N portfolios costs one read of
  each, shared with every other field of the request).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress

from kit.graphql.context import RequestContext
from kit.graphql.loaders import mapping_loader
from strawberry.dataloader import DataLoader

from assets.domain.fx import FxRate, Pair
from assets.domain.history import DateSpan, History
from assets.domain.manual import InstrumentView
from assets.domain.quotes import Quote
from assets.domain.valuation import PortfolioHoldings
from assets.services import AssetsService, Valuation
from assets.services.performance import Answer, Ask


class AssetsContext(RequestContext):
    def __init__(self, service: AssetsService) -> None:
        super().__init__()
        self.service = service
        reads = service.reads
        self.instruments = mapping_loader(reads.instruments)
        self.quotes = mapping_loader(self._load_quotes)
        self.fx_rates = mapping_loader(reads.fx_rates)
        # (symbol, range) -> History: every history asked in the request, one read per distinct range.
        self.histories = mapping_loader(self._load_histories)
        # Not cached by key: two representations of one portfolio are valued as they were sent.
        self.valuations: DataLoader[PortfolioHoldings, Valuation | None] = DataLoader(
            load_fn=self._value, cache=False
        )
        # Not cached: each ask carries its portfolio's timeline as it was sent.
        self.performance: DataLoader[Ask, Answer] = DataLoader(load_fn=self._performance, cache=False)

    def remember(self, view: InstrumentView) -> None:
        """Replace what this request's loaders know about an instrument just written; its quote is read
        again (from the primed view: a set price costs no read, a cleared one asks the feed)."""
        self.instruments.prime(view.symbol, view, force=True)
        with suppress(KeyError):  # strawberry's DataLoader.clear raises for a key it never loaded
            self.quotes.clear(view.symbol)

    async def _load_quotes(self, symbols: Sequence[str]) -> dict[str, Quote]:
        views = await self.instruments.load_many(symbols)
        return await self.service.reads.quotes_for([view for view in views if view is not None])

    async def _load_histories(
        self, asks: Sequence[tuple[str, DateSpan]]
    ) -> dict[tuple[str, DateSpan], History]:
        views = await self.instruments.load_many([symbol for symbol, _ in asks])
        wanted = [
            (view.instrument, span) for view, (_, span) in zip(views, asks, strict=True) if view is not None
        ]
        return await self.service.history.many(wanted)

    async def _value(self, portfolios: list[PortfolioHoldings]) -> list[Valuation | None]:
        return await self.service.valuations.value(portfolios, _RequestMarket(self))

    async def _performance(self, asks: list[Ask]) -> list[Answer]:
        return await self.service.performance.answer(asks, _RequestMarket(self))


class _RequestMarket:
    """`domain.ports.MarketReader` on this request's loaders."""

    def __init__(self, context: AssetsContext) -> None:
        self._context = context

    async def instruments(self, symbols: Sequence[str]) -> dict[str, InstrumentView]:
        found = await self._context.instruments.load_many(symbols)
        return {symbol: view for symbol, view in zip(symbols, found, strict=True) if view is not None}

    async def quotes(self, symbols: Sequence[str]) -> dict[str, Quote]:
        found = await self._context.quotes.load_many(symbols)
        return {symbol: quote for symbol, quote in zip(symbols, found, strict=True) if quote is not None}

    async def fx_rates(self, pairs: Sequence[Pair]) -> dict[Pair, FxRate]:
        found = await self._context.fx_rates.load_many(pairs)
        return {pair: rate for pair, rate in zip(pairs, found, strict=True) if rate is not None}
