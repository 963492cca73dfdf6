"""Daily closes in the domain: ranges a client may ask, covered spans, the simulated history (same
numbers as the live quote), and split adjustment (value never counted twice across a split)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from assets.adapters.catalog import load_catalog
from assets.domain.history import (
    DailyClose,
    DateSpan,
    SeriesKey,
    StoredSeries,
    final_days,
    merge_spans,
    requested_span,
    uncovered,
)
from assets.domain.simulation import day_close, simulated_closes, simulated_quote
from assets.domain.splits import Split, as_traded
from kit.core.errors import PublicError

D = Decimal
TODAY = date(2025, 11, 24)  # a Monday
CATALOG = load_catalog()


def span(first: str, last: str) -> DateSpan:
    return DateSpan(date.fromisoformat(first), date.fromisoformat(last))


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2025-02-01", "2025-01-01", "The history's `from` date must be on or before its `to` date."),
        ("1969-12-31", "1970-01-05", "The history starts on 1970-01-01 at the earliest."),
        ("2025-11-01", "2025-12-02", "The history's `to` date may be at most 7 days after today."),
        ("2000-01-01", "2025-01-01", "A history covers at most 20 years; ask for a shorter range."),
    ],
)
def test_bad_ranges_are_bad_user_input_with_a_sentence(start: str, end: str, message: str) -> None:
    with pytest.raises(PublicError) as raised:
        requested_span(date.fromisoformat(start), date.fromisoformat(end), TODAY)
    assert raised.value.code == "BAD_USER_INPUT" and str(raised.value) == message


def test_good_ranges_and_the_final_days_in_them() -> None:
    assert requested_span(date(2005, 11, 25), date(2025, 12, 1), TODAY) == span("2005-11-25", "2025-12-01")
    asked = requested_span(date(2025, 11, 20), date(2025, 11, 30), TODAY)
    assert final_days(asked, TODAY) == span("2025-11-20", "2025-11-23")  # today's close is not final
    assert final_days(span("2025-11-24", "2025-11-28"), TODAY) is None


def test_covered_spans_merge_and_leave_exact_gaps() -> None:
    covered = merge_spans(
        [span("2024-03-01", "2024-03-10"), span("2024-01-01", "2024-01-31"), span("2024-02-01", "2024-02-10")]
    )
    assert covered == (span("2024-01-01", "2024-02-10"), span("2024-03-01", "2024-03-10"))
    assert uncovered(span("2023-12-30", "2024-03-15"), covered) == [
        span("2023-12-30", "2023-12-31"),
        span("2024-02-11", "2024-02-29"),
        span("2024-03-11", "2024-03-15"),
    ]
    assert uncovered(span("2024-01-05", "2024-01-06"), covered) == []


def test_fetched_closes_outside_the_span_are_not_kept_and_the_span_is_covered() -> None:
    key = SeriesKey.instrument("AAPL")
    inside = DailyClose(date(2024, 1, 2), D("185.64"), "t")
    outside = DailyClose(date(2024, 2, 1), D("1"), "t")
    series = StoredSeries(key).with_fetched(span("2024-01-01", "2024-01-31"), [inside, outside], "USD")
    assert list(series.closes.values()) == [inside]
    assert series.covered == (span("2024-01-01", "2024-01-31"),)
    assert series.last_covered == date(2024, 1, 31) and series.currency == "USD"


def test_simulated_history_is_deterministic_trading_days_only_and_matches_the_live_quote() -> None:
    aapl, btc = CATALOG.get("AAPL"), CATALOG.get("BTC")
    assert aapl is not None and btc is not None
    week = span("2025-11-15", "2025-11-23")  # Saturday to Sunday
    closes = simulated_closes(aapl, week)
    assert [c.day.isoformat() for c in closes] == [f"2025-11-{d}" for d in (17, 18, 19, 20, 21)]
    assert closes == simulated_closes(aapl, week)  # same numbers every time, in every process
    assert [c.day for c in simulated_closes(btc, week)] == [week.first + timedelta(days=i) for i in range(9)]
    for entry in (aapl, btc):
        for close in simulated_closes(entry, week):
            assert close.close == day_close(entry, close.day) and close.source == "simulated"
            # The close of a day is the previous close the live quote shows all the next day.
            next_morning = datetime.combine(close.day + timedelta(days=1), time(9), tzinfo=UTC)
            quote = simulated_quote(entry, next_morning)
            assert quote.previous_close is not None and quote.previous_close.value == close.close
            # ... and the live price at the last step of that day.
            last_step = datetime.combine(close.day, time(23, 59, 59), tzinfo=UTC)
            assert simulated_quote(entry, last_step).price.value == close.close


def test_as_traded_undoes_split_adjustment_before_each_split_only() -> None:
    adjusted = [
        DailyClose(date(2024, 6, 6), D("30.00"), "t"),  # traded at 300 before a 10-for-1 split
        DailyClose(date(2024, 6, 10), D("31.00"), "t"),  # the ex-date: already post-split
        DailyClose(date(2024, 7, 1), D("32.50"), "t"),
    ]
    splits = [Split(date(2024, 6, 10), D(10)), Split(date(2024, 7, 1), D("0.5"))]  # then a 1-for-2
    traded = as_traded(adjusted, splits)
    assert [c.close for c in traded] == [D("150.0000"), D("15.500"), D("32.50")]
    assert [c.day for c in traded] == [c.day for c in adjusted]
    with pytest.raises(ValueError):
        Split(date(2024, 1, 1), D(0))


def test_value_across_a_split_is_not_counted_twice() -> None:
    """What a value-over-time computation must do: the ledger multiplies quantities at a SPLIT, the
    providers divide earlier closes by it; combining the ledger's quantity with ADJUSTED closes
    before the split would show a tenth of the value."""
    adjusted = [DailyClose(date(2024, 6, 7), D("30.00"), "t"), DailyClose(date(2024, 6, 10), D("30.50"), "t")]
    split = Split(date(2024, 6, 10), D(10))
    held = {date(2024, 6, 7): D(5), date(2024, 6, 10): D(50)}  # the ledger: 5 shares, then 50
    traded = {c.day: c.close for c in as_traded(adjusted, [split])}
    values = {day: held[day] * traded[day] for day in held}
    assert values == {date(2024, 6, 7): D("1500.00"), date(2024, 6, 10): D("1525.00")}  # a 1.7% move
    # The same values with adjusted closes and quantities restated in today's shares (5 x 10):
    restated = {date(2024, 6, 7): D(50), date(2024, 6, 10): D(50)}
    assert {c.day: restated[c.day] * c.close for c in adjusted} == values
    # The wrong combination (the ledger's quantity x the adjusted close) would drop the value tenfold:
    assert held[date(2024, 6, 7)] * adjusted[0].close == D("150.00") != values[date(2024, 6, 7)]
