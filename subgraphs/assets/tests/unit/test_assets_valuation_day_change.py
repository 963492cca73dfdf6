"""dayChange by the broker convention: what was held before the quote's session moves from the
previous close, a lot bought in the session from its purchase price; a position whose day change
cannot be told says why instead of adding 0, and the total says whether it covers every position.
Also the open lots as a representation may carry them (bad shapes are BAD_USER_INPUT); the
portfolios subgraph does not send them yet."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from assets.domain.fx import MappingFxRates
from assets.domain.quotes import Quote
from assets.domain.validation import parse_holdings
from assets.domain.valuation import DayChangeMissing, Holding, Lot, value_portfolio
from kit.core.errors import PublicError
from kit.core.money import Amount

D = Decimal
SESSION = datetime(2025, 11, 24, 15, 0, tzinfo=UTC)
TODAY = date(2025, 11, 24)
YESTERDAY = date(2025, 11, 21)


def money(value: str, currency: str = "USD") -> Amount:
    return Amount(D(value), currency)


def quote(symbol: str, price: str, previous: str | None, currency: str = "USD") -> Quote:
    prev = None if previous is None else money(previous, currency)
    return Quote(symbol, money(price, currency), prev, SESSION, "fake")


def lot(quantity: str, price: str, on: date, currency: str = "USD") -> Lot:
    return Lot(D(quantity), money(price, currency), on)


def test_a_lot_bought_today_moves_from_its_purchase_price() -> None:
    # 10 held since last week, 4 bought today at 203.10; close 195.00, price 200.00.
    aapl = Holding("AAPL", D("14"), D("2812.40"), (lot("10", "190", YESTERDAY), lot("4", "203.10", TODAY)))
    result = value_portfolio("USD", [aapl], {"AAPL": quote("AAPL", "200.00", "195.00")})
    [position] = result.positions
    # 10 x (200 - 195) = 50.00; 4 x (200 - 203.10) = -12.40; together 37.60 (not 14 x 5 = 70.00)
    assert position.day_change == money("37.60")
    assert position.day_change_missing is None
    assert result.day_change == money("37.60") and result.day_change_complete is True


def test_a_position_bought_entirely_today_needs_no_previous_close() -> None:
    new = Holding("NEWCO", D("3"), D("30.00"), (lot("3", "10.00", TODAY),))
    result = value_portfolio("USD", [new], {"NEWCO": quote("NEWCO", "10.57", None)})
    # 3 x (10.57 - 10.00) = 1.71
    assert result.positions[0].day_change == money("1.71")
    assert result.day_change_complete is True


def test_without_a_previous_close_the_position_says_so_and_the_total_leaves_it_out() -> None:
    holdings = [
        Holding("AAPL", D("10"), D("1500.00")),
        Holding("FUND", D("7"), D("70.00"), (lot("7", "10", YESTERDAY),)),
        Holding("GONE", D("1"), D("5.00")),
    ]
    quotes = {"AAPL": quote("AAPL", "200.00", "195.00"), "FUND": quote("FUND", "11", None)}
    result = value_portfolio("USD", holdings, quotes)
    aapl, fund, gone = result.positions
    assert aapl.day_change == money("50.00")
    assert fund.day_change is None and fund.day_change_missing is DayChangeMissing.NO_PREVIOUS_CLOSE
    assert fund.market_value == money("77.00")  # still priced: only its day change is unknown
    assert gone.day_change is None and gone.day_change_missing is DayChangeMissing.UNPRICED
    # The total is the sum of the lines that exist (50.00), and says it is not all of them.
    assert result.day_change == money("50.00") and result.day_change_complete is False


def test_a_lot_bought_today_in_another_currency_uses_its_rate_and_says_when_there_is_none() -> None:
    # 2 SAP that arrived today at a cost recorded in USD (170 per unit), quoted in EUR.
    sap = Holding("SAP", D("2"), D("340.00"), (lot("2", "170", TODAY, "USD"),))
    quotes = {"SAP": quote("SAP", "152", "148", "EUR")}
    rates = MappingFxRates({("EUR", "CHF"): D("0.95"), ("USD", "CHF"): D("0.80")})
    result = value_portfolio("CHF", [sap], quotes, rates)
    # 2 x 152 x 0.95 = 288.80 CHF now; paid 2 x 170 x 0.80 = 272.00 CHF: +16.80 CHF
    assert result.positions[0].day_change == money("16.80", "CHF")

    no_usd = value_portfolio("CHF", [sap], quotes, MappingFxRates({("EUR", "CHF"): D("0.95")}))
    assert no_usd.positions[0].day_change is None
    assert no_usd.positions[0].day_change_missing is DayChangeMissing.NO_FX_RATE
    assert no_usd.positions[0].market_value == money("288.80", "CHF")


def test_the_total_is_the_sum_of_the_rounded_lines() -> None:
    # Three lots bought today, each line rounds half-even on its own.
    holdings = [Holding(s, D("1"), D("1"), (lot("1", "10.000", TODAY),)) for s in ("A", "B", "C")]
    quotes = {s: quote(s, "10.005", "9") for s in ("A", "B", "C")}
    result = value_portfolio("USD", holdings, quotes)
    lines = [p.day_change for p in result.positions]
    assert lines == [money("0.00")] * 3  # 0.005 rounds half-even to 0.00; unrounded they sum to 0.015
    assert result.day_change == money("0.00")


def test_lots_that_do_not_add_up_to_the_position_are_ignored() -> None:
    odd = Holding("AAPL", D("1"), D("100"), (lot("5", "100", TODAY),))
    result = value_portfolio("USD", [odd], {"AAPL": quote("AAPL", "200", "195")})
    assert result.positions[0].day_change == money("5.00")  # 1 x (200 - 195), as without lots


def holding(*lots: object) -> list[object]:
    return [{"symbol": "AAPL", "quantity": "14", "costBasis": "2812.40", "lots": list(lots)}]


def representation_lot(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "quantity": "4",
        "purchasedAt": "2025-11-24",
        "purchasePrice": "203.10",
        "currency": "USD",
    }
    return {**base, **changes}


def test_a_holdings_open_lots_are_parsed_when_the_representation_carries_them() -> None:
    [parsed] = parse_holdings(holding(representation_lot()))
    assert parsed.lots == (lot("4", "203.10", TODAY),)
    [without] = parse_holdings([{"symbol": "AAPL", "quantity": "14", "costBasis": "2812.40"}])
    assert without.lots == ()


@pytest.mark.parametrize(
    "bad",
    [
        [{"symbol": "AAPL", "quantity": "1", "costBasis": "1", "lots": "x"}],
        holding("not a lot"),
        holding(representation_lot(quantity="1e999999")),
        holding(representation_lot(quantity=None)),
        holding(representation_lot(purchasedAt="2025-02-30")),
        holding(representation_lot(purchasedAt=20251124)),
        holding(representation_lot(currency="XYZ")),
        holding(representation_lot(purchasePrice={"amount": "1"})),
    ],
)
def test_bad_lots_in_a_representation_are_bad_user_input(bad: object) -> None:
    with pytest.raises(PublicError) as raised:
        parse_holdings(bad)
    assert raised.value.code == "BAD_USER_INPUT"
    assert str(raised.value).startswith("The representation's holdings must be a list of")
