"""`Portfolio.history` and `Portfolio.performance` (contract operation PortfolioPerformance; DESIGN.md
decision 13): value over time and returns, computed where prices live from the timeline the router
sends (`@requires`). Money is rounded half-even to the base currency's minor unit (`Money.amount_of`);
returns are fractions shown with at most 10 decimal places (`unit_price`), the money-weighted return
with at most 8 (see its description)."""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import date
from typing import Annotated, Protocol

import strawberry
from kit.core.money import Amount, unit_price
from kit.core.text import TextKind, text_argument
from kit.graphql.cost import assumed
from kit.graphql.types import Decimal, Money

from assets.domain import performance as domain
from assets.domain import problems
from assets.domain.instruments import normalize_symbol
from assets.graphql.context import AssetsContext
from assets.services.performance import HistoryAsk, PerformanceAsk


class WithTimeline(Protocol):
    """The Portfolio entity (graphql/valuation.py) with the timeline of its representation."""

    def timeline_portfolio(self) -> domain.TimelinePortfolio | None: ...


From = Annotated[date, strawberry.argument(name="from", description="The first day, inclusive.")]
To = Annotated[date, strawberry.argument(description="The last day, inclusive (at most 7 days after today).")]

# @listSize of a history: five years of daily points (crypto trades every day), the longest chart a
# screen usually asks for; a longer range is still answered whole (up to 20 years).
HISTORY_SIZE = assumed(5 * 366)


@strawberry.enum(name="HistoryInterval", description="How often a history has a point.")
class HistoryInterval(enum.Enum):
    DAY = strawberry.enum_value("DAY", description="Every trading day.")
    WEEK = strawberry.enum_value("WEEK", description="The last trading day of each ISO week.")
    MONTH = strawberry.enum_value("MONTH", description="The last trading day of each month.")


@strawberry.type(
    name="PortfolioHistoryPoint",
    description="A portfolio at the close of one trading day (a day on which an instrument it held that "
    "day has a close), in its base currency, rounded half-even to its minor unit.",
)
class PortfolioHistoryPoint:
    date: date
    market_value: Money = strawberry.field(
        description="What was held at the day's end times each holding's close of that day (a holding "
        "without one: its last earlier close; split-adjusted closes times the quantity restated in "
        "today's shares, so a split counts once), converted with that day's FX rate, plus the cash "
        "balance when the portfolio records cash. A holding without any close or rate counts nothing."
    )
    cost_basis: Money = strawberry.field(description="The cost of the holdings valued in marketValue.")
    net_contributions: Money = strawberry.field(
        description="External flows to date, inflows minus outflows (transfers of lots at their value at "
        "the close of their day)."
    )

    @classmethod
    def from_domain(
        cls, point: domain.Point, money: Callable[[Amount], Money] = Money.amount_of
    ) -> PortfolioHistoryPoint:
        return cls(
            date=point.day,
            market_value=money(point.market_value),
            cost_basis=money(point.cost_basis),
            net_contributions=money(point.net_contributions),
        )

    @classmethod
    def all_from_domain(cls, points: list[domain.Point]) -> list[PortfolioHistoryPoint]:
        """Every point; an Amount several points share (the domain reuses an unchanged cost or
        contributions) is shown as one Money (never changed after it is made)."""
        shown: dict[int, Money] = {}  # by the id of an Amount alive in `points`

        def money(amount: Amount) -> Money:
            found = shown.get(id(amount))
            if found is None:
                found = shown[id(amount)] = Money.amount_of(amount)
            return found

        return [cls.from_domain(point, money) for point in points]


def _fraction(value: Decimal | None) -> Decimal | None:
    return None if value is None else unit_price(value)


@strawberry.type(
    name="PortfolioPerformance",
    description="How a portfolio did from `from` to `to`, in its base currency; the definitions are those "
    "of the operation PortfolioPerformance. Returns are fractions (0.125 is 12.5%) with at most 10 "
    "decimal places, computed from the values and contributions as the DAY history shows them "
    "(rounded to the minor unit), so that a spreadsheet reproduces them.",
)
class PortfolioPerformance:
    start_value: Money = strawberry.field(
        description="The value at the close of the day before `from` (0 before the first activity)."
    )
    end_value: Money = strawberry.field(
        description="The value at the close of `to`: the last point's marketValue unless something "
        "happened after the last trading day."
    )
    net_contributions: Money = strawberry.field(
        description="External flows from `from` to `to`, inflows minus outflows: the contributions to "
        "date at `to` less those at the day before `from`."
    )
    gain: Money = strawberry.field(description="endValue - startValue - netContributions.")
    time_weighted_return: Decimal | None = strawberry.field(
        description="The product of (1 + r) over the trading days of the period, minus 1, where "
        "r = (V - F) / V_prev - 1, F the flows since the previous trading day (counted at this close); "
        "a day after a zero value has no return; `to` closes one more step when something happened "
        "after the last trading day. Null when no day has a return."
    )
    money_weighted_return: Decimal | None = strawberry.field(
        description="The annualized internal rate of return (XIRR, Actual/365) of -startValue at the day "
        "before `from`, each flow (inflows negative) on its day and +endValue at `to`. Solved by the "
        "pyxirr library in binary floating point: at most 8 decimal places. Null when there is no rate."
    )
    annualized_return: Decimal | None = strawberry.field(
        description="(1 + timeWeightedReturn)^(365 / D) - 1, D the calendar days from `from` to `to` "
        "inclusive; null without a TWR or when 1 + TWR is not positive."
    )
    volatility: Decimal | None = strawberry.field(
        description="The sample standard deviation of the daily returns times sqrt(252); null below two."
    )
    max_drawdown: Decimal = strawberry.field(
        description="The deepest fall of the TWR index (1 before the first day) below its running peak: "
        "a negative fraction, or 0."
    )
    benchmark_return: Decimal | None = strawberry.field(
        description="The benchmark's close on the last trading day of the period over its close on the "
        "day before `from` (the last on or before each), minus 1, in its own currency (split-adjusted "
        "closes); null without a benchmark or either close."
    )
    complete: bool = strawberry.field(
        description="False when some holding had no close at all on or before some day, or no FX rate, "
        "or its stored history has days no provider answered for (then the figures cover what was priced)."
    )

    @classmethod
    def from_domain(cls, result: domain.Performance) -> PortfolioPerformance:
        return cls(
            start_value=Money.amount_of(result.start_value),
            end_value=Money.amount_of(result.end_value),
            net_contributions=Money.amount_of(result.net_contributions),
            gain=Money.amount_of(result.gain),
            time_weighted_return=_fraction(result.time_weighted_return),
            money_weighted_return=_fraction(result.money_weighted_return),
            annualized_return=_fraction(result.annualized_return),
            volatility=_fraction(result.volatility),
            max_drawdown=unit_price(result.max_drawdown),
            benchmark_return=_fraction(result.benchmark_return),
            complete=result.complete,
        )


async def history(
    root: WithTimeline,
    info: strawberry.Info[AssetsContext, None],
    from_: From,
    to: To,
    interval: HistoryInterval,
) -> list[PortfolioHistoryPoint] | None:
    span = info.context.service.history.requested(from_, to)
    portfolio = root.timeline_portfolio()
    if portfolio is None:
        return None
    points = await info.context.performance.load(HistoryAsk(portfolio, span, domain.Interval(interval.value)))
    assert isinstance(points, list)
    return PortfolioHistoryPoint.all_from_domain(points)


async def performance(
    root: WithTimeline,
    info: strawberry.Info[AssetsContext, None],
    from_: From,
    to: To,
    benchmark: Annotated[
        str | None, strawberry.argument(description="A symbol whose return over the same days to compare.")
    ] = None,
) -> PortfolioPerformance | None:
    span = info.context.service.history.requested(from_, to)
    symbol = None
    if benchmark is not None:
        symbol = normalize_symbol(text_argument(benchmark, TextKind.CODE, "benchmark"))
        if symbol is None:
            raise problems.bad_benchmark()
    portfolio = root.timeline_portfolio()
    if portfolio is None:
        return None
    result = await info.context.performance.load(PerformanceAsk(portfolio, span, symbol))
    assert isinstance(result, domain.Performance)
    return PortfolioPerformance.from_domain(result)
