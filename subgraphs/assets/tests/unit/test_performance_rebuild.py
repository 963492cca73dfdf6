"""The figures agree with an independent computation: on a portfolio of three instruments (one in euros,
one trading every day) with deposits, buys, sales, a withdrawal and a split over half a year, the test
rebuilds every value point as the sum of quantity x that day's close x that day's rate (to the cent),
and TWR, XIRR (by bisection), maximum drawdown and volatility from the returned daily points and the
recorded flows alone."""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal

import pytest
from assets.domain.history import DateSpan
from assets.domain.performance import Interval, Market, PriceSeries, TimelinePortfolio
from assets.domain.splits import Split
from assets.domain.timeline import DatedAmount, HeldStep, Timeline

D = Decimal
START = date(2025, 1, 1)
DAYS = [START + timedelta(days=i) for i in range(200)]
WEEKDAYS = [d for d in DAYS if d.weekday() < 5]
SPLIT_DAY = date(2025, 3, 3)


def walk(seed: int, days: list[date], start: str) -> dict[date, Decimal]:
    """A deterministic wobbly price path (no randomness: the test is reproducible)."""
    price, out = D(start), {}
    for i, day in enumerate(days):
        step = D(((i * seed) % 17) - 8) / D(400)
        price = (price * (1 + step)).quantize(D("0.0001"))
        out[day] = price
    return out


CLOSES = {
    "AAA": walk(7, WEEKDAYS, "100"),
    "EEE": walk(11, [d for d in WEEKDAYS if d.day != 15], "50"),  # some days without a close
    "BTC": walk(5, DAYS, "30000"),
}
EUR_PER_USD = walk(3, [d for d in WEEKDAYS if d.weekday() != 0], "0.9")
SPLITS = {"AAA": (Split(SPLIT_DAY, D(4)),)}
HELD = {  # (day, quantity at its end, cost); AAA in the ledger's shares (x4 from the split)
    "AAA": [(date(2025, 1, 6), "10", "1000"), (SPLIT_DAY, "40", "1000"), (date(2025, 4, 1), "25", "625")],
    "EEE": [(date(2025, 1, 20), "30", "1700.5"), (date(2025, 5, 2), "0", "0")],
    "BTC": [(date(2025, 2, 8), "0.05", "1500")],
}
CASH = [
    (date(2025, 1, 3), "10000"),
    (date(2025, 1, 6), "9000"),
    (date(2025, 1, 20), "7299.5"),
    (date(2025, 2, 8), "5799.5"),
    (date(2025, 4, 1), "6900"),
    (date(2025, 5, 2), "8400"),
    (date(2025, 5, 10), "6400"),
]
FLOWS = [(date(2025, 1, 3), "10000"), (date(2025, 5, 10), "-2000")]


def portfolio() -> TimelinePortfolio:
    timeline = Timeline(
        records_cash=True,
        positions={s: tuple(HeldStep(d, D(q), D(c)) for d, q, c in steps) for s, steps in HELD.items()},
        cash=tuple(DatedAmount(d, D(a)) for d, a in CASH),
        flows=tuple(DatedAmount(d, D(a)) for d, a in FLOWS),
        splits=SPLITS,
    )
    return TimelinePortfolio("p", "USD", timeline)


def market() -> Market:
    def of(closes: dict[date, Decimal], currency: str) -> PriceSeries:
        return PriceSeries(tuple(closes), tuple(closes.values()), currency)

    # Adjusted closes, as providers give them: AAA before the split divided by 4.
    adjusted = {d: (c / 4 if d < SPLIT_DAY else c) for d, c in CLOSES["AAA"].items()}
    return Market(
        closes={"AAA": of(adjusted, "USD"), "EEE": of(CLOSES["EEE"], "EUR"), "BTC": of(CLOSES["BTC"], "USD")},
        per_usd={"EUR": of(EUR_PER_USD, "EUR")},
    )


def last_on_or_before(values: dict[date, Decimal], day: date) -> Decimal:
    return values[max(d for d in values if d <= day)]


def held_on(symbol: str, day: date) -> Decimal:
    steps = [D(q) for d, q, _ in HELD[symbol] if d <= day]
    return steps[-1] if steps else D(0)


def expected_value(day: date) -> Decimal:
    """Quantity held x the as-traded close (the ledger's shares: no adjustment) x the rate, plus cash."""
    total = last_on_or_before({d: D(a) for d, a in CASH}, day)
    for symbol, closes in CLOSES.items():
        quantity = held_on(symbol, day)
        if quantity:
            price = last_on_or_before(closes, day)
            rate = 1 / last_on_or_before(EUR_PER_USD, day) if symbol == "EEE" else D(1)
            total += quantity * price * rate
    return total.quantize(D("0.01"))


SPAN = DateSpan(date(2025, 1, 15), date(2025, 6, 30))


def test_each_point_is_the_sum_of_quantities_times_closes_to_the_cent() -> None:
    points = portfolio().history(market(), SPAN, Interval.DAY)
    assert len(points) > 100
    for point in points:
        assert point.market_value.value == expected_value(point.day), point.day
    # Trading days: every day BTC is held (weekends too), weekdays before it.
    assert date(2025, 1, 18) not in [p.day for p in points] and date(2025, 2, 8) in [p.day for p in points]


def test_returns_rebuilt_from_the_points_and_the_flows() -> None:
    points = portfolio().history(market(), SPAN, Interval.DAY)
    result = portfolio().performance(market(), SPAN, None)
    assert result.complete
    assert result.end_value == points[-1].market_value
    assert result.start_value.value == expected_value(SPAN.first - timedelta(days=1))
    flows = [(d, D(a)) for d, a in FLOWS if SPAN.first <= d <= SPAN.last]
    assert result.net_contributions.value == sum(a for _, a in flows)
    assert (
        result.gain.value
        == result.end_value.value - result.start_value.value - result.net_contributions.value
    )

    # Daily returns: r = (V - F) / V_prev - 1, F the flows since the previous point.
    rebuilt: list[float] = []
    previous, previous_day = float(result.start_value.value), SPAN.first - timedelta(days=1)
    contributed = D("10000")  # the deposit before the period
    for point in points:
        flow = float(sum((a for d, a in flows if previous_day < d <= point.day), D(0)))
        assert flow == float(point.net_contributions.value) - float(contributed)
        contributed = point.net_contributions.value
        value = float(point.market_value.value)
        rebuilt.append((value - flow) / previous - 1)
        previous, previous_day = value, point.day
    assert len(rebuilt) == len(result.daily_returns)
    twr = math.prod(1 + r for r in rebuilt) - 1
    assert float(result.time_weighted_return) == pytest.approx(twr, abs=1e-12)
    calendar_days = (SPAN.last - SPAN.first).days + 1
    assert float(result.annualized_return) == pytest.approx((1 + twr) ** (365 / calendar_days) - 1, abs=1e-12)

    mean = sum(rebuilt) / len(rebuilt)
    stdev = math.sqrt(sum((r - mean) ** 2 for r in rebuilt) / (len(rebuilt) - 1))
    assert float(result.volatility) == pytest.approx(stdev * math.sqrt(252), abs=1e-12)

    level, peak, deepest = 1.0, 1.0, 0.0
    for r in rebuilt:
        level *= 1 + r
        peak = max(peak, level)
        deepest = min(deepest, level / peak - 1)
    assert deepest < 0
    assert float(result.max_drawdown) == pytest.approx(deepest, abs=1e-12)

    # XIRR by bisection: the rate at which the dated flows' net present value is 0 (Actual/365).
    investor = [(SPAN.first - timedelta(days=1), -float(result.start_value.value))]
    investor += [(d, -float(a)) for d, a in flows]
    investor.append((SPAN.last, float(result.end_value.value)))

    def npv(rate: float) -> float:
        return sum(a / (1 + rate) ** ((d - investor[0][0]).days / 365) for d, a in investor)

    low, high = -0.99, 10.0
    assert npv(low) * npv(high) < 0
    for _ in range(200):
        middle = (low + high) / 2
        low, high = (middle, high) if npv(low) * npv(middle) > 0 else (low, middle)
    assert float(result.money_weighted_return) == pytest.approx(low, abs=1e-7)


def test_a_period_that_starts_before_the_first_activity_starts_at_zero() -> None:
    result = portfolio().performance(market(), DateSpan(date(2024, 12, 1), date(2025, 1, 31)), None)
    assert result.start_value.value == 0
    assert result.net_contributions.value == D("10000.00")
