"""The FxRatesStored event of an FX year written (domain/fx_events.py): the whole year's closes as
exact decimal text, the provider of most of them, the pair and year as its aggregate; none for an
instrument's closes or a year without a close."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from assets.domain.fx_events import fx_rates_stored
from assets.domain.history import DailyClose, DateSpan, SeriesKey, StoredSeries

EUR = SeriesKey.fx("USD", "EUR")


def series(key: SeriesKey, *closes: DailyClose) -> StoredSeries:
    return StoredSeries(key).with_fetched(DateSpan(date(2024, 12, 30), date(2025, 1, 10)), closes, None)


def test_the_event_holds_the_whole_year_as_exact_text() -> None:
    stored = series(
        EUR,
        DailyClose(date(2024, 12, 31), Decimal("0.9"), "frankfurter"),  # another year: not in 2025's
        DailyClose(date(2025, 1, 2), Decimal("8.65E-1"), "frankfurter"),
        DailyClose(date(2025, 1, 3), Decimal("0.86500"), "simulated"),
        DailyClose(date(2025, 1, 6), Decimal("0.8702"), "frankfurter"),
    )
    event = fx_rates_stored(stored, 2025, 7)
    assert event is not None
    assert (event.type, event.aggregate_id, event.sequence) == ("FxRatesStored", "USDEUR:2025", 7)
    assert event.data == {
        "from": "USD",
        "to": "EUR",
        "year": 2025,
        "rates": {"2025-01-02": "0.865", "2025-01-03": "0.86500", "2025-01-06": "0.8702"},
        "source": "frankfurter",  # two days of three
    }


def test_no_event_for_an_instrument_or_a_year_without_a_close() -> None:
    close = DailyClose(date(2025, 1, 2), Decimal("190"), "stooq")
    assert fx_rates_stored(series(SeriesKey.instrument("AAPL"), close), 2025, 1) is None
    assert fx_rates_stored(series(EUR, close), 2024, 1) is None  # 2024's covered days had no close
