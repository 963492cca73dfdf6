"""The per-request context: the assets services and this request's DataLoaders."""

from __future__ import annotations

from collections.abc import Sequence

from kit.graphql.context import RequestContext
from kit.graphql.loaders import mapping_loader

from assets.domain.quotes import Quote
from assets.services import AssetsServices, InstrumentView


class AssetsContext(RequestContext):
    def __init__(self, services: AssetsServices) -> None:
        super().__init__()
        self.services = services
        # symbol (normalized) -> InstrumentView: catalog in memory + one BatchGetItem per batch.
        self.instruments = mapping_loader(services.instruments.resolve)
        # symbol (normalized) -> effective Quote: manual price (via `instruments`, no extra read),
        # else the feed through the cache (one multi-get, one provider call per batch).
        self.quotes = mapping_loader(self._load_quotes)
        # (from, to) -> FxRate: one Query for manual rates + the feed snapshot (cached), per batch.
        self.fx_rates = mapping_loader(services.fx.rates)

    async def _load_quotes(self, symbols: Sequence[str]) -> dict[str, Quote]:
        views = await self.instruments.load_many(symbols)
        return await self.services.quotes.quotes_for([view for view in views if view is not None])

    def remember(self, view: InstrumentView) -> None:
        """Replace what this request's loaders know about an instrument just written."""
        self.instruments.prime(view.symbol, view, force=True)
        if view.manual_price is not None:
            self.quotes.prime(view.symbol, view.manual_price.quote(), force=True)
