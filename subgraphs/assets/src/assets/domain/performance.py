"""Value over time and returns of a portfolio (DESIGN.md decision 13), from its timeline and the
stored daily closes and FX rates. Definitions: the header of the contract operation PortfolioPerformance.

- Value on a day: what was held at its end (the timeline's quantities, in the shares of that day)
  times each holding's last close on or before it, converted from the instrument's currency with
  that day's rate (the last on or before it), plus the cash balance when the portfolio records cash.
- Splits: stored closes are split-adjusted, the ledger's quantities are not; the quantity is
  restated in today's shares (times the ratios of the ledger's splits after the day) and valued at
  the adjusted close, which equals the as-traded close times the quantity held (`splits.as_traded`)
  and stays right when the close of a split's day is missing. The split is counted once.
- Trading days: days on which an instrument held that day (at its start or its end) has a close.
  Flows of other days (a deposit on a Saturday) count at the next point's close.
- A transfer of lots is a flow at their value at that day's close (the same valuation).
Everything is exact Decimal inside; money is rounded to the base currency's minor unit at the edge.
"""

from __future__ import annotations

import enum
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from kit.core.money import EXACT, RATIO, Amount, round_to_minor_unit

from assets.domain import returns
from assets.domain.daily_values import ONE_DAY, DailyValues, Market, PriceSeries, Valuer
from assets.domain.history import DateSpan
from assets.domain.timeline import DatedAmount, Timeline

ZERO = Decimal(0)
# Closes read before a portfolio's first day, so a holding bought on a day without a close (a
# weekend) is valued at the last one before it.
LOOKBACK = timedelta(days=10)


class Interval(enum.Enum):
    DAY = "DAY"
    WEEK = "WEEK"  # the last trading day of each ISO week
    MONTH = "MONTH"  # the last trading day of each month


@dataclass(frozen=True, slots=True)
class Point:
    """A day's close: value, cost of the valued holdings, external flows to date (base currency)."""

    day: date
    market_value: Amount
    cost_basis: Amount
    net_contributions: Amount


@dataclass(frozen=True, slots=True)
class Performance:
    start_value: Amount
    end_value: Amount
    net_contributions: Amount
    gain: Amount
    time_weighted_return: Decimal | None
    money_weighted_return: Decimal | None
    annualized_return: Decimal | None
    volatility: Decimal | None
    max_drawdown: Decimal
    benchmark_return: Decimal | None
    complete: bool
    daily_returns: tuple[Decimal, ...] = ()


@dataclass(frozen=True, slots=True)
class TimelinePortfolio:
    """A portfolio as its timeline tells it, in its base currency."""

    portfolio_id: str
    base_currency: str
    timeline: Timeline

    @property
    def symbols(self) -> frozenset[str]:
        return self.timeline.symbols

    def prices_needed(self, span: DateSpan) -> DateSpan | None:
        """The days of closes and rates the figures of `span` need: from just before the first
        activity (earlier flows and transfers count in netContributions) to `span`'s end."""
        first = self.timeline.first_day
        if first is None or first > span.last:
            return None
        return DateSpan(min(first - LOOKBACK, span.first - LOOKBACK), span.last)

    def daily_values(self, market: Market, span: DateSpan) -> DailyValues:
        """What both `history` and `performance` of `span` read, computed once: the values at the close
        of the day before it, of each trading day, and of its last day when after the last trading day."""
        valuer = Valuer(self.timeline, self.base_currency, market)
        days = valuer.trading_days(span)
        chain = list(days)
        if not chain or chain[-1] < span.last:
            chain.append(span.last)  # flows or changes after the last trading day close one more step
        flows, flows_complete = valuer.flows()
        return DailyValues(
            span, days, chain, valuer.values([span.first - ONE_DAY, *chain]), flows, flows_complete
        )

    def history(
        self, market: Market, span: DateSpan, interval: Interval, daily: DailyValues | None = None
    ) -> list[Point]:
        daily = daily if daily is not None else self.daily_values(market, span)
        on_trading_days = dict(zip(daily.trading_days, daily.valued[1:], strict=False))
        contributed = _Contributions(daily.flows)
        # Cost and contributions change on few days: an amount equal to the previous point's is that
        # point's Amount again (rounded once, and shown once: graphql.performance shares its Money).
        points: list[Point] = []
        cost, to_date = _Rounded(self.base_currency), _Rounded(self.base_currency)
        for day in _sampled(daily.trading_days, interval):
            valued = on_trading_days[day]
            points.append(
                Point(
                    day, self._money(valued.value), cost.of(valued.cost), to_date.of(contributed.to_date(day))
                )
            )
        return points

    def performance(
        self,
        market: Market,
        span: DateSpan,
        benchmark: PriceSeries | None,
        daily: DailyValues | None = None,
    ) -> Performance:
        daily = daily if daily is not None else self.daily_values(market, span)
        start_day = span.first - ONE_DAY
        days, chain, valued = daily.trading_days, daily.chain, daily.valued
        flows, flows_complete = daily.flows, daily.flows_complete
        in_period = [flow for flow in flows if span.first <= flow.on <= span.last]
        # Chained on the values and contributions as shown (rounded to the minor unit), so that the
        # DAY history alone reproduces every return: F = netContributions - the previous one.
        contributed = _Contributions(flows)
        chained: list[Decimal] = []
        previous, before = self._round(valued[0].value), contributed.rounded(start_day, self.base_currency)
        for at, (day, today) in enumerate(zip(chain, valued[1:], strict=True)):
            value, to_date = self._round(today.value), contributed.rounded(day, self.base_currency)
            flow = EXACT.subtract(to_date, before)
            if at >= len(days) and flow == 0 and value == previous:
                continue  # nothing happened after the last trading day
            r = returns.daily_return(value, flow, previous)
            if r is not None:
                chained.append(r)
            previous, before = value, to_date
        start, end = self._money(valued[0].value), self._money(valued[-1].value)
        # Contributions to date at the end less those at the start: what the history's points show.
        net_rounded = Amount(
            EXACT.subtract(
                contributed.rounded(span.last, self.base_currency),
                contributed.rounded(start_day, self.base_currency),
            ),
            self.base_currency,
        )
        twr = returns.time_weighted(chained)
        # The investor's side, as shown: paid in negative, received positive.
        investor = [(start_day, EXACT.minus(start.value))] if start.value else []
        investor += [(flow.on, EXACT.minus(self._round(flow.amount))) for flow in in_period]
        investor.append((span.last, end.value))
        return Performance(
            start_value=start,
            end_value=end,
            net_contributions=net_rounded,
            gain=Amount(
                EXACT.subtract(EXACT.subtract(end.value, start.value), net_rounded.value), self.base_currency
            ),
            time_weighted_return=twr,
            money_weighted_return=returns.money_weighted(investor),
            annualized_return=returns.annualized(twr, span.days),
            volatility=returns.volatility(chained),
            max_drawdown=returns.max_drawdown(chained),
            benchmark_return=_benchmark_return(benchmark, start_day, days[-1] if days else None),
            complete=flows_complete and all(day.complete for day in valued),
            daily_returns=tuple(chained),
        )

    def _money(self, value: Decimal) -> Amount:
        return Amount(self._round(value), self.base_currency)

    def _round(self, value: Decimal) -> Decimal:
        return round_to_minor_unit(value, self.base_currency)


class _Rounded:
    """The last exact amount of a series of points and its rounded Amount: an equal one is reused."""

    def __init__(self, currency: str) -> None:
        self._currency = currency
        self._exact: Decimal | None = None
        self._amount: Amount | None = None

    def of(self, exact: Decimal) -> Amount:
        if self._amount is None or exact != self._exact:
            self._exact = exact
            self._amount = Amount(round_to_minor_unit(exact, self._currency), self._currency)
        return self._amount


def _sampled(days: list[date], interval: Interval) -> list[date]:
    """Every trading day (DAY), or the last of each ISO week (WEEK) or month (MONTH)."""
    if interval is Interval.DAY:
        return days
    period = (lambda d: d.isocalendar()[:2]) if interval is Interval.WEEK else (lambda d: (d.year, d.month))
    return [
        day
        for day, after in zip(days, [*days[1:], None], strict=True)
        if after is None or period(after) != period(day)
    ]


class _Contributions:
    """External flows to date (inflows minus outflows), on any day."""

    def __init__(self, flows: Sequence[DatedAmount]) -> None:
        self._days = [flow.on for flow in flows]
        self._sums: list[Decimal] = []
        total = ZERO
        for flow in flows:
            total = EXACT.add(total, flow.amount)
            self._sums.append(total)

    def to_date(self, day: date) -> Decimal:
        at = bisect_right(self._days, day)
        return self._sums[at - 1] if at else ZERO

    def rounded(self, day: date, currency: str) -> Decimal:
        return round_to_minor_unit(self.to_date(day), currency)


def _benchmark_return(
    benchmark: PriceSeries | None, start_day: date, last_point: date | None
) -> Decimal | None:
    """The benchmark's close on the last point over its close on the start day, minus 1."""
    if benchmark is None or last_point is None:
        return None
    first, last = benchmark.on_or_before(start_day), benchmark.on_or_before(last_point)
    if first is None or last is None or first == 0:
        return None
    return RATIO.subtract(RATIO.divide(last, first), 1)
