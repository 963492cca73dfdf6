"""The history use cases on fakes of their ports: one read, backfill on first use, NO provider call on
the second ask, incomplete (never made up) when no provider answers, and the daily refresh."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from assets.domain.history import DateSpan, SeriesKey
from assets.domain.instruments import Instrument

from .fakes import World
from .history_fakes import CountingHistoryFeed

D = Decimal
YESTERDAY = date(2025, 11, 23)  # the fakes' clock is Monday 2025-11-24


def listed(world: World, symbol: str) -> Instrument:
    entry = world.catalog.get(symbol)
    assert entry is not None
    return entry.instrument


async def test_first_ask_backfills_once_and_the_second_makes_no_provider_call() -> None:
    world = World()
    feed = world.history_feed
    aapl = listed(world, "AAPL")
    first = await world.service.history.instrument_history(aapl, date(2020, 11, 1), date(2025, 11, 30))
    assert len(feed.calls) == 1
    symbols, asked, patient = feed.calls[0]
    assert symbols == ["AAPL"] and asked == DateSpan(date(2020, 11, 1), YESTERDAY) and patient is False
    assert world.closes.calls.of("save_series") == [([SeriesKey.instrument("AAPL")], range(2020, 2026))]
    assert first.complete and first.currency == "USD"
    days = [close.day for close in first.closes]
    assert days == sorted(days) and all(day.weekday() < 5 for day in days)
    assert days[0] == date(2020, 11, 2) and days[-1] == date(2025, 11, 21)  # Monday .. Friday
    every_day = (
        date(2020, 11, 1) + timedelta(days=i) for i in range((YESTERDAY - date(2020, 11, 1)).days + 1)
    )
    assert days == [day for day in every_day if day.weekday() < 5]  # every weekday, once

    again = await world.service.history.instrument_history(aapl, date(2022, 1, 1), date(2023, 12, 31))
    assert len(feed.calls) == 1  # stored: no provider call
    assert len(world.closes.calls.of("stored_series")) == 2 and len(world.closes.calls.of("save_series")) == 1
    assert again.closes == tuple(c for c in first.closes if date(2022, 1, 1) <= c.day <= date(2023, 12, 31))


async def test_a_wider_ask_fetches_only_the_missing_days_for_all_symbols_at_once() -> None:
    world = World()
    history = world.service.history
    aapl, msft = listed(world, "AAPL"), listed(world, "MSFT")
    await history.closes([aapl], DateSpan(date(2025, 6, 1), date(2025, 6, 30)))
    world.history_feed.calls.clear()
    found = await history.closes([aapl, msft], DateSpan(date(2025, 5, 1), date(2025, 7, 31)))
    calls = sorted((symbols, span) for symbols, span, _ in world.history_feed.calls)
    # One call per distinct missing span, all series missing it together; June is stored.
    assert calls == [
        (["AAPL"], DateSpan(date(2025, 5, 1), date(2025, 5, 31))),
        (["AAPL"], DateSpan(date(2025, 7, 1), date(2025, 7, 31))),
        (["MSFT"], DateSpan(date(2025, 5, 1), date(2025, 7, 31))),
    ]
    assert len(world.closes.calls.of("save_series")) == 2  # the first ask's write, then this one's
    assert found["AAPL"].complete and found["MSFT"].complete
    assert found["AAPL"].closes[0].day == date(2025, 5, 1) and found["MSFT"].closes[-1].day == date(
        2025, 7, 31
    )


async def test_unsupported_symbols_are_incomplete_never_made_up_and_asked_again() -> None:
    world = World(history_feed=CountingHistoryFeed(unsupported=["NVDA"]))
    nvda, aapl = listed(world, "NVDA"), listed(world, "AAPL")
    span = DateSpan(date(2025, 1, 1), date(2025, 3, 31))
    found = await world.service.history.closes([nvda, aapl], span)
    assert found["NVDA"].closes == () and found["NVDA"].complete is False
    assert found["AAPL"].complete is True and found["AAPL"].closes
    assert SeriesKey.instrument("NVDA") not in world.closes.series  # nothing claimed covered
    await world.service.history.closes([nvda, aapl], span)
    assert [symbols for symbols, _, _ in world.history_feed.calls] == [["NVDA", "AAPL"], ["NVDA"]]


async def test_weekends_and_today_cost_no_provider_call() -> None:
    world = World()
    aapl = listed(world, "AAPL")
    weekend = await world.service.history.closes([aapl], DateSpan(date(2025, 11, 22), date(2025, 11, 23)))
    today = await world.service.history.instrument_history(aapl, date(2025, 11, 24), date(2025, 11, 28))
    assert weekend["AAPL"].closes == () and weekend["AAPL"].complete
    assert today.closes == () and today.complete
    assert world.history_feed.calls == []


async def test_refresh_fetches_the_days_after_each_series_last_day_patiently() -> None:
    world = World()
    history = world.service.history
    aapl, btc = listed(world, "AAPL"), listed(world, "BTC")
    await history.closes([aapl, btc], DateSpan(date(2025, 11, 3), date(2025, 11, 14)))
    await history.fx_rates(["EUR", "USD"], DateSpan(date(2025, 11, 3), date(2025, 11, 14)))
    world.history_feed.calls.clear()
    world.fx_history.calls.clear()

    report = await history.refresh()

    gap = DateSpan(date(2025, 11, 15), YESTERDAY)
    assert world.history_feed.calls == [(["AAPL", "BTC"], gap, True)]
    assert world.fx_history.calls == [(["EUR"], gap)]
    assert (report.series, report.behind, report.incomplete) == (3, 3, 0)
    btc_closes = world.closes.series[SeriesKey.instrument("BTC")]
    assert (
        btc_closes.last_covered == YESTERDAY and date(2025, 11, 22) in btc_closes.closes
    )  # crypto: Saturday
    again = await history.refresh()
    assert (again.behind, len(world.history_feed.calls)) == (0, 1)  # up to date: nothing asked


async def test_fx_daily_rates_are_stored_the_same_way() -> None:
    world = World()
    span = DateSpan(date(2025, 11, 17), date(2025, 11, 21))
    rates = await world.service.history.fx_rates(["EUR", "JPY"], span)
    assert [c.close for c in rates["EUR"].closes] == [D("0.9")] * 5
    assert [c.close for c in rates["JPY"].closes] == [D("150")] * 5
    assert set(world.closes.series) == {SeriesKey.fx("USD", "EUR"), SeriesKey.fx("USD", "JPY")}
    await world.service.history.fx_rates(["EUR"], span)
    assert len(world.fx_history.calls) == 1
