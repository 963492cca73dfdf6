"""Value over time and returns on small portfolios computed by hand: a cash portfolio that deposits and
buys, one without cash (every activity a flow), a split counted once, a transfer valued at its day's
close, a holding without any close (complete false), and an instrument in another currency."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from assets.domain.history import DailyClose, DateSpan
from assets.domain.performance import Interval, Market, PriceSeries, TimelinePortfolio
from assets.domain.splits import Split, as_traded
from assets.domain.timeline import DatedAmount, HeldStep, Timeline, Transfer

D = Decimal
MON, TUE, WED, THU, FRI = (date(2025, 1, d) for d in (6, 7, 8, 9, 10))
SAT, NEXT_MON = date(2025, 1, 11), date(2025, 1, 13)
WEEK = DateSpan(MON, date(2025, 1, 12))


def series(closes: dict[date, str], currency: str = "USD") -> PriceSeries:
    days = sorted(closes)
    return PriceSeries(tuple(days), tuple(D(closes[d]) for d in days), currency)


def amounts(points: list) -> list[tuple[date, str, str, str]]:
    return [
        (p.day, str(p.market_value.value), str(p.cost_basis.value), str(p.net_contributions.value))
        for p in points
    ]


AAA = series({MON: "99", TUE: "100", WED: "110", THU: "105", FRI: "120", NEXT_MON: "121"})


def test_a_cash_portfolio_that_deposits_then_buys() -> None:
    # Monday: deposit 5000 (nothing held: no point). Tuesday: buy 10 AAA at 100 (cash 4000).
    timeline = Timeline(
        records_cash=True,
        positions={"AAA": (HeldStep(TUE, D(10), D(1000)),)},
        cash=(DatedAmount(MON, D(5000)), DatedAmount(TUE, D(4000))),
        flows=(DatedAmount(MON, D(5000)),),
    )
    portfolio = TimelinePortfolio("p", "USD", timeline)
    market = Market(closes={"AAA": AAA})
    assert amounts(portfolio.history(market, WEEK, Interval.DAY)) == [
        (TUE, "5000.00", "1000.00", "5000.00"),
        (WED, "5100.00", "1000.00", "5000.00"),
        (THU, "5050.00", "1000.00", "5000.00"),
        (FRI, "5200.00", "1000.00", "5000.00"),
    ]
    result = portfolio.performance(market, WEEK, AAA)
    assert (result.start_value.value, result.end_value.value) == (D("0.00"), D("5200.00"))
    assert (result.net_contributions.value, result.gain.value) == (D("5000.00"), D("200.00"))
    # Tuesday has no return (the day before was worth 0); then 5100/5000, 5050/5100, 5200/5050.
    assert result.daily_returns == (D("0.02"), D(5050) / D(5100) - 1, D(5200) / D(5050) - 1)
    assert abs(result.time_weighted_return - D("0.04")) < D("1e-25")
    assert result.complete
    assert result.benchmark_return is None  # AAA has no close on or before the start (Jan 5)


def test_a_portfolio_without_cash_counts_every_cash_effect_as_a_flow() -> None:
    # Tuesday: buy 10 at 100 with a fee of 1 (1001 flows in). Thursday: sell 5 at 105 less 1 (524 out).
    timeline = Timeline(
        positions={"AAA": (HeldStep(TUE, D(10), D(1001)), HeldStep(THU, D(5), D("500.5")))},
        flows=(DatedAmount(TUE, D(1001)), DatedAmount(THU, D(-524))),
    )
    portfolio = TimelinePortfolio("p", "USD", timeline)
    market = Market(closes={"AAA": AAA})
    assert amounts(portfolio.history(market, WEEK, Interval.DAY)) == [
        (TUE, "1000.00", "1001.00", "1001.00"),
        (WED, "1100.00", "1001.00", "1001.00"),
        (THU, "525.00", "500.50", "477.00"),
        (FRI, "600.00", "500.50", "477.00"),
    ]
    result = portfolio.performance(market, WEEK, None)
    # Wednesday 1100/1000; Thursday (525 + 524)/1100; Friday 600/525.
    expected = [D("0.1"), D(1049) / D(1100) - 1, D(600) / D(525) - 1]
    assert list(result.daily_returns) == expected
    assert result.gain.value == D("600.00") - D("477.00")
    assert result.max_drawdown == D(1049) / D(1100) - 1


def test_a_split_is_counted_once() -> None:
    # 10 shares held; a 2-for-1 split on Wednesday: the ledger holds 20 from then on. The provider's
    # closes are adjusted: 50 before (100 as traded), 55 after.
    adjusted = series({TUE: "50", WED: "55", THU: "56"})
    timeline = Timeline(
        positions={"AAA": (HeldStep(TUE, D(10), D(1000)), HeldStep(WED, D(20), D(1000)))},
        flows=(DatedAmount(TUE, D(1000)),),
        splits={"AAA": (Split(WED, D(2)),)},
    )
    portfolio = TimelinePortfolio("p", "USD", timeline)
    points = portfolio.history(Market(closes={"AAA": adjusted}), WEEK, Interval.DAY)
    assert [p.market_value.value for p in points] == [D("1000.00"), D("1100.00"), D("1120.00")]
    traded = as_traded(
        [DailyClose(d, c, "t") for d, c in zip(adjusted.days, adjusted.values, strict=True)],
        [Split(WED, D(2))],
    )
    held = {TUE: D(10), WED: D(20), THU: D(20)}
    assert [p.market_value.value for p in points] == [held[c.day] * c.close for c in traded]
    # The split's day without a close: Wednesday is valued at Tuesday's close, restated, not doubled.
    gap = series({TUE: "50", THU: "56"})
    market = Market(closes={"AAA": gap})
    assert [p.market_value.value for p in portfolio.history(market, WEEK, Interval.DAY)] == [
        D("1000.00"),
        D("1120.00"),
    ]
    assert portfolio.performance(market, WEEK, None).daily_returns == (D("0.12"),)


def test_a_transfer_is_a_flow_at_its_day_close() -> None:
    # 10 held since Monday; 5 more come in on Wednesday (an inflow of 5 x 110), 3 leave on Friday.
    timeline = Timeline(
        positions={
            "AAA": (
                HeldStep(MON, D(10), D(990)),
                HeldStep(WED, D(15), D(1490)),
                HeldStep(FRI, D(12), D(1190)),
            )
        },
        flows=(DatedAmount(MON, D(990)),),
        transfers=(Transfer(WED, "AAA", D(5), True), Transfer(FRI, "AAA", D(3), False)),
    )
    portfolio = TimelinePortfolio("p", "USD", timeline)
    market = Market(closes={"AAA": AAA})
    points = portfolio.history(market, DateSpan(TUE, FRI), Interval.DAY)
    assert [p.net_contributions.value for p in points] == [
        D("990.00"),
        D("1540.00"),
        D("1540.00"),
        D("1180.00"),
    ]
    result = portfolio.performance(market, DateSpan(TUE, FRI), None)
    assert result.start_value.value == D("990.00")  # Monday's close
    assert result.net_contributions.value == D("550") - D("360")
    # Wednesday: (1650 - 550) / 1000 - 1 = the price's own 10%: the transfer is no gain.
    assert result.daily_returns[1] == D("0.1")
    assert result.daily_returns[3] == (D(1440) + D(360)) / D(1575) - 1


def test_a_holding_without_any_close_leaves_the_figures_incomplete() -> None:
    timeline = Timeline(
        positions={"AAA": (HeldStep(TUE, D(1), D(100)),), "NOPE": (HeldStep(TUE, D(1), D(7)),)},
        flows=(DatedAmount(TUE, D(107)),),
    )
    portfolio = TimelinePortfolio("p", "USD", timeline)
    market = Market(closes={"AAA": AAA})
    result = portfolio.performance(market, WEEK, None)
    assert not result.complete
    assert result.end_value.value == D("120.00")  # what was priced
    points = portfolio.history(market, WEEK, Interval.DAY)
    assert [p.cost_basis.value for p in points][-1] == D("100.00")  # the cost of what was valued
    priced = portfolio.performance(Market(closes={"AAA": AAA, "NOPE": series({MON: "7"})}), WEEK, None)
    assert priced.complete  # an earlier close values a holding on later days


def test_an_instrument_in_another_currency_converts_at_each_day_rate() -> None:
    # 10 EUR shares in a USD portfolio; EUR per USD 0.9 on Tuesday, 0.8 from Thursday (Wednesday: none).
    closes = series({TUE: "100", WED: "100", THU: "100"}, "EUR")
    rates = series({TUE: "0.9", THU: "0.8"}, "EUR")
    timeline = Timeline(
        positions={"EEE": (HeldStep(TUE, D(10), D(1100)),)}, flows=(DatedAmount(TUE, D(1100)),)
    )
    portfolio = TimelinePortfolio("p", "USD", timeline)
    points = portfolio.history(Market(closes={"EEE": closes}, per_usd={"EUR": rates}), WEEK, Interval.DAY)
    one_eur_tue = D(1) / D("0.9")
    assert [p.market_value.value for p in points] == [
        (10 * 100 * one_eur_tue).quantize(D("0.01")),
        (10 * 100 * one_eur_tue).quantize(D("0.01")),  # the last rate on or before
        D("1250.00"),
    ]
    without_rates = portfolio.performance(Market(closes={"EEE": closes}), WEEK, None)
    assert not without_rates.complete and without_rates.end_value.value == 0
    assert portfolio.performance(Market(closes={"EEE": closes}, per_usd={"EUR": rates}), WEEK, None).complete


def test_a_rate_carried_over_a_gap_of_an_incomplete_fx_series_leaves_the_figures_incomplete() -> None:
    closes = series({TUE: "100", WED: "100", THU: "100"}, "EUR")
    # No provider answered Wednesday's and Thursday's EUR rates: Tuesday's is carried, a guess.
    gappy = replace(series({TUE: "0.9"}, "EUR"), complete=False)
    timeline = Timeline(
        positions={"EEE": (HeldStep(TUE, D(10), D(1100)),)}, flows=(DatedAmount(TUE, D(1100)),)
    )
    portfolio = TimelinePortfolio("p", "USD", timeline)
    result = portfolio.performance(Market(closes={"EEE": closes}, per_usd={"EUR": gappy}), WEEK, None)
    assert result.end_value.value == (10 * 100 * D(1) / D("0.9")).quantize(D("0.01"))  # still shown
    assert not result.complete  # but not claimed complete


def test_week_and_month_take_the_last_trading_day_of_each() -> None:
    timeline = Timeline(positions={"AAA": (HeldStep(MON, D(1), D(99)),)}, flows=(DatedAmount(MON, D(99)),))
    portfolio = TimelinePortfolio("p", "USD", timeline)
    market = Market(closes={"AAA": AAA})
    span = DateSpan(MON, NEXT_MON)
    assert [p.day for p in portfolio.history(market, span, Interval.WEEK)] == [FRI, NEXT_MON]
    monthly = series(
        {date(2025, 1, 30): "1", date(2025, 1, 31): "2", date(2025, 2, 3): "3", date(2025, 2, 4): "4"}
    )
    later = portfolio.history(
        Market(closes={"AAA": monthly}), DateSpan(MON, date(2025, 2, 28)), Interval.MONTH
    )
    assert [p.day for p in later] == [date(2025, 1, 31), date(2025, 2, 4)]
    assert SAT not in [p.day for p in portfolio.history(market, span, Interval.DAY)]


def test_the_benchmark_runs_from_the_close_before_the_period_to_the_last_point() -> None:
    timeline = Timeline(positions={"AAA": (HeldStep(MON, D(1), D(99)),)}, flows=(DatedAmount(MON, D(99)),))
    portfolio = TimelinePortfolio("p", "USD", timeline)
    bench = series({MON: "200", FRI: "210", NEXT_MON: "300"})
    result = portfolio.performance(Market(closes={"AAA": AAA}), DateSpan(TUE, date(2025, 1, 12)), bench)
    assert result.benchmark_return == D("0.05")
    assert result.start_value.value == D("99.00")
