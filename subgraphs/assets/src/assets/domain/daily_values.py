"""A portfolio's values on a span of days against the stored closes and FX rates (DESIGN.md decision
13): what `domain.performance` turns into a history and returns. The definitions are in its docstring.

Each series (holdings, closes, rates, splits, cash) is walked once alongside the sorted days, not
searched per day: a five-year DAY chart of twenty holdings is some 35,000 (day, holding) pairs.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import TypeVar

from kit.core.money import EXACT, RATIO

from assets.domain.fx import PIVOT
from assets.domain.history import DateSpan, History
from assets.domain.timeline import DatedAmount, Timeline

ZERO = Decimal(0)
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class PriceSeries:
    """Closes (or units per US dollar) of one series, oldest first, in `currency`."""

    days: tuple[date, ...] = ()
    values: tuple[Decimal, ...] = ()
    currency: str | None = None
    complete: bool = True

    @classmethod
    def of(cls, history: History, currency: str | None = None) -> PriceSeries:
        return cls(
            tuple(c.day for c in history.closes),
            tuple(c.close for c in history.closes),
            history.currency or currency,
            history.complete,
        )

    def on_or_before(self, day: date) -> Decimal | None:
        at = bisect_right(self.days, day)
        return self.values[at - 1] if at else None


@dataclass(frozen=True, slots=True)
class Market:
    """Split-adjusted closes by symbol and units per US dollar by currency (USD is 1)."""

    closes: Mapping[str, PriceSeries] = field(default_factory=dict)
    per_usd: Mapping[str, PriceSeries] = field(default_factory=dict)

    def rate(self, from_currency: str, to_currency: str, day: date) -> Decimal | None:
        """1 from_currency = rate to_currency on `day` (the last rates on or before it)."""
        if from_currency == to_currency:
            return Decimal(1)
        units = [self._units(code, day) for code in (from_currency, to_currency)]
        if units[0] is None or units[1] is None or units[0] == 0:
            return None
        return RATIO.divide(units[1], units[0])

    def rates_complete(self, from_currency: str, to_currency: str) -> bool:
        """Whether the rates between the two come from complete series: a rate carried over a gap in
        an incomplete one is a guess, and a figure built on it must say so."""
        if from_currency == to_currency:
            return True
        return all(
            code == PIVOT or (code in self.per_usd and self.per_usd[code].complete)
            for code in (from_currency, to_currency)
        )

    def _units(self, currency: str, day: date) -> Decimal | None:
        if currency == PIVOT:
            return Decimal(1)
        series = self.per_usd.get(currency)
        return None if series is None else series.on_or_before(day)


@dataclass(frozen=True, slots=True)
class DayValue:
    """A portfolio at the close of one day, exact: its value, the cost of what was valued, and False when
    a holding had no close or rate or a close from an incomplete history."""

    value: Decimal
    cost: Decimal
    complete: bool


class Valuer:
    """One portfolio's timeline against one market: values on any days, flows with transfers valued."""

    def __init__(self, timeline: Timeline, base_currency: str, market: Market) -> None:
        self.timeline = timeline
        self.base = base_currency
        self.market = market
        self._split_days = {s: [split.day for split in found] for s, found in timeline.splits.items()}

    def unit_value(self, symbol: str, day: date) -> Decimal | None:
        """A share of `symbol` held at the end of `day` (in that day's shares), in base currency."""
        series = self.market.closes.get(symbol)
        close = series.on_or_before(day) if series is not None else None
        if series is None or close is None or series.currency is None:
            return None
        rate = self.market.rate(series.currency, self.base, day)
        if rate is None:
            return None
        return self._restated(symbol, close, bisect_right(self._split_days.get(symbol, ()), day), rate)

    def _restated(self, symbol: str, close: Decimal, splits_before: int, rate: Decimal) -> Decimal:
        """The close in the shares of a day after `splits_before` of the symbol's splits, times `rate`."""
        restated = close
        for split in self.timeline.splits.get(symbol, ())[splits_before:]:
            restated = EXACT.multiply(restated, split.ratio)
        return EXACT.multiply(restated, rate)

    def trading_days(self, span: DateSpan) -> list[date]:
        found: set[date] = set()
        for symbol, steps in self.timeline.positions.items():
            series = self.market.closes.get(symbol)
            if series is None:
                continue
            start, end = bisect_left(series.days, span.first), bisect_right(series.days, span.last)
            days = series.days[start:end]
            changed, quantities = [step.on for step in steps], [step.quantity for step in steps]
            held = _as_of(days, changed, quantities, ZERO)
            held_before = _as_of(days, changed, quantities, ZERO, before=True)  # at the day before's end
            found.update(
                day for day, q, before in zip(days, held, held_before, strict=True) if q > 0 or before > 0
            )
        return sorted(found)

    def values(self, days: Sequence[date]) -> list[DayValue]:
        """The value of each of `days` (oldest first): one walk along each series, no search per day."""
        if any(later < earlier for earlier, later in pairwise(days)):
            raise ValueError("values are computed for days oldest first")
        if self.timeline.records_cash:
            cash = self.timeline.cash
            totals = _as_of(days, [entry.on for entry in cash], [entry.amount for entry in cash], ZERO)
        else:
            totals = [ZERO] * len(days)
        costs = [ZERO] * len(days)
        complete = [True] * len(days)
        rates: dict[str, list[Decimal | None]] = {}
        add, multiply = EXACT.add, EXACT.multiply  # bound once: called per holding and day
        for symbol, steps in self.timeline.positions.items():
            series = self.market.closes.get(symbol)
            trusted = (
                series is not None
                and series.complete
                and (series.currency is None or self.market.rates_complete(series.currency, self.base))
            )
            held = _as_of(days, [step.on for step in steps], list(steps), None)
            if series is None or series.currency is None:
                closes: list[Decimal | None] = [None] * len(days)
                rate_on: list[Decimal | None] = closes
            else:
                closes = _as_of(days, series.days, series.values, None)
                if series.currency not in rates:
                    rates[series.currency] = [self.market.rate(series.currency, self.base, d) for d in days]
                rate_on = rates[series.currency]
            split_days = self._split_days.get(symbol, ())
            splits_before = _as_of(days, split_days, range(1, len(split_days) + 1), 0)
            every_split = len(split_days)
            # A close in the base currency is its own value (x times a rate of exactly 1 is x, digit for
            # digit), so only another currency's close is multiplied.
            same_currency = series is not None and series.currency == self.base
            for i, step in enumerate(held):
                if step is None or not step.quantity:
                    continue
                close, rate = closes[i], rate_on[i]
                if close is None or rate is None:
                    complete[i] = False
                    continue
                if splits_before[i] != every_split:
                    unit = self._restated(symbol, close, splits_before[i], rate)
                elif same_currency:  # in today's shares already: nothing to restate, nothing to convert
                    unit = close
                else:
                    unit = multiply(close, rate)
                totals[i] = add(totals[i], multiply(step.quantity, unit))
                costs[i] = add(costs[i], step.cost)
                if not trusted:
                    complete[i] = False
        return [DayValue(*row) for row in zip(totals, costs, complete, strict=True)]

    def flows(self) -> tuple[list[DatedAmount], bool]:
        """Every external flow, oldest first, transfers valued at their day's close; False when a
        transfer could not be valued (it then counts 0, as its lots count nothing in the value)."""
        found = list(self.timeline.flows)
        complete = True
        for transfer in self.timeline.transfers:
            unit = self.unit_value(transfer.symbol, transfer.on)
            if unit is None:
                complete = False
                continue
            value = EXACT.multiply(transfer.quantity, unit)
            found.append(DatedAmount(transfer.on, value if transfer.inflow else EXACT.minus(value)))
        found.sort(key=lambda flow: flow.on)
        return found, complete


_Value = TypeVar("_Value")
_Default = TypeVar("_Default")


def _as_of(
    days: Sequence[date],
    keys: Sequence[date],
    values: Sequence[_Value],
    default: _Default,
    *,
    before: bool = False,
) -> list[_Value | _Default]:
    """For each of `days` (oldest first), the value of the last key on or before it (`keys` oldest
    first), else `default`: a merge of the two sorted lists, in place of a search per day. With
    `before`, the last key before it: the value at the end of the day before."""
    found: list[_Value | _Default] = []
    current: _Value | _Default = default
    at, count = 0, len(keys)
    if before:
        for day in days:
            while at < count and keys[at] < day:
                current = values[at]
                at += 1
            found.append(current)
        return found
    for day in days:
        while at < count and keys[at] <= day:
            current = values[at]
            at += 1
        found.append(current)
    return found


@dataclass(frozen=True, slots=True)
class DailyValues:
    """One portfolio's values over `span`: `valued` is aligned with [the day before it, *chain], `chain`
    is its trading days plus its last day when something may have happened after them."""

    span: DateSpan
    trading_days: list[date]
    chain: list[date]
    valued: list[DayValue]
    flows: list[DatedAmount]
    flows_complete: bool
