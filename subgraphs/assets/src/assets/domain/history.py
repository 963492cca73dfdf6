"""Daily closes: the history of an instrument (or an FX pair) over a range of days.

- A close is the last price of a trading day, in the instrument's currency (an FX pair's "close" is
  its daily reference rate). Only days whose close is final are history: days before today (UTC).
- Stored closes are SPLIT-ADJUSTED, as every provider's history endpoint gives them: a close before
  a split is divided by the split's ratio, so a chart has no cliff at the split. The ledger records
  SPLIT activities that multiply quantities; a value over time must therefore use either
  (adjusted close x quantity adjusted to today's share count) or (as-traded close x quantity held
  that day), never adjusted closes with the ledger's own split multiplication (that counts the split
  twice). `domain.splits.as_traded` turns adjusted closes back into as-traded ones.
- What was asked of the providers is remembered as covered spans of days (a holiday or a day before
  a listing has no close but is covered): a second ask of a covered range costs no provider call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from assets.domain import problems
from assets.domain.instruments import AssetClass

ONE_DAY = timedelta(days=1)

# A series that trades every calendar day (crypto); the others trade Monday to Friday (a provider's
# history leaves holidays out by itself; the simulated feed knows no holidays).
EVERY_DAY_CLASSES = frozenset({AssetClass.CRYPTO})
# How far back and how wide a history may be asked for, and how far ahead of today `to` may lie
# (a client a time zone ahead of UTC, or asking "until the end of the week").
EARLIEST_DAY = date(1970, 1, 1)
MAX_RANGE_YEARS = 20
MAX_RANGE_DAYS = MAX_RANGE_YEARS * 366
MAX_DAYS_AHEAD = 7


def requested_span(start: date, end: date, today: date) -> DateSpan:
    """The days a client asked for, or a BAD_USER_INPUT error saying what is wrong with them."""
    if start > end:
        raise problems.range_reversed()
    if start < EARLIEST_DAY:
        raise problems.range_too_early(EARLIEST_DAY)
    if end > today + timedelta(days=MAX_DAYS_AHEAD):
        raise problems.range_in_the_future(MAX_DAYS_AHEAD)
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise problems.range_too_long(MAX_RANGE_YEARS)
    return DateSpan(start, end)


def final_days(span: DateSpan, today: date) -> DateSpan | None:
    """The days of `span` whose close is final: before today (UTC)."""
    return span.clipped(last=today - ONE_DAY)


def is_trading_day(day: date, every_day: bool) -> bool:
    return every_day or day.weekday() < 5


@dataclass(frozen=True, slots=True, order=True)
class DateSpan:
    """Every day from `first` to `last`, both included."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.first > self.last:
            raise ValueError("a span of days ends on or after its first day")

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def years(self) -> range:
        return range(self.first.year, self.last.year + 1)

    def clipped(self, first: date | None = None, last: date | None = None) -> DateSpan | None:
        """The part of this span between `first` and `last`; None when nothing is left."""
        start = max(self.first, first) if first is not None else self.first
        end = min(self.last, last) if last is not None else self.last
        return DateSpan(start, end) if start <= end else None

    def has_trading_day(self, every_day: bool) -> bool:
        if every_day or self.days >= 7:
            return True
        return any(is_trading_day(self.first + ONE_DAY * i, False) for i in range(self.days))


def merge_spans(spans: Iterable[DateSpan]) -> tuple[DateSpan, ...]:
    """The same days as fewest spans: overlapping and adjacent spans joined, in order."""
    merged: list[DateSpan] = []
    for span in sorted(spans):
        if merged and span.first <= merged[-1].last + ONE_DAY:
            if span.last > merged[-1].last:
                merged[-1] = DateSpan(merged[-1].first, span.last)
        else:
            merged.append(span)
    return tuple(merged)


def uncovered(span: DateSpan, covered: Sequence[DateSpan]) -> list[DateSpan]:
    """The parts of `span` that no span of `covered` (merged, in order) contains."""
    gaps: list[DateSpan] = []
    start = span.first
    for part in covered:
        if part.last < start:
            continue
        if part.first > span.last:
            break
        if part.first > start:
            gaps.append(DateSpan(start, part.first - ONE_DAY))
        start = max(start, part.last + ONE_DAY)
        if start > span.last:
            return gaps
    if start <= span.last:
        gaps.append(DateSpan(start, span.last))
    return gaps


INSTRUMENT_KIND = "CLOSES"
FX_KIND = "FX_CLOSES"


class SeriesKey(NamedTuple):
    """One stored series: an instrument's closes (`CLOSES`, its symbol) or an FX pair's daily rates
    (`FX_CLOSES`, "FROM#TO": 1 FROM = rate TO)."""

    kind: str
    code: str

    @classmethod
    def instrument(cls, symbol: str) -> SeriesKey:
        return cls(INSTRUMENT_KIND, symbol)

    @classmethod
    def fx(cls, from_currency: str, to_currency: str) -> SeriesKey:
        return cls(FX_KIND, f"{from_currency}#{to_currency}")

    @property
    def is_fx(self) -> bool:
        return self.kind == FX_KIND

    @property
    def pair(self) -> tuple[str, str]:
        """(FROM, TO) of an FX pair's series."""
        from_currency, _, to_currency = self.code.partition("#")
        return from_currency, to_currency


@dataclass(frozen=True, slots=True)
class DailyClose:
    """The close of one trading day (a unit price, or an FX pair's rate) and where it came from."""

    day: date
    close: Decimal
    source: str


@dataclass(frozen=True, slots=True)
class History:
    """The closes of one series over a range, oldest first. `complete` is False when some trading
    days of the range could not be asked of any provider (none supports the series, or it failed):
    those days are missing, never made up."""

    closes: tuple[DailyClose, ...]
    currency: str | None
    complete: bool


@dataclass(frozen=True, slots=True)
class StoredSeries:
    """What the table holds of one series over some years: closes by day and the covered spans."""

    key: SeriesKey
    closes: Mapping[date, DailyClose] = field(default_factory=dict)
    covered: tuple[DateSpan, ...] = ()  # merged, in order
    currency: str | None = None
    last_covered: date | None = None  # the latest day covered in any year (the refresh starts after it)
    # The revision of each year item as read (a year absent: never stored; 0: stored before revisions
    # were kept). A write is conditioned on it, so two writers of one year never lose each other's days.
    revisions: Mapping[int, int] = field(default_factory=dict)
    # The years changed since the series was read: the only year items written back.
    changed_years: frozenset[int] = frozenset()

    def gaps(self, span: DateSpan) -> list[DateSpan]:
        return uncovered(span, self.covered)

    def within(self, span: DateSpan) -> tuple[DailyClose, ...]:
        return tuple(
            sorted(
                (close for day, close in self.closes.items() if span.first <= day <= span.last),
                key=lambda close: close.day,
            )
        )

    def with_fetched(
        self, span: DateSpan, closes: Iterable[DailyClose], currency: str | None
    ) -> StoredSeries:
        """This series after a provider answered for `span`: its closes in the span, the span covered.
        A close outside the span is not what was asked: left out."""
        fetched = {close.day: close for close in closes if span.first <= close.day <= span.last}
        return replace(
            self,
            closes={**self.closes, **fetched},
            covered=merge_spans([*self.covered, span]),
            currency=self.currency or currency,
            last_covered=span.last if self.last_covered is None else max(self.last_covered, span.last),
            changed_years=self.changed_years | frozenset(span.years()),
        )

    def rebased_on(self, fresh: StoredSeries) -> StoredSeries:
        """This series' changes over what the table holds now (another writer stored the same years
        meanwhile): the closes and covered days of both, ours winning on the same day, and the fresh
        revisions, so that the write is conditioned on what was read last."""
        lasts = [day for day in (self.last_covered, fresh.last_covered) if day is not None]
        return replace(
            self,
            closes={**fresh.closes, **self.closes},
            covered=merge_spans([*fresh.covered, *self.covered]),
            currency=self.currency or fresh.currency,
            last_covered=max(lasts) if lasts else None,
            revisions=fresh.revisions,
        )


def history_of(series: StoredSeries, span: DateSpan | None, complete: bool) -> History:
    closes = series.within(span) if span is not None else ()
    return History(closes=closes, currency=series.currency, complete=complete)
