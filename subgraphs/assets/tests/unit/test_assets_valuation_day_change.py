"""dayChange by the broker convention: what was held before the quote's session moves from the
previous close, a lot bought in the session from its purchase price; a position whose day change
cannot be told says why instead of adding 0, and the total says whether it covers every position.
Also the open lots as the portfolios subgraph sends them in a representation (parallel lists;
bad shapes are BAD_USER_INPUT)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from assets.domain.fx import MappingFxRates
from assets.domain.quotes import Quote
from assets.domain.validation import parse_holdings
from assets.domain.valuation import DayChangeMissing, Holding, Lot, PortfolioHoldings, value_portfolio
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


def lot(quantity: str, price: str, on: date, currency: str = "USD", fx_rate: str | None = None) -> Lot:
    return Lot(D(quantity), money(price, currency), on, None if fx_rate is None else D(fx_rate))


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


def test_a_lot_bought_today_with_a_recorded_rate_is_measured_from_what_was_paid_at_that_rate() -> None:
    # 2 SAP bought today at 150 EUR, recorded at 1.10 USD per EUR; now 152 EUR at 1.12 USD per EUR.
    sap = Holding("SAP", D("2"), D("330.00"), (lot("2", "150", TODAY, "EUR", "1.10"),))
    quotes = {"SAP": quote("SAP", "152", "148", "EUR")}
    result = value_portfolio("USD", [sap], quotes, MappingFxRates({("EUR", "USD"): D("1.12")}))
    # worth 2 x 152 x 1.12 = 340.48 USD; paid 2 x 150 x 1.10 = 330.00 USD: +10.48 (at today's rate
    # for both it would be 2 x 2 x 1.12 = 4.48)
    assert result.positions[0].day_change == money("10.48")
    # The recorded rate is enough: no rate of the purchase currency is needed for this lot.
    holdings = PortfolioHoldings("P", "USD", (sap,))
    assert holdings.purchase_currencies == set()
    without_rate = PortfolioHoldings(
        "P", "CHF", (Holding("X", D("1"), D("1"), (lot("1", "1", TODAY, "EUR"),)),)
    )
    assert without_rate.purchase_currencies == {"EUR"}


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


def holding(lots: object) -> list[object]:
    return [{"symbol": "AAPL", "quantity": "14", "costBasis": "2812.40", "openLots": lots}]


def representation_lots(**changes: object) -> dict[str, object]:
    """Two lots as the portfolios subgraph sends them: parallel lists, one entry per lot."""
    base: dict[str, object] = {
        "quantities": ["10", "4"],
        "purchasedOn": ["2025-11-21", "2025-11-24"],
        "purchasePrices": ["190", "203.10"],
        "currencies": ["USD", "USD"],
        "fxRates": [None, None],
    }
    return {**base, **changes}


def test_a_holdings_open_lots_are_parsed_from_the_parallel_lists() -> None:
    [parsed] = parse_holdings(holding(representation_lots()))
    assert parsed.lots == (lot("10", "190", YESTERDAY), lot("4", "203.10", TODAY))
    [rated] = parse_holdings(holding(representation_lots(currencies=["EUR", "USD"], fxRates=["1.1", None])))
    assert rated.lots[0] == lot("10", "190", YESTERDAY, "EUR", "1.1") and rated.lots[1].fx_rate is None
    empty: dict[str, list[object]] = {name: [] for name in representation_lots()}
    [none] = parse_holdings(holding(empty))
    assert none.lots == ()
    # Left out (or null: a caller other than the router): no lots, every unit held before the session.
    [without] = parse_holdings([{"symbol": "AAPL", "quantity": "14", "costBasis": "2812.40"}])
    [null] = parse_holdings(holding(None))
    assert without.lots == () and null.lots == ()


@pytest.mark.parametrize(
    "bad",
    [
        holding("x"),
        holding([representation_lots()]),
        holding(representation_lots(quantities="10")),
        holding(representation_lots(quantities=["10"])),  # lists of different lengths
        holding({k: v for k, v in representation_lots().items() if k != "fxRates"}),
        holding(representation_lots(quantities=["1e999999", "4"])),
        holding(representation_lots(quantities=[None, "4"])),
        holding(representation_lots(purchasedOn=["2025-02-30", "2025-11-24"])),
        holding(representation_lots(purchasedOn=[20251121, "2025-11-24"])),
        holding(representation_lots(currencies=["XYZ", "USD"])),
        holding(representation_lots(purchasePrices=[{"amount": "1"}, "203.10"])),
        holding(representation_lots(fxRates=["0", None])),
        holding(representation_lots(fxRates=["NaN", None])),
    ],
)
def test_bad_lots_in_a_representation_are_bad_user_input(bad: object) -> None:
    with pytest.raises(PublicError) as raised:
        parse_holdings(bad)
    assert raised.value.code == "BAD_USER_INPUT"
    assert str(raised.value).startswith("The representation's holdings must be a list of")
