"""Use cases: what the GraphQL layer and the event consumer ask of the assets service.

A use case reads through the ports in `domain.ports`, asks the domain, and writes once; bad input
raises `kit.core.errors.InputProblems` (userErrors, nothing written), a refusal
`kit.core.principal.Forbidden` (see `assets.access`). Reads take many keys at once: the per-request
DataLoaders call them (`reads.py`).
"""

from __future__ import annotations

from datetime import timedelta

from assets.domain.fx_reference import FxReference
from assets.domain.instruments import Catalog
from assets.domain.manual import DEFAULT_STALE_AFTER, ManualPriceRules
from assets.domain.ports import (
    AppliedEvents,
    AssetsRepository,
    ClosesRepository,
    FxFeed,
    FxHistoryFeed,
    HistoryFeed,
    QuoteCache,
    QuoteFeed,
)
from assets.services.common import Clock, utc_now
from assets.services.events import IncomingEvents
from assets.services.first_chart import FirstChartUseCases
from assets.services.fx import FxService
from assets.services.fx_reference import FxReferenceUseCases
from assets.services.history import HistoryService
from assets.services.manual_prices import ManualPriceUseCases
from assets.services.performance import PerformanceUseCases
from assets.services.quotes import QuoteService
from assets.services.reads import Reads
from assets.services.search import SearchService
from assets.services.valuation import Valuation, ValuationUseCases

# How long an FX feed's snapshot is served from the cache unless the settings say otherwise.
FX_TTL_SECONDS = 3600


class AssetsService:
    """The composition of the use cases, built once by the app with its adapters."""

    def __init__(
        self,
        *,
        catalog: Catalog,
        repository: AssetsRepository,
        cache: QuoteCache,
        quote_feed: QuoteFeed,
        fx_feed: FxFeed,
        closes: ClosesRepository,
        history_feed: HistoryFeed,
        fx_history_feed: FxHistoryFeed,
        applied_events: AppliedEvents,
        clock: Clock = utc_now,
        fx_ttl_seconds: int = FX_TTL_SECONDS,
        manual_stale_after: timedelta = DEFAULT_STALE_AFTER,
        fx_reference: FxReference | None = None,
    ) -> None:
        manual_rules = ManualPriceRules(stale_after=manual_stale_after)
        self.quotes = QuoteService(cache=cache, feed=quote_feed)
        self.fx = FxService(
            repository=repository,
            feed=fx_feed,
            cache=cache,
            clock=clock,
            ttl_seconds=fx_ttl_seconds,
            manual_rules=manual_rules,
        )
        self.manual_prices = ManualPriceUseCases(
            catalog=catalog, repository=repository, quotes=self.quotes, clock=clock
        )
        self.search = SearchService(catalog=catalog, repository=repository)
        self.valuations = ValuationUseCases()
        self.history = HistoryService(
            catalog=catalog, repository=closes, feed=history_feed, fx_feed=fx_history_feed, clock=clock
        )
        self.performance = PerformanceUseCases(self.history)
        self.first_chart = FirstChartUseCases(
            catalog=catalog, history=self.history, quotes=self.quotes, applied=applied_events
        )
        self.fx_reference = FxReferenceUseCases(
            history=self.history, applied=applied_events, reference=fx_reference or FxReference()
        )
        self.events = IncomingEvents(
            first_chart=self.first_chart, fx_reference=self.fx_reference, history=self.history
        )
        self.reads = Reads(
            catalog=catalog,
            repository=repository,
            quotes=self.quotes,
            fx=self.fx,
            clock=clock,
            manual_rules=manual_rules,
        )


__all__ = ["AssetsService", "FxService", "HistoryService", "QuoteService", "Valuation", "ValuationUseCases"]
