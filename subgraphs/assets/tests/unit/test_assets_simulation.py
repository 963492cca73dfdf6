"""The simulated feed: deterministic, positive, consistent closes, bounded moves."""

from __future__ import annotations

import itertools
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from assets.adapters.catalog import load_catalog
from assets.domain.instruments import AssetClass, CatalogEntry
from assets.domain.quotes import SIMULATED_SOURCE
from assets.domain.simulation import (
    CRYPTO_PROFILE,
    EQUITY_PROFILE,
    STEP_SECONDS,
    SimulatedPriceProvider,
    _bridge,
    close_log_offset,
    day_close,
    profile_for,
    simulated_price,
    simulated_quote,
    step_of,
)

CATALOG = load_catalog()
DAY = date(2025, 11, 24)
NOON = datetime.combine(DAY, time(12, 0, 7), tzinfo=UTC)


def entry(symbol: str) -> CatalogEntry:
    found = CATALOG.get(symbol)
    assert found is not None
    return found


def ratio_bound(log_bound: Decimal) -> Decimal:
    # |p / prev - 1| <= exp(bound) - 1, plus a little for quantizing both prices.
    return log_bound.exp() - 1 + Decimal("0.0005")


def test_same_symbol_and_time_give_the_same_quote() -> None:
    first = simulated_quote(entry("AAPL"), NOON)
    close_log_offset.cache_clear()
    _bridge.cache_clear()
    assert simulated_quote(entry("AAPL"), NOON) == first  # recomputed from scratch


def test_price_changes_only_every_step_and_as_of_is_the_step_start() -> None:
    start = datetime(2025, 11, 24, 12, 0, 0, tzinfo=UTC)
    quotes = [simulated_quote(entry("MSFT"), start + timedelta(seconds=s)) for s in (0, 5, 14)]
    assert len({q.price for q in quotes}) == 1
    assert all(q.as_of == start for q in quotes)
    later = simulated_quote(entry("MSFT"), start + timedelta(seconds=STEP_SECONDS + 3))
    assert later.as_of == start + timedelta(seconds=STEP_SECONDS)


def test_prices_move_during_the_day_and_differ_between_symbols() -> None:
    hours = [datetime.combine(DAY, time(hour), tzinfo=UTC) for hour in range(24)]
    assert len({simulated_price(entry("NVDA"), at) for at in hours}) > 12
    assert simulated_price(entry("GOOGL"), NOON) != simulated_price(entry("GOOG"), NOON)


def test_previous_close_is_the_last_price_of_the_previous_utc_day() -> None:
    for symbol in ("AAPL", "SPY", "BTC", "SHIB"):
        last_step = datetime.combine(DAY - timedelta(days=1), time(23, 59, 59), tzinfo=UTC)
        quote_after_midnight = simulated_quote(entry(symbol), datetime.combine(DAY, time(0), tzinfo=UTC))
        assert quote_after_midnight.previous_close is not None
        assert quote_after_midnight.previous_close.value == simulated_price(entry(symbol), last_step)
        assert quote_after_midnight.previous_close.value == day_close(entry(symbol), DAY - timedelta(days=1))
        # The whole day shares that previous close.
        assert simulated_quote(entry(symbol), NOON).previous_close == quote_after_midnight.previous_close


def test_every_step_of_a_day_stays_within_the_daily_bound() -> None:
    for symbol in ("AAPL", "BTC"):
        listed = entry(symbol)
        previous = day_close(listed, DAY - timedelta(days=1))
        bound = ratio_bound(profile_for(listed.instrument.asset_class).max_intraday_log_move)
        midnight = datetime.combine(DAY, time(0), tzinfo=UTC)
        prices = [simulated_price(listed, midnight + timedelta(seconds=15 * s)) for s in range(5760)]
        assert all(price > 0 for price in prices)
        assert max(abs(price / previous - 1) for price in prices) <= bound
        # Consecutive steps move by small amounts (15 seconds of a realistic market).
        assert max(abs(b / a - 1) for a, b in itertools.pairwise(prices)) < Decimal("0.002")


def test_all_instruments_stay_positive_and_bounded_over_months() -> None:
    for listed in CATALOG:
        profile = profile_for(listed.instrument.asset_class)
        daily_bound = ratio_bound(profile.max_daily_log_move)
        band = sum((amplitude for _, amplitude in profile.octaves), Decimal(0))
        reference = listed.reference_price.value
        for offset in range(-120, 1, 3):
            day = DAY + timedelta(days=offset)
            close = day_close(listed, day)
            yesterday = day_close(listed, day - timedelta(days=1))
            assert close > 0
            assert abs(close / yesterday - 1) <= daily_bound, (listed.symbol, day)
            assert (
                reference * (-band).exp() * Decimal("0.999")
                <= close
                <= reference * band.exp() * Decimal("1.001")
            )


def test_daily_moves_are_a_few_percent_at_most() -> None:
    assert ratio_bound(EQUITY_PROFILE.max_intraday_log_move) < Decimal("0.05")
    assert ratio_bound(CRYPTO_PROFILE.max_intraday_log_move) < Decimal("0.10")


@pytest.mark.parametrize(("symbol", "places"), [("AAPL", 4), ("SPY", 4), ("BTC", 2), ("SOL", 4), ("SHIB", 8)])
def test_prices_are_quantized_by_class_and_magnitude(symbol: str, places: int) -> None:
    quote = simulated_quote(entry(symbol), NOON)
    assert quote.price.value.as_tuple().exponent == -places
    assert quote.previous_close is not None
    assert quote.previous_close.value.as_tuple().exponent == -places
    assert quote.price.currency_code == "USD"
    assert quote.source == SIMULATED_SOURCE
    assert quote.stale is False


def test_step_of_needs_an_aware_time_and_handles_other_zones() -> None:
    with pytest.raises(ValueError, match="timezone"):
        step_of(datetime(2025, 11, 24, 12))
    eastern = datetime(2025, 11, 24, 7, 0, 7, tzinfo=UTC).astimezone(ZoneInfo("America/New_York"))
    assert eastern.hour == 2
    # 07:00:07 UTC is in step 7 * 240 + 1 (240 steps of 15 s per hour), which began at 07:00:00.
    assert step_of(eastern) == (DAY, 7 * 240 + 1, datetime(2025, 11, 24, 7, 0, tzinfo=UTC))


async def test_provider_quotes_catalog_symbols_only() -> None:
    provider = SimulatedPriceProvider(CATALOG, lambda: NOON)
    quotes = await provider.quotes(["AAPL", "NOPE", "BTC"])
    assert set(quotes) == {"AAPL", "BTC"}
    assert quotes["AAPL"] == simulated_quote(entry("AAPL"), NOON)
    assert CATALOG.get("BTC") is not None and entry("BTC").instrument.asset_class is AssetClass.CRYPTO


async def test_quoting_the_whole_catalog_for_a_fresh_day_is_cheap() -> None:
    provider = SimulatedPriceProvider(CATALOG, lambda: datetime(2031, 3, 3, 9, 30, tzinfo=UTC))
    started = clock.perf_counter()
    quotes = await provider.quotes([listed.symbol for listed in CATALOG])
    assert len(quotes) == len(CATALOG)
    assert clock.perf_counter() - started < 2.0  # ~1440 draws per symbol, once per day
