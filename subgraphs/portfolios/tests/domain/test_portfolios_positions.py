"""Positions, cost basis and average cost, computed by hand in the comments."""

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal as D
from decimal import localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kit.money import EXACT, Amount
from portfolios.domain.model import (
    CostBasisMethod,
    Ledger,
    Lot,
    Portfolio,
    PortfolioKind,
    PositionSummary,
    average,
    book_of,
    holdings_of,
    investments_of,
    positions_of,
)

T0 = datetime(2024, 1, 1, tzinfo=UTC)
_counter = iter(range(10**9))


def lot(
    symbol, quantity, price, *, currency="USD", fees=None, fx=None, base="USD", on=date(2024, 1, 2), pid="P"
):
    n = next(_counter)
    made = Lot(
        id=f"L{n:09d}",
        portfolio_id=pid,
        symbol=symbol,
        quantity=D(quantity),
        purchase_price=Amount(D(price), currency),
        purchased_at=on,
        fees=Amount(D(fees), currency) if fees is not None else None,
        fx_rate=D(fx) if fx is not None else None,
        base_currency=base,
        created_at=T0,
        remaining_quantity=D(quantity),
        remaining_cost=D(0),
    )
    return replace(made, remaining_cost=made.cost_basis.value)


def test_lot_cost_basis_includes_fees():
    # 10 * 150.25 + 1.00 = 1502.50 + 1.00 = 1503.50 USD
    assert lot("AAPL", "10", "150.25", fees="1.00").cost_basis == Amount(D("1503.50"), "USD")


def test_lot_cost_basis_with_fx_rate_is_in_base_currency():
    # (4 * 120.50 EUR + 2.00 EUR) * 1.0850 = (482.00 + 2.00) * 1.0850 = 484.00 * 1.0850 = 525.14 USD
    sap = lot("SAP", "4", "120.50", currency="EUR", fees="2.00", fx="1.0850", base="USD")
    assert sap.cost == Amount(D("484.00"), "EUR")
    assert sap.cost_basis.currency_code == "USD"
    assert sap.cost_basis.value == D("525.14")


def test_positions_sum_lots_per_symbol_ordered_by_symbol():
    lots = [
        lot("MSFT", "2", "300"),  # 600
        lot("AAPL", "10", "150.25", fees="1.00", on=date(2024, 1, 5)),  # 1503.50
        lot("AAPL", "5", "160.10", fees="0.50", on=date(2024, 1, 3)),  # 800.50 + 0.50 = 801.00
    ]
    aapl, msft = positions_of(lots, "USD")
    assert [aapl.symbol, msft.symbol] == ["AAPL", "MSFT"]
    # AAPL: 10 + 5 = 15 shares, 1503.50 + 801.00 = 2304.50 USD
    assert aapl.quantity == D("15")
    assert aapl.cost_basis == Amount(D("2304.50"), "USD")
    # 2304.50 / 15 = 153.6333... -> 10 places, half-even: 153.6333333333
    assert aapl.average_cost == Amount(D("153.6333333333"), "USD")
    # lots of the position in purchase order: the 3 January lot first
    assert [x.purchased_at for x in aapl.lots] == [date(2024, 1, 3), date(2024, 1, 5)]
    # MSFT: 2 * 300 = 600, average 300 exactly
    assert msft.cost_basis.value == D("600")
    assert msft.average_cost.value == D("300")


def test_position_mixing_currencies_through_fx_rates():
    # Portfolio in USD; two SAP lots:
    #   in USD: 1 * 130 = 130
    #   in EUR: (2 * 100 + 1) * 1.10 = 201 * 1.10 = 221.10
    # total 3 shares, 351.10 USD, average 351.10 / 3 = 117.0333333333 USD
    lots = [lot("SAP", "1", "130"), lot("SAP", "2", "100", currency="EUR", fees="1", fx="1.10")]
    (sap,) = positions_of(lots, "USD")
    assert sap.quantity == D("3")
    assert sap.cost_basis == Amount(D("351.10"), "USD")
    assert sap.average_cost == Amount(D("117.0333333333"), "USD")


def test_holdings_one_per_position_with_cost_in_base_currency():
    lots = [lot("B", "1", "10"), lot("A", "2", "5", fees="0.25"), lot("B", "0.5", "12")]
    # A: 2 * 5 + 0.25 = 10.25; B: 1 * 10 + 0.5 * 12 = 16, quantity 1.5
    holdings = holdings_of(positions_of(lots, "USD"))
    assert [(h.symbol, h.quantity, h.cost_basis) for h in holdings] == [
        ("A", D("2"), D("10.25")),
        ("B", D("1.5"), D("16.0")),
    ]


def test_positions_refuse_a_lot_in_another_base_currency():
    with pytest.raises(ValueError, match="EUR"):
        positions_of([lot("X", "1", "1", currency="EUR", base="EUR")], "USD")


def test_positions_hold_what_sales_left_and_what_they_realized():
    sold_out = replace(lot("A", "2", "10"), remaining_quantity=D(0), remaining_cost=D(0))
    part = replace(lot("B", "4", "10"), remaining_quantity=D("1.5"), remaining_cost=D("15"))
    summaries = [PositionSummary("P", "A", D("3.50")), PositionSummary("P", "B", D("-1.25"))]
    # A is sold out: no position (its gain still counts in the ledger's total); B holds 1.5 of 4.
    (b,) = positions_of([sold_out, part], "USD", summaries)
    assert (b.symbol, b.quantity, b.cost_basis.value, b.realized_gain.value) == (
        "B",
        D("1.5"),
        D("15"),
        D("-1.25"),
    )
    assert b.average_cost.value == D(10)  # 15 / 1.5
    assert Ledger(lots=(sold_out, part), summaries=tuple(summaries)).realized_gain() == D("2.25")
    assert holdings_of([b])[0].cost_basis == D("15")


def test_no_lots_no_positions():
    assert positions_of([], "USD") == []


@pytest.mark.parametrize(
    ("total", "quantity", "expected"),
    [
        (D("1503.50"), D("10"), D("150.35")),  # exact: kept as is
        (D("1"), D("3"), D("0.3333333333")),  # 0.333... rounded to 10 places
        (D("2"), D("3"), D("0.6666666667")),  # 0.666... rounds up
        (D("1"), D("1024"), D("0.0009765625")),  # exact with exactly 10 places
        (D("1"), D("2048"), D("0.0004882812")),  # 0.00048828125 -> half-even drops the 5 (2 is even)
        (D("5"), D("0"), D("0")),  # no quantity, no average
    ],
)
def test_average_cost_rounding(total, quantity, expected):
    result = average(total, quantity)
    assert result == expected
    assert str(result) == str(expected)


def test_investments_in_purchase_order():
    late, early = lot("A", "1", "1", on=date(2024, 3, 1)), lot("B", "1", "1", on=date(2024, 2, 1))
    assert investments_of([late, early]) == [early, late]


def test_book_orders_portfolios_by_creation_and_drops_orphan_lots():
    def portfolio(pid, minute):
        return Portfolio(
            id=pid,
            customer_id="C",
            name=pid,
            kind=PortfolioKind.IRA,
            base_currency="USD",
            cost_basis_method=CostBasisMethod.FIFO,
            created_at=T0.replace(minute=minute),
        )

    newer, older = portfolio("P2", 5), portfolio("P1", 1)
    lots = [lot("A", "1", "1", pid="P2"), lot("B", "1", "1", pid="P1"), lot("C", "1", "1", pid="GONE")]
    book = book_of("C", [newer, older], lots)
    assert [p.id for p in book.portfolios] == ["P1", "P2"]
    assert [x.symbol for x in book.lots_of("P1")] == ["B"]
    assert [x.symbol for x in book.lots_of("P2")] == ["A"]
    assert book.lots_of("GONE") == ()


# --- properties -------------------------------------------------------------------------------

quantities = st.decimals(min_value=D("0.00000001"), max_value=D("1000000"), places=8)
prices = st.decimals(min_value=D("0"), max_value=D("100000"), places=4)
fees = st.one_of(st.none(), st.decimals(min_value=D("0"), max_value=D("100"), places=2))
fx_rates = st.one_of(st.none(), st.decimals(min_value=D("0.0001"), max_value=D("1000"), places=6))
lots_strategy = st.lists(
    st.builds(
        lambda symbol, q, p, f, fx: lot(symbol, q, p, fees=f, fx=fx),
        st.sampled_from(["AAPL", "MSFT", "BRK.B", "VOO"]),
        quantities,
        prices,
        fees,
        fx_rates,
    ),
    max_size=30,
)


@given(lots_strategy)
def test_positions_preserve_quantity_cost_and_lots(lots):
    positions = positions_of(lots, "USD")
    # Every lot lands in exactly one position, of its own symbol.
    assert sorted(x.id for p in positions for x in p.lots) == sorted(x.id for x in lots)
    assert all(x.symbol == p.symbol for p in positions for x in p.lots)
    # Sums are exact, even past the 28 digits of Python's default context: nothing is lost or rounded.
    with localcontext(EXACT):
        assert sum((p.quantity for p in positions), D(0)) == sum((x.quantity for x in lots), D(0))
        assert sum((p.cost_basis.value for p in positions), D(0)) == sum(
            (x.cost_basis.value for x in lots), D(0)
        )
    # One position per symbol, ordered by symbol.
    symbols = [p.symbol for p in positions]
    assert symbols == sorted(set(symbols))


@given(lots_strategy)
def test_average_cost_times_quantity_is_cost_basis_within_rounding(lots):
    for position in positions_of(lots, "USD"):
        # The average is rounded to 10 places: off by at most 0.5e-10 per unit.
        error = abs(position.average_cost.value * position.quantity - position.cost_basis.value)
        assert error <= D("0.5e-10") * position.quantity


@given(lots_strategy)
def test_holdings_match_positions(lots):
    positions = positions_of(lots, "USD")
    holdings = holdings_of(positions)
    assert [(h.symbol, h.quantity, h.cost_basis) for h in holdings] == [
        (p.symbol, p.quantity, p.cost_basis.value) for p in positions
    ]
