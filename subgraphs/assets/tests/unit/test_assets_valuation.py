"""Portfolio valuation, with hand-computed numbers and properties.

A valuation is a statement (DESIGN.md decision 6): every amount is a line rounded half-even to the
base currency's minor unit, every total the sum of its rounded lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from assets.domain.fx import IdentityFxRates
from assets.domain.manual import ManualPrice
from assets.domain.quotes import Quote
from assets.domain.valuation import Holding, value_portfolio
from kit.core.money import Amount

T0 = datetime(2025, 11, 24, 15, 0, tzinfo=UTC)
D = Decimal


def usd(value: str) -> Amount:
    return Amount(D(value), "USD")


def quote(
    symbol: str, price: str, previous: str | None, *, at: datetime = T0, currency: str = "USD"
) -> Quote:
    prev = None if previous is None else Amount(D(previous), currency)
    return Quote(symbol, Amount(D(price), currency), prev, at, "simulated")


def test_several_positions_and_an_unpriced_one() -> None:
    holdings = [
        Holding("AAPL", D("10"), D("1500.00")),
        Holding("MSFT", D("2.5"), D("1000.00")),
        Holding("NOPE", D("5"), D("50.00")),
    ]
    quotes = {
        "AAPL": quote("AAPL", "200.00", "195.00", at=T0),
        "MSFT": quote("MSFT", "400.50", "410.00", at=T0 - timedelta(minutes=5)),
        "NOPE": None,
    }
    result = value_portfolio("USD", holdings, quotes)

    # AAPL: 10 x 200.00 = 2000.00, gain 500.00, day 10 x 5.00 = 50.00
    # MSFT: 2.5 x 400.50 = 1001.250, gain 1.250, day 2.5 x -9.50 = -23.750
    # totals over priced positions: value 3001.25, cost 2500.00, gain 501.25 (20.05%), day 26.25
    assert result.market_value == usd("3001.25")
    assert result.cost_basis == usd("2500")
    assert result.unrealized_gain == usd("501.25")
    assert result.unrealized_gain_percent == D("20.05")
    assert result.day_change == usd("26.25")
    assert result.complete is False
    assert result.as_of == T0 - timedelta(minutes=5)  # the oldest quote used

    aapl, msft, nope = result.positions
    assert aapl.market_value == usd("2000") and aapl.unrealized_gain == usd("500")
    assert aapl.price == usd("200.00")
    assert aapl.day_change == usd("50.00")
    assert msft.market_value == usd("1001.25") and msft.unrealized_gain == usd("1.25")
    assert msft.day_change == usd("-23.75")
    # weights: 2000 / 3001.25 and 1001.25 / 3001.25, they sum to 1 over the priced positions
    assert aapl.weight == D("2000.00") / D("3001.250")
    assert msft.weight == D("1001.250") / D("3001.250")
    assert abs(aapl.weight + msft.weight - 1) < D("1e-26")
    assert nope.price is None and nope.market_value is None and nope.unrealized_gain is None
    assert nope.weight is None and nope.stale is False and nope.day_change is None
    assert nope.cost_basis == usd("50.00")  # always given


def test_complete_portfolio_weights_sum_to_one() -> None:
    holdings = [Holding("A", D("1"), D("10")), Holding("B", D("3"), D("10")), Holding("C", D("0.5"), D("1"))]
    quotes = {"A": quote("A", "10", "10"), "B": quote("B", "10", None), "C": quote("C", "20", "19")}
    result = value_portfolio("USD", holdings, quotes)
    # 10 + 30 + 10 = 50; weights 0.2, 0.6, 0.2; day: 0 + nothing (no previous close) + 0.5 x 1 = 0.5
    assert result.complete is True
    assert [p.weight for p in result.positions] == [D("0.2"), D("0.6"), D("0.2")]
    assert result.market_value == usd("50")
    assert result.day_change == usd("0.5")
    assert result.unrealized_gain == usd("29")  # 50 - 21


def test_zero_cost_basis_has_no_gain_percent() -> None:
    result = value_portfolio("USD", [Holding("GIFT", D("4"), D("0"))], {"GIFT": quote("GIFT", "25", "20")})
    # 4 x 25 = 100, all of it gain; 100 / 0 is undefined
    assert result.market_value == usd("100")
    assert result.unrealized_gain == usd("100")
    assert result.unrealized_gain_percent is None
    assert result.day_change == usd("20")  # 4 x (25 - 20)


def test_a_manual_price_values_like_any_quote() -> None:
    manual = ManualPrice("MYFUND", Amount(D("12.3456"), "EUR"), None, T0)
    result = value_portfolio("EUR", [Holding("MYFUND", D("10"), D("100"))], {"MYFUND": manual.quote()})
    # 10 x 12.3456 = 123.456 -> 123.46 EUR, gain 23.46 = 23.46% of 100.00; no previous close -> no
    # day change line, and a total day change of 0
    assert result.market_value == Amount(D("123.46"), "EUR")
    assert result.unrealized_gain_percent == D("23.46")
    assert result.positions[0].price == Amount(D("12.3456"), "EUR")  # a unit price is not rounded
    assert result.positions[0].day_change is None
    assert result.day_change == Amount(D("0"), "EUR")
    assert result.positions[0].quote is not None and result.positions[0].quote.source == "manual"
    assert result.as_of == T0


def test_another_currency_is_unpriced_until_fx_exists() -> None:
    holdings = [Holding("AAPL", D("1"), D("90")), Holding("SAP", D("2"), D("300"))]
    quotes = {"AAPL": quote("AAPL", "100", "99"), "SAP": quote("SAP", "200", "190", currency="EUR")}
    result = value_portfolio("USD", holdings, quotes, IdentityFxRates())
    assert result.complete is False
    assert result.market_value == usd("100")  # EUR never mixed into USD
    assert result.cost_basis == usd("90")
    assert result.positions[1].price is None and result.positions[1].weight is None
    assert result.positions[0].weight == 1


class FixedFx:
    def rate(self, from_currency: str, to_currency: str) -> Decimal | None:
        return (
            D("1.10")
            if (from_currency, to_currency) == ("EUR", "USD")
            else IdentityFxRates().rate(from_currency, to_currency)
        )


def test_fx_seam_converts_market_value_but_shows_the_native_price() -> None:
    result = value_portfolio(
        "USD",
        [Holding("SAP", D("2"), D("400"))],
        {"SAP": quote("SAP", "200", "190", currency="EUR")},
        FixedFx(),
    )
    # 2 x 200 EUR x 1.10 = 440 USD; day 2 x 10 x 1.10 = 22 USD
    assert result.market_value == usd("440")
    assert result.day_change == usd("22")
    assert result.positions[0].price == Amount(D("200"), "EUR")


def test_empty_and_all_unpriced_portfolios() -> None:
    empty = value_portfolio("USD", [], {})
    assert empty.complete is True and empty.market_value == usd("0") and empty.as_of is None
    assert empty.unrealized_gain_percent is None and empty.positions == ()
    unpriced = value_portfolio("USD", [Holding("X", D("1"), D("5"))], {})
    assert (
        unpriced.complete is False and unpriced.market_value == usd("0") and unpriced.cost_basis == usd("0")
    )


def test_stale_quotes_mark_their_positions() -> None:
    stale = Quote("A", usd("1"), None, T0, "simulated", stale=True)
    result = value_portfolio("USD", [Holding("A", D("1"), D("1"))], {"A": stale})
    assert result.positions[0].stale is True


def test_zero_market_value_has_no_weights() -> None:
    result = value_portfolio("USD", [Holding("A", D("0"), D("10"))], {"A": quote("A", "5", "4")})
    assert result.market_value == usd("0")
    assert result.positions[0].weight is None
    assert result.unrealized_gain_percent == D("-100")  # (0 - 10) / 10 x 100
