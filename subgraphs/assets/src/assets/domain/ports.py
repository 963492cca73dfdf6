"""What the use cases need from the world, as protocols the adapters implement.

- `AssetsRepository`: the table's manual data (instruments, prices, FX rates); `DynamoAssetsRepository`.
- `QuoteCache`: quotes and FX snapshots, fresh and last good; `AiocacheQuoteCache` (memory or Redis).
- `QuoteFeed`, `PriceProvider`, `FxFeed`: market data (the provider chain, the simulated walk, FX).
- `ClosesRepository`: the table's daily closes (instruments and FX pairs); `DynamoClosesRepository`.
- `HistoryFeed`, `FxHistoryFeed`: the providers' history endpoints (the chain, the simulated walk).
- `MarketReader`: the batch reads a valuation goes through (instruments by symbols, quotes by
  symbols, FX rates by pairs). In a request they are its DataLoaders, so every portfolio valued in
  one request shares one read of each (DESIGN.md decision 9).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from assets.domain.fx import FxRate, FxSnapshot, Pair
from assets.domain.history import DailyClose, DateSpan, SeriesKey, StoredSeries
from assets.domain.instruments import AssetClass, Instrument
from assets.domain.manual import InstrumentView, ManualPrice, ManualPriceChange
from assets.domain.quotes import FeedResult, Quote


@dataclass(frozen=True, slots=True)
class ManualRecords:
    """What the table holds for one symbol."""

    instrument: Instrument | None = None
    price: ManualPrice | None = None


class ManualInstrumentCurrencyConflict(Exception):
    """The symbol is already a manual instrument in another currency; nothing was written."""

    def __init__(self, symbol: str, currency: str | None) -> None:
        super().__init__(f"{symbol} is a manual instrument in {currency or 'another currency'}")
        self.symbol = symbol
        self.currency = currency


class AssetsRepository(Protocol):
    async def manual_records(
        self, instrument_symbols: Sequence[str], price_symbols: Sequence[str]
    ) -> Mapping[str, ManualRecords]:
        """The manual instruments of `instrument_symbols` and the manual prices of `price_symbols`,
        in one batched read."""

    async def save_manual_price(self, change: ManualPriceChange) -> None:
        """The price, and the new manual instrument if any, in one write; raises
        `ManualInstrumentCurrencyConflict` (writing nothing) when the symbol is a manual instrument
        in another currency."""

    async def clear_manual_price(self, symbol: str) -> bool:
        """Deletes the symbol's manual price (one write; a manual instrument stays); False, writing
        nothing, when it has none."""

    async def manual_instruments(self) -> list[Instrument]:
        """Every manual instrument (one read)."""

    async def manual_fx_rates(self) -> list[FxRate]:
        """Every manual FX rate (one read)."""

    async def save_manual_fx_rate(self, rate: FxRate) -> None:
        """Stores the pair and drops its reverse in one write (the inverse is implied)."""


class AppliedEvents(Protocol):
    """The events from other services this service has handled (by event id), so that a redelivered
    one is acknowledged without doing its work again."""

    async def was_applied(self, event_id: str) -> bool: ...

    async def mark_applied(self, event_id: str) -> None:
        """Idempotent: marking an event marked already changes nothing."""


class QuoteCache(Protocol):
    """Quotes fresh for a TTL, the last good ones for days, and FX snapshots the same two ways. A
    cache that fails answers as if empty: the service still answers from its feeds."""

    async def fresh(self, symbols: Sequence[str]) -> tuple[dict[str, Quote], set[str]]:
        """Quotes inside their TTL, and the symbols remembered as unknown to every provider."""

    async def last_good(self, symbols: Sequence[str]) -> dict[str, Quote]: ...

    async def remember(self, quotes: Mapping[str, Quote], absent: Iterable[str] = ()) -> None:
        """Fresh quotes (also kept as the last good ones) and symbols found unknown."""

    async def remember_stale(self, quotes: Mapping[str, Quote]) -> None:
        """Stale quotes served after a failure, kept fresh for the TTL."""

    async def forget(self, symbols: Iterable[str]) -> None:
        """Drops the fresh entries; the last good ones stay."""

    async def fx_snapshot(self, feed: str, *, last_good: bool = False) -> FxSnapshot | None: ...

    async def remember_fx_snapshot(self, feed: str, snapshot: FxSnapshot, ttl_seconds: int) -> None: ...


class PriceProvider(Protocol):
    """A source of quotes. Answers the symbols it knows and leaves the others out of the result;
    raising means it failed for all of them."""

    async def quotes(self, symbols: Sequence[str]) -> dict[str, Quote]: ...


class QuoteFeed(Protocol):
    """A feed that tells failures apart from unknown symbols (the provider chain)."""

    async def fetch(self, symbols: Sequence[str]) -> FeedResult: ...


class FxFeed(Protocol):
    """Rates per US dollar. `cacheable` is False for a feed that computes its snapshot (the simulated
    one): asking it costs nothing, so its snapshots are not cached."""

    @property
    def name(self) -> str: ...

    @property
    def cacheable(self) -> bool: ...

    async def snapshot(self) -> FxSnapshot: ...


class InstrumentReader(Protocol):
    async def instruments(self, symbols: Sequence[str]) -> Mapping[str, InstrumentView]:
        """Every symbol resolves, an unknown one to an UNKNOWN instrument."""


class QuoteReader(Protocol):
    async def quotes(self, symbols: Sequence[str]) -> Mapping[str, Quote]:
        """The effective quote of each symbol that has one: its manual price, else the feed's."""


class FxRateReader(Protocol):
    async def fx_rates(self, pairs: Sequence[Pair]) -> Mapping[Pair, FxRate]:
        """The rate of every pair that has one."""


class MarketReader(InstrumentReader, QuoteReader, FxRateReader, Protocol):
    """The three batch reads of a valuation."""


class ClosesRepository(Protocol):
    async def stored_series(self, keys: Sequence[SeriesKey], years: range) -> dict[SeriesKey, StoredSeries]:
        """Every series' closes and covered spans in `years`, in one batched read (a series with
        nothing stored answers an empty `StoredSeries`)."""

    async def save_series(self, series: Sequence[StoredSeries], years: range) -> None:
        """Writes what each series holds in `years` (read whole by `stored_series`), atomically per
        series, and lists the series for the daily refresh."""

    async def listed_series(self) -> dict[SeriesKey, date]:
        """Every stored series and the last day it covers (one Query)."""


@dataclass(frozen=True, slots=True)
class SeriesAnswer:
    """What a history source answered for one span: closes per series, and the series it ANSWERED
    (even with no close: a holiday, a day before the listing). A series not answered was not
    supported, unknown or failed: its days stay uncovered and are asked again later."""

    closes: Mapping[SeriesKey, Sequence[DailyClose]] = field(default_factory=dict)
    answered: frozenset[SeriesKey] = frozenset()
    currencies: Mapping[SeriesKey, str] = field(default_factory=dict)


class HistoryFeed(Protocol):
    def serves(self, asset_class: AssetClass) -> bool:
        """Whether any configured source has daily closes of this asset class."""

    async def daily_closes(
        self, instruments: Sequence[Instrument], span: DateSpan, *, patient: bool
    ) -> SeriesAnswer:
        """Closes of every trading day of `span` (keys: `SeriesKey.instrument`). `patient`: wait for
        the providers' rate limits (the daily refresh) instead of leaving the rest unanswered (a
        request)."""


class FxHistoryFeed(Protocol):
    async def daily_rates(self, currencies: Sequence[str], span: DateSpan, *, patient: bool) -> SeriesAnswer:
        """Rates per US dollar of every day of `span` the source publishes
        (keys: `SeriesKey.fx("USD", code)`)."""
