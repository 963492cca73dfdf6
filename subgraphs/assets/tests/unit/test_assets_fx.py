"""FX rates: manual wins, inverses implied, cross rates via USD, nothing guessed; manual validation."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from assets.domain.fx import FxRate, FxSnapshot, FxTable, simulated_snapshot
from assets.domain.quotes import Quote
from assets.domain.validation import validate_manual_fx_rate
from assets.domain.valuation import Holding, value_portfolio
from kit.core.errors import InputProblems
from kit.core.money import Amount

T0 = datetime(2025, 11, 24, 15, 0, tzinfo=UTC)
T1 = datetime(2025, 11, 25, 9, 0, tzinfo=UTC)
D = Decimal

FEED = FxSnapshot({"USD": D(1), "EUR": D("0.80"), "GBP": D("0.75"), "JPY": D("150")}, "feed", T0)


def manual(a: str, b: str, rate: str, at: datetime = T1) -> FxRate:
    return FxRate(a, b, D(rate), "manual", at)


def test_feed_legs_and_cross_rates_via_usd() -> None:
    table = FxTable(FEED, [])
    assert table.rate("USD", "EUR") == D("0.80")
    assert table.rate("EUR", "USD") == 1 / D("0.80")  # 1.25
    assert table.rate("EUR", "USD") == D("1.25")
    # EUR -> GBP = (EUR -> USD) x (USD -> GBP) = 1.25 x 0.75 = 0.9375
    assert table.rate("EUR", "GBP") == D("0.9375")
    cross = table.lookup("EUR", "GBP")
    assert cross is not None and cross.source == "feed" and cross.as_of == T0
    assert table.rate("JPY", "JPY") == 1
    assert table.rate("EUR", "CHF") is None  # no way to derive it: no rate, never a guess


def test_manual_rate_wins_and_its_inverse_is_implied() -> None:
    table = FxTable(FEED, [manual("EUR", "USD", "1.10")])
    assert table.rate("EUR", "USD") == D("1.10")
    assert table.rate("USD", "EUR") == 1 / D("1.10")
    # the manual leg feeds cross rates: EUR -> GBP = 1.10 x 0.75 = 0.825
    cross = table.lookup("EUR", "GBP")
    assert cross is not None and cross.rate == D("0.825") and cross.source == "derived"
    assert cross.as_of == T0  # the older of the two legs
    direct = FxTable(FEED, [manual("GBP", "EUR", "1.20")])
    assert direct.rate("EUR", "GBP") == 1 / D("1.20")  # a direct manual pair beats the cross


def test_manual_rates_alone_without_a_feed() -> None:
    table = FxTable(None, [manual("EUR", "USD", "1.16"), manual("USD", "CHF", "0.80")])
    assert table.rate("EUR", "CHF") == D("0.928")  # 1.16 x 0.80
    assert table.rate("EUR", "GBP") is None


def test_simulated_snapshot_is_deterministic_and_realistic() -> None:
    one = simulated_snapshot(T0)
    assert one == simulated_snapshot(datetime(2025, 11, 24, 23, 59, tzinfo=UTC))
    assert one.as_of == datetime(2025, 11, 24, tzinfo=UTC) and one.source == "simulated"
    assert D("0.7") < one.per_usd["EUR"] < D("1") and D("100") < one.per_usd["JPY"] < D("200")
    assert all(code.isupper() and len(code) == 3 and rate > 0 for code, rate in one.per_usd.items())


def test_validate_manual_fx_rate() -> None:
    rate = validate_manual_fx_rate(from_currency=" eur", to_currency="usd ", rate=D("1.0850"), set_at=T1)
    assert (rate.from_currency, rate.to_currency, rate.rate, rate.source) == (
        "EUR",
        "USD",
        D("1.0850"),
        "manual",
    )
    with pytest.raises(InputProblems) as raised:
        validate_manual_fx_rate(from_currency="EUR", to_currency="EUR", rate=D("0"), set_at=T1)
    assert {(p.field, p.code) for p in raised.value.problems} == {
        (("input", "toCurrency"), "INVALID"),
        (("input", "rate"), "INVALID"),
    }
    with pytest.raises(InputProblems) as raised:
        validate_manual_fx_rate(from_currency="XYZ", to_currency="EURO", rate=D("-1"), set_at=T1)
    assert [p.field for p in raised.value.problems] == [
        ("input", "fromCurrency"),
        ("input", "toCurrency"),
        ("input", "rate"),
    ]
    with pytest.raises(InputProblems, match="decimal places"):
        validate_manual_fx_rate(from_currency="EUR", to_currency="USD", rate=D("1." + "1" * 19), set_at=T1)


def test_valuation_converts_each_position_and_leaves_unconvertible_ones_unpriced() -> None:
    def usd_quote(symbol: str, price: str, previous: str) -> Quote:
        return Quote(symbol, Amount(D(price), "USD"), Amount(D(previous), "USD"), T0, "finnhub")

    quotes = {
        "AAPL": usd_quote("AAPL", "200", "190"),
        "SAP": Quote("SAP", Amount(D("150"), "CHF"), None, T0, "manual"),
    }
    holdings = [Holding("AAPL", D("10"), D("1500")), Holding("SAP", D("2"), D("250"))]
    table = FxTable(FEED, [])  # knows USD->EUR (0.80) but nothing of CHF
    result = value_portfolio("EUR", holdings, quotes, table)
    # AAPL: 10 x 200 USD x 0.80 = 1600 EUR; gain 1600 - 1500 = 100; day 10 x 10 x 0.80 = 80
    aapl, sap = result.positions
    assert aapl.market_value == Amount(D("1600"), "EUR") and aapl.price == Amount(D("200"), "USD")
    assert result.market_value == Amount(D("1600"), "EUR") and result.day_change == Amount(D("80"), "EUR")
    assert result.unrealized_gain == Amount(D("100"), "EUR")
    assert sap.market_value is None and sap.price is None and result.complete is False
