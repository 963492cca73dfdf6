"""Returns and risk of a value series (definitions: the contract operation PortfolioPerformance).

Every figure is a fraction (0.125 is 12.5%), computed in Decimal; only the money-weighted return goes
through a solver in binary floating point (pyxirr), converted at that boundary alone.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

import pyxirr
from kit.core.money import RATIO

ONE = Decimal(1)
TRADING_DAYS_PER_YEAR = Decimal(252)
# What a float solver's answer is good for: its own tolerance is about 1e-10.
XIRR_PLACES = Decimal("1e-8")


def daily_return(value: Decimal, flow: Decimal, previous: Decimal) -> Decimal | None:
    """r = (V - F) / V_prev - 1; a day after a zero value has no return."""
    if previous == 0:
        return None
    return RATIO.subtract(RATIO.divide(RATIO.subtract(value, flow), previous), ONE)


def index_of(returns: Sequence[Decimal]) -> list[Decimal]:
    """The TWR index after each return, starting from 1 before the first."""
    index = [ONE]
    for r in returns:
        index.append(RATIO.multiply(index[-1], RATIO.add(ONE, r)))
    return index


def time_weighted(returns: Sequence[Decimal]) -> Decimal | None:
    """The product of (1 + r), minus 1; None without any return."""
    return RATIO.subtract(index_of(returns)[-1], ONE) if returns else None


def annualized(twr: Decimal | None, calendar_days: int) -> Decimal | None:
    """(1 + TWR)^(365 / D) - 1; None without a TWR or when the growth is not positive (no real root)."""
    if twr is None or calendar_days <= 0:
        return None
    growth = RATIO.add(ONE, twr)
    if growth <= 0:
        return None
    return RATIO.subtract(RATIO.power(growth, RATIO.divide(365, calendar_days)), ONE)


def volatility(returns: Sequence[Decimal]) -> Decimal | None:
    """The sample standard deviation of the daily returns times sqrt(252); None below two returns."""
    if len(returns) < 2:
        return None
    return RATIO.multiply(statistics.stdev(returns), RATIO.sqrt(TRADING_DAYS_PER_YEAR))


def max_drawdown(returns: Sequence[Decimal]) -> Decimal:
    """The deepest fall of the TWR index below its running peak: a negative fraction, or 0."""
    deepest = Decimal(0)
    peak = ONE
    for level in index_of(returns):
        peak = max(peak, level)
        if peak > 0:
            deepest = min(deepest, RATIO.subtract(RATIO.divide(level, peak), ONE))
    return deepest


def money_weighted(cash_flows: Sequence[tuple[date, Decimal]]) -> Decimal | None:
    """XIRR (Actual/365) of the investor's dated cash flows (paid in negative, received positive);
    None when they have no rate (all of one sign, or the solver finds none). pyxirr works in floats:
    the amounts become floats here and its answer a Decimal rounded to 8 places, nowhere else."""
    if not any(amount > 0 for _, amount in cash_flows) or not any(amount < 0 for _, amount in cash_flows):
        return None
    return _solved(pyxirr_answer([day for day, _ in cash_flows], [sent for _, sent in cash_flows]))


def pyxirr_answer(days: Sequence[date], sent: Sequence[Decimal]) -> object:
    """The one place a Decimal becomes a float: pyxirr's Rust solver takes and returns floats."""
    try:
        return pyxirr.xirr(days, [float(each) for each in sent], silent=True)
    except (ValueError, OverflowError, pyxirr.InvalidPaymentsError):
        return None


def _solved(answer: object) -> Decimal | None:
    """pyxirr's answer as a Decimal of `XIRR_PLACES` (from its shortest repr: no binary noise)."""
    if not isinstance(answer, float) or not math.isfinite(answer):
        return None
    try:
        return Decimal(repr(answer)).quantize(XIRR_PLACES, context=RATIO)
    except InvalidOperation:  # beyond 28 digits: no meaningful rate
        return None
