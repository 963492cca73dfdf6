"""Use cases of the assets subgraph: resolving instruments, quotes, manual prices and valuations.

The GraphQL layer calls these through per-request DataLoaders, so every method takes many symbols.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import cast

from kit.core import paging
from kit.core.errors import InputProblems, PublicError, bad_user_input
from kit.core.money import STORED_DECIMAL, Amount, DecimalError, is_iso_currency, parse_decimal
from kit.core.principal import Forbidden, Principal, forbidden_to_see

from assets.adapters.cache import QuoteCache
from assets.adapters.fx_feeds import FxFeed, SimulatedFxFeed
from assets.adapters.repository import AssetsRepository, ManualInstrumentCurrencyConflict
from assets.domain.fx import FxRate, FxRates, FxSnapshot, FxTable, validate_manual_fx_rate
from assets.domain.instruments import Catalog, Instrument, normalize_symbol
from assets.domain.manual import ManualPrice, validate_manual_price
from assets.domain.quotes import FeedResult, PriceProvider, Quote, QuoteFeed, is_price
from assets.domain.search import MAX_PAGE, Page, page_of, search_instruments
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


def require_price_manager(caller: Principal) -> None:
    """Manual prices and FX rates: operators and admins only. Checked before the input is even
    validated, so a refused caller learns nothing from the answer."""
    if not caller.manages_prices:
        raise Forbidden("Only operators and admins may set manual prices and FX rates.")


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
        self, caller: Principal, *, symbol: str, price: Amount, previous_close: Amount | None
    ) -> InstrumentView:
        """Validate and store a manual price; raises `Forbidden` unless the caller manages prices, and
        `InputProblems` on bad input (nothing written either way)."""
        require_price_manager(caller)
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
    """Feed quotes through the cache, with single-flight and stale-if-error.

    - Warm (inside the TTL): one cache multi-get, no provider call.
    - Misses: ONE feed call for all of them; concurrent requests missing the same symbols wait for
      that call instead of making their own (single-flight, per process).
    - Failed symbols (error, timeout, open circuit): the last good quote, flagged stale, and served
      from the cache for the TTL (the failing provider is retried once per TTL, not per request).
    """

    def __init__(self, *, cache: QuoteCache, provider: QuoteFeed | PriceProvider) -> None:
        self._cache = cache
        self._feed = as_feed(provider)
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


class _ProviderFeed:
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
    fetch = getattr(provider, "fetch", None)
    if callable(fetch):
        return cast(QuoteFeed, provider)
    return _ProviderFeed(cast(PriceProvider, provider))


class FxService:
    """Exchange rates: manual ones from the table (one Query), the feed's snapshot through the cache
    (single-flight, last good snapshot served when the feed fails), derived as `FxTable` says."""

    def __init__(
        self,
        *,
        repository: AssetsRepository,
        feed: FxFeed,
        cache: QuoteCache,
        clock: Callable[[], datetime],
        ttl_seconds: int = 3600,
    ) -> None:
        self._repository = repository
        self._feed = feed
        self._cache = cache
        self._clock = clock
        self._ttl_seconds = ttl_seconds
        self._inflight: asyncio.Task[FxSnapshot | None] | None = None

    async def rates(self, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], FxRate]:
        """The rate of every pair that has one; equal currencies need no I/O and are left out."""
        wanted = [pair for pair in dict.fromkeys(pairs) if pair[0] != pair[1]]
        if not wanted:
            return {}
        manual, snapshot = await asyncio.gather(self._repository.manual_fx_rates(), self.snapshot())
        table = FxTable(snapshot, manual)
        found = {pair: table.lookup(*pair) for pair in wanted}
        missing = [pair for pair, rate in found.items() if rate is None]
        if missing:
            log.warning("no FX rate for %s", ", ".join(f"{a}->{b}" for a, b in missing))
        return {pair: rate for pair, rate in found.items() if rate is not None}

    async def snapshot(self) -> FxSnapshot | None:
        if isinstance(self._feed, SimulatedFxFeed):
            return await self._feed.snapshot()  # computed, nothing to cache
        cached = await self._cache.fx_snapshot(self._feed.name)
        if cached is not None:
            return cached
        if self._inflight is None:
            task = asyncio.get_running_loop().create_task(self._fetch_snapshot())
            self._inflight = task
            task.add_done_callback(lambda _: setattr(self, "_inflight", None))
        return await asyncio.shield(self._inflight)

    async def _fetch_snapshot(self) -> FxSnapshot | None:
        try:
            snapshot = await self._feed.snapshot()
        except Exception as error:
            log.warning("FX feed %s failed (%s); using the last good rates", self._feed.name, error)
            stale = await self._cache.fx_snapshot(self._feed.name, last_good=True)
            return None if stale is None else replace(stale, stale=True)
        await self._cache.remember_fx_snapshot(self._feed.name, snapshot, self._ttl_seconds)
        return snapshot

    async def set_manual(
        self, caller: Principal, *, from_currency: str, to_currency: str, rate: Decimal
    ) -> FxRate:
        """Validate and store a manual rate; raises `Forbidden` unless the caller manages prices, and
        `InputProblems` on bad input (nothing written either way)."""
        require_price_manager(caller)
        manual = validate_manual_fx_rate(
            from_currency=from_currency, to_currency=to_currency, rate=rate, set_at=self._clock()
        )
        await self._repository.save_manual_fx_rate(manual)
        return manual


def parse_holdings(raw: object) -> list[Holding]:
    """Holdings from an entity representation (Decimal values arrive as JSON strings).

    The router sends what the portfolios subgraph computed (sums and products: kit.core.money's stored
    bounds); a caller of this subgraph may send anything, so whatever is not a list of
    {symbol, quantity, costBasis} within those bounds is refused with BAD_USER_INPUT.
    """
    if not isinstance(raw, list):
        raise _bad_holdings()
    holdings = []
    for item in raw:
        if not isinstance(item, Mapping) or not isinstance(item.get("symbol"), str):
            raise _bad_holdings()
        try:
            quantity = parse_decimal(item.get("quantity"), STORED_DECIMAL)
            cost_basis = parse_decimal(item.get("costBasis"), STORED_DECIMAL)
        except DecimalError as error:
            raise _bad_holdings(f" ({error})") from error
        holdings.append(Holding(symbol=item["symbol"], quantity=quantity, cost_basis=cost_basis))
    return holdings


def parse_base_currency(raw: object) -> str:
    """The representation's baseCurrency: an ISO 4217 code (a valuation rounds to its minor unit),
    or "" when none was sent (then there is no valuation). Anything else is BAD_USER_INPUT."""
    if raw is None or raw == "":
        return ""
    if not isinstance(raw, str) or not is_iso_currency(raw):
        raise bad_user_input("The representation's baseCurrency must be an ISO 4217 code such as USD.")
    return raw


def _bad_holdings(detail: str = "") -> PublicError:
    return bad_user_input(
        f"The representation's holdings must be a list of {{symbol, quantity, costBasis}}{detail}."
    )


class ValuationService:
    def authorize(self, caller: Principal, portfolio_id: str, owner_id: str | None) -> None:
        """Staff value any portfolio; a customer only its own. A representation that names no owner
        is refused to a customer, with the same words as someone else's (no existence oracle)."""
        if caller.can_read(owner_id):
            return
        raise forbidden_to_see("portfolio", portfolio_id)

    def value(
        self,
        base_currency: str,
        holdings: Sequence[Holding],
        quotes: Mapping[str, Quote | None],
        fx: FxRates | None = None,
    ) -> PortfolioValuation:
        """Each position converted from its quote's currency to `base_currency` with `fx`; a position
        whose rate is unknown is unpriced (never mixed in unconverted)."""
        return value_portfolio(base_currency, holdings, quotes, fx)


class SearchService:
    def __init__(self, *, catalog: Catalog, repository: AssetsRepository) -> None:
        self._catalog = catalog
        self._repository = repository

    async def search(self, query: str, first: int, after: str | None) -> Page:
        """Catalog and manual instruments matching `query`; one Query for the manual ones."""
        paging.check_page_size(first, MAX_PAGE)
        if not query.strip():
            return page_of([], first, after)
        manual = await self._repository.manual_instruments()
        listed = [entry.instrument for entry in self._catalog]
        known = {instrument.symbol for instrument in listed}
        candidates = listed + [instrument for instrument in manual if instrument.symbol not in known]
        return page_of(search_instruments(candidates, query), first, after)


@dataclass(frozen=True, slots=True)
class AssetsServices:
    instruments: InstrumentService
    quotes: QuoteService
    valuations: ValuationService
    fx: FxService
    search: SearchService
