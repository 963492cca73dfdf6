"""Valuation as a statement (DESIGN.md decision 6): every amount a line rounded half-even to the base
currency's minor unit, every total the sum of its rounded lines; by properties and by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from assets.domain.fx import MappingFxRates
from assets.domain.quotes import Quote
from assets.domain.valuation import Holding, value_portfolio
from hypothesis import given, settings
from hypothesis import strategies as st
from kit.core.money import Amount, minor_unit

T0 = datetime(2025, 11, 24, 15, 0, tzinfo=UTC)
D = Decimal


def usd(value: str) -> Amount:
    return Amount(D(value), "USD")


def quote(
    symbol: str, price: str, previous: str | None, *, at: datetime = T0, currency: str = "USD"
) -> Quote:
    prev = None if previous is None else Amount(D(previous), currency)
    return Quote(symbol, Amount(D(price), currency), prev, at, "simulated")


quantities = st.decimals(min_value=0, max_value=1_000_000, places=6, allow_nan=False, allow_infinity=False)
prices = st.decimals(min_value="0.0001", max_value=100_000, places=4, allow_nan=False, allow_infinity=False)
costs = st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False, allow_infinity=False)
positions = st.lists(
    st.tuples(quantities, costs, st.one_of(st.none(), st.tuples(prices, st.one_of(st.none(), prices)))),
    max_size=30,
)


@settings(max_examples=300, deadline=None, database=None)
@given(positions)
def test_totals_are_the_sums_of_positions(
    rows: list[tuple[Decimal, Decimal, tuple[Decimal, Decimal | None] | None]],
) -> None:
    holdings = [Holding(f"S{i}", qty, cost) for i, (qty, cost, _) in enumerate(rows)]
    quotes = {
        f"S{i}": None
        if priced is None
        else Quote(f"S{i}", usd(str(priced[0])), None if priced[1] is None else usd(str(priced[1])), T0, "x")
        for i, (_, _, priced) in enumerate(rows)
    }
    result = value_portfolio("USD", holdings, quotes)

    priced_positions = [p for p in result.positions if p.market_value is not None]
    assert result.market_value.value == sum(
        (p.market_value.value for p in priced_positions if p.market_value), D(0)
    )
    assert result.cost_basis.value == sum((p.cost_basis.value for p in priced_positions), D(0))
    assert result.unrealized_gain.value == result.market_value.value - result.cost_basis.value
    assert result.complete == all(priced is not None for _, _, priced in rows)
    assert all(p.cost_basis.currency_code == "USD" for p in result.positions)
    if result.market_value.value > 0:
        weights = [p.weight for p in priced_positions]
        assert all(w is not None and 0 <= w <= 1 for w in weights)
        assert abs(sum((w for w in weights if w is not None), D(0)) - 1) < D("1e-20")
    else:
        assert all(p.weight is None for p in result.positions)


def test_a_value_near_10_to_the_26_keeps_its_cents() -> None:
    """quantity x price x rate runs in kit.core.money.EXACT: in the default 28-digit context this market
    value (about 1.2 x 10^26) would lose everything after the hundreds."""
    holdings = [
        Holding("BIG", D("999999999999.12345678"), D("1.01")),
        Holding("SMALL", D("1"), D("0")),
    ]
    quotes = {
        "BIG": quote("BIG", "99999999999999.99", "99999999999999.98"),
        "SMALL": quote("SMALL", "0.01", None),
    }
    rates = MappingFxRates({("USD", "EUR"): D("1.2")})
    result = value_portfolio("EUR", holdings, quotes, rates)
    # BIG: 119999999999894802813600000.01051851864 EUR -> .01; SMALL: 1 x 0.01 x 1.2 = 0.012 -> 0.01
    assert result.positions[0].market_value == Amount(D("119999999999894802813600000.01"), "EUR")
    assert result.positions[1].market_value == Amount(D("0.01"), "EUR")
    assert result.market_value.value == D("119999999999894802813600000.02")  # the sum of the lines
    # (the exact total, ...0.02251851864, happens to round the same way)
    assert result.unrealized_gain.value == D("119999999999894802813599999.01")  # .02 - 1.01
    # day change: quantity x 0.01 x 1.2 = 11999999999.98948148136 -> .99; SMALL has no previous close
    assert result.day_change.value == D("11999999999.99")


def test_a_tie_rounds_half_even_to_the_cent() -> None:
    # 3 x 33.335 = 100.005: a tie, to the even cent, 100.00; 1 x 100.015 -> 100.02 (2 is even)
    down = value_portfolio("USD", [Holding("A", D("3"), D("90"))], {"A": quote("A", "33.335", "33.3")})
    assert str(down.market_value.value) == "100.00"
    assert down.unrealized_gain == usd("10.00")
    # day change 3 x 0.035 = 0.105 -> 0.10 (tie, even)
    assert str(down.day_change.value) == "0.10"
    up = value_portfolio("USD", [Holding("A", D("1"), D("0"))], {"A": quote("A", "100.015", None)})
    assert str(up.market_value.value) == "100.02"


def test_a_jpy_portfolio_shows_no_decimals_and_bhd_three() -> None:
    # 7 x 1234.5 JPY = 8641.5 -> 8642 (tie, even); cost 8000.4 -> 8000; gain 642
    jpy = value_portfolio(
        "JPY", [Holding("T", D("7"), D("8000.4"))], {"T": quote("T", "1234.5", "1234.4", currency="JPY")}
    )
    (position,) = jpy.positions
    assert str(position.market_value.value) == "8642"  # type: ignore[union-attr]
    assert str(position.cost_basis.value) == "8000"
    assert str(jpy.unrealized_gain.value) == "642"
    assert str(jpy.day_change.value) == "1"  # 7 x 0.1 = 0.7 -> 1
    assert jpy.unrealized_gain_percent == D("642") / D("8000") * 100
    # 1.5 x 10.0005 BHD = 15.00075 -> 15.001
    bhd = value_portfolio(
        "BHD", [Holding("B", D("1.5"), D("15"))], {"B": quote("B", "10.0005", None, currency="BHD")}
    )
    assert str(bhd.market_value.value) == "15.001"
    assert str(bhd.cost_basis.value) == "15.000"
    assert str(bhd.unrealized_gain.value) == "0.001"


def test_the_total_is_the_sum_of_the_rounded_lines_not_the_rounded_sum() -> None:
    # three lines of 1 x 1.005 = 1.005 -> 1.00 each (tie, even); their exact sum 3.015 would round
    # to 3.02, which no reader could add up from the lines: the total is 3.00
    holdings = [Holding(s, D("1"), D("0.995")) for s in ("A", "B", "C")]
    quotes = {s: quote(s, "1.005", "1") for s in ("A", "B", "C")}
    result = value_portfolio("USD", holdings, quotes)
    assert [p.market_value for p in result.positions] == [usd("1.00")] * 3
    assert [p.cost_basis for p in result.positions] == [usd("1.00")] * 3  # 0.995 -> 1.00
    assert [p.unrealized_gain for p in result.positions] == [usd("0.00")] * 3
    assert [p.day_change for p in result.positions] == [usd("0.00")] * 3  # 0.005 -> 0.00
    assert result.market_value == usd("3.00")
    assert result.cost_basis == usd("3.00")
    assert result.unrealized_gain == usd("0.00")
    assert result.day_change == usd("0.00")
    assert result.unrealized_gain_percent == 0


def test_a_loss_that_rounds_to_zero_has_no_sign() -> None:
    # day change 1 x (10.000 - 10.004) = -0.004 -> 0.00, not -0.00
    result = value_portfolio("USD", [Holding("A", D("1"), D("10"))], {"A": quote("A", "10.000", "10.004")})
    assert result.day_change.value == 0 and not result.day_change.value.is_signed()
    assert result.positions[0].day_change is not None
    assert not result.positions[0].day_change.value.is_signed()


currencies = st.sampled_from(["USD", "JPY", "BHD", "EUR"])


@settings(max_examples=300, deadline=None, database=None)
@given(positions, currencies)
def test_every_total_is_the_sum_of_its_rounded_lines(
    rows: list[tuple[Decimal, Decimal, tuple[Decimal, Decimal | None] | None]], currency: str
) -> None:
    holdings = [Holding(f"S{i}", qty, cost) for i, (qty, cost, _) in enumerate(rows)]
    quotes = {
        f"S{i}": None
        if priced is None
        else Quote(
            f"S{i}",
            Amount(priced[0], currency),
            None if priced[1] is None else Amount(priced[1], currency),
            T0,
            "x",
        )
        for i, (_, _, priced) in enumerate(rows)
    }
    result = value_portfolio(currency, holdings, quotes)
    places = minor_unit(currency)
    half = D(5).scaleb(-places - 1)

    def lines(attribute: str) -> list[Decimal]:
        found = [getattr(p, attribute) for p in result.positions if p.market_value is not None]
        return [a.value for a in found if a is not None]

    for amount in (result.market_value, result.cost_basis, result.unrealized_gain, result.day_change):
        assert amount.currency_code == currency
        assert amount.value.as_tuple().exponent == -places  # exactly the minor unit's digits
    for position in result.positions:
        for line in (
            position.market_value,
            position.cost_basis,
            position.unrealized_gain,
            position.day_change,
        ):
            assert line is None or line.value.as_tuple().exponent == -places
    assert result.market_value.value == sum(lines("market_value"), D(0))
    assert result.cost_basis.value == sum(lines("cost_basis"), D(0))
    assert result.unrealized_gain.value == sum(lines("unrealized_gain"), D(0))
    assert result.unrealized_gain.value == result.market_value.value - result.cost_basis.value
    assert result.day_change.value == sum(lines("day_change"), D(0))
    # each line is its exact amount rounded, so within half a minor unit of it
    for (qty, cost, priced), position in zip(rows, result.positions, strict=True):
        assert abs(position.cost_basis.value - cost) <= half
        if priced is not None:
            assert position.market_value is not None
            assert abs(position.market_value.value - qty * priced[0]) <= half
            if priced[1] is not None:
                assert position.day_change is not None
                assert abs(position.day_change.value - qty * (priced[0] - priced[1])) <= half
