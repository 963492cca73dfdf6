"""The cost-basis engine: FIFO and AVERAGE sales, by hand and by property."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from decimal import localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kit.money import EXACT, Amount
from portfolios.domain.costbasis import (
    InsufficientQuantity,
    allocate,
    consume,
    consume_average,
    consume_fifo,
    net_proceeds,
    prorate,
    realized_gain,
    truncate,
)
from portfolios.domain.model import CostBasisMethod, Lot, LotTake

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def lot(n, quantity, price, *, fees=None, fx=None, on=date(2024, 1, 10), symbol="X", currency="USD"):
    made = Lot(
        id=f"L{n:04d}",
        portfolio_id="P",
        symbol=symbol,
        quantity=D(quantity),
        purchase_price=Amount(D(price), currency),
        purchased_at=on,
        fees=Amount(D(fees), currency) if fees is not None else None,
        fx_rate=D(fx) if fx is not None else None,
        base_currency="USD",
        created_at=T0,
        remaining_quantity=D(quantity),
        remaining_cost=D(0),
    )
    return replace(made, remaining_cost=made.cost_basis.value)


def state(lots):
    return [(x.id, x.remaining_quantity, x.remaining_cost) for x in lots]


def three_lots():
    # L1: 10 @ 100 + 5 fees = 1005;  L2: 10 @ 120 = 1200;  L3: 5 @ 150 = 750.  25 shares, 2955.
    return [
        lot(3, "5", "150", on=date(2024, 3, 10)),
        lot(1, "10", "100", fees="5", on=date(2024, 1, 10)),
        lot(2, "10", "120", on=date(2024, 2, 10)),
    ]


# --- by hand ----------------------------------------------------------------------------------


def test_fifo_takes_the_oldest_lots_first_and_the_last_in_part():
    sale = consume_fifo(three_lots(), D("15"))
    # L1 whole (10 shares, 1005), then 5 of L2's 10: 1200 * 5 / 10 = 600. L3 untouched.
    assert sale.cost == D("1605")
    assert state(sale.lots) == [("L0001", D(0), D(0)), ("L0002", D(5), D(600))]
    assert sale.takes == (LotTake("L0001", D(10)), LotTake("L0002", D(5)))
    assert [x.version for x in sale.lots] == [2, 2]
    # Sold 15 @ 130 less 10 fees: 1950 - 10 = 1940; gain 1940 - 1605 = 335.
    assert realized_gain(net_proceeds(D(15), D(130), D(10), None), sale.cost) == D("335")


def test_average_takes_from_every_lot_pro_rata_at_average_cost():
    sale = consume_average(three_lots(), D("15"))
    # 15 of 25 held: cost 2955 * 15 / 25 = 1773; every lot gives up 15/25 = 60% of its shares:
    # 6 of 10, 6 of 10, 3 of 5. What is left, 2955 - 1773 = 1182 for 10 shares (118.2 each), is
    # spread 4 : 4 : 2 -> 472.8, 472.8, 236.4.
    assert sale.cost == D("1773")
    assert state(sale.lots) == [
        ("L0001", D(4), D("472.8")),
        ("L0002", D(4), D("472.8")),
        ("L0003", D(2), D("236.4")),
    ]
    assert sale.takes == (LotTake("L0001", D(6)), LotTake("L0002", D(6)), LotTake("L0003", D(3)))
    # 1940 - 1773 = 167
    assert realized_gain(net_proceeds(D(15), D(130), D(10), None), sale.cost) == D("167")


def test_average_remainder_goes_to_the_newest_lot():
    lots = [
        lot(1, "1", "10"),
        lot(2, "1", "20", on=date(2024, 1, 11)),
        lot(3, "1", "30", on=date(2024, 1, 12)),
    ]
    sale = consume_average(lots, D("1"))
    # 1 of 3 shares at average cost 60 / 3 = 20. Each lot 1/3 of a share = 0.33333333 (truncated to
    # 8 places), the 0.00000001 left over is taken from the newest lot: 0.33333334.
    assert sale.cost == D("20")
    assert [t.quantity for t in sale.takes] == [D("0.33333333"), D("0.33333333"), D("0.33333334")]
    # 40 left over 0.66666667 + 0.66666667 + 0.66666666 = 2 shares:
    # 40 * 0.66666667 / 2 = 13.3333334 (twice), 40 * 0.66666666 / 2 = 13.3333332; sum 40 exactly.
    assert state(sale.lots) == [
        ("L0001", D("0.66666667"), D("13.3333334")),
        ("L0002", D("0.66666667"), D("13.3333334")),
        ("L0003", D("0.66666666"), D("13.3333332")),
    ]


def test_fifo_partial_lot_with_a_repeating_quotient_is_truncated_and_the_rest_stays_in_the_lot():
    # 3 shares @ 33 + 1 fee = 100. Selling 1: 100 / 3 = 33.3333333333 (10 places, truncated).
    first = consume_fifo([lot(1, "3", "33", fees="1")], D(1))
    assert first.cost == D("33.3333333333")
    assert state(first.lots) == [("L0001", D(2), D("66.6666666667"))]
    # Selling the other 2 takes the lot whole: all of its remaining cost.
    second = consume_fifo(first.lots, D(2))
    assert second.cost == D("66.6666666667")
    assert first.cost + second.cost == D(100)  # exactly the lot's cost
    # At 40 a share: 40 - 33.3333333333 = 6.6666666667, then 80 - 66.6666666667 = 13.3333333333: 20 in all
    gains = [realized_gain(D(40), first.cost), realized_gain(D(80), second.cost)]
    assert gains == [D("6.6666666667"), D("13.3333333333")] and sum(gains) == D(20)


def test_ties_on_purchase_date_go_in_recording_order():
    same_day = [lot(2, "1", "20"), lot(1, "1", "10")]  # L0001 was recorded first
    assert consume_fifo(same_day, D(1)).cost == D(10)


def test_sale_in_another_currency_converts_proceeds_and_fees():
    # Bought 10 SAP @ 100 EUR at 1.10: 1100 USD. Sold 4 @ 120 EUR, 2 EUR fees, at 1.20:
    # (480 - 2) * 1.20 = 573.6 USD; cost 1100 * 4 / 10 = 440; gain 133.6.
    sale = consume_fifo([lot(1, "10", "100", fx="1.10", currency="EUR")], D(4))
    assert sale.cost == D(440)
    assert realized_gain(net_proceeds(D(4), D(120), D(2), D("1.20")), sale.cost) == D("133.6")


def test_consumed_lots_are_skipped_and_selling_too_much_is_refused():
    emptied = consume_fifo([lot(1, "2", "10")], D(2)).lots[0]
    assert not emptied.is_open
    with pytest.raises(InsufficientQuantity):
        consume_fifo([emptied, lot(2, "1", "10")], D("1.5"))
    for method in CostBasisMethod:
        with pytest.raises(InsufficientQuantity):
            consume(method, three_lots(), D("25.00000001"))
        with pytest.raises(ValueError, match="positive"):
            consume(method, three_lots(), D(0))
    with pytest.raises(ValueError, match="one symbol"):
        consume_fifo([lot(1, "1", "1"), lot(2, "1", "1", symbol="Y")], D(1))


def test_selling_everything_under_average_empties_every_lot_exactly():
    lots = [lot(1, "1", "0.1", fx="1.123456789012345"), lot(2, "2", "0.3")]
    sale = consume_average(lots, D(3))
    # 0.1 * 1.123456789012345 = 0.1123456789012345, + 0.6 = 0.7123456789012345: all of it, untruncated
    assert sale.cost == D("0.7123456789012345")
    assert state(sale.lots) == [("L0001", D(0), D(0)), ("L0002", D(0), D(0))]


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [(D("1.23456"), 3, "1.234"), (D("1.2"), 3, "1.2"), (D("-1.239"), 2, "-1.23"), (D("5"), 0, "5")],
)
def test_truncate(value, places, expected):
    assert str(truncate(value, places)) == expected


def test_prorate_and_allocate_edges():
    assert prorate(D("7"), D("2"), D("2"), 0) == D("7")  # the whole: the amount itself
    assert prorate(D("7"), D("0"), D("2"), 0) == D("0")
    with pytest.raises(ValueError):
        prorate(D("7"), D("3"), D("2"), 2)
    assert allocate(D("10"), [D(1), D(1), D(1)], 2, capped=False) == [D("3.33"), D("3.33"), D("3.34")]
    assert allocate(D("0"), [D(1), D(0)], 2, capped=True) == [D(0), D(0)]
    # Zero weights get nothing, even the remainder (it goes to the last positive weight).
    assert allocate(D("1"), [D(1), D(2), D(0)], 2, capped=False) == [D("0.33"), D("0.67"), D(0)]
    with pytest.raises(ValueError):
        allocate(D("3"), [D(1), D(1)], 2, capped=True)


# --- properties -------------------------------------------------------------------------------

quantities = st.decimals(min_value=D("0.00000001"), max_value=D("100000"), places=8)
prices = st.decimals(min_value=D("0"), max_value=D("10000"), places=4)
fee_amounts = st.one_of(st.none(), st.decimals(min_value=D("0"), max_value=D("50"), places=2))
fx_rates = st.one_of(st.none(), st.decimals(min_value=D("0.0001"), max_value=D("100"), places=6))


@st.composite
def portfolios_of_lots(draw, min_size=1, max_size=8):
    count = draw(st.integers(min_size, max_size))
    lots = []
    for n in range(count):
        on = date(2024, 1, 1) + timedelta(days=draw(st.integers(0, 30)))  # ties happen often
        lots.append(lot(n, draw(quantities), draw(prices), fees=draw(fee_amounts), fx=draw(fx_rates), on=on))
    return lots


def held_by(lots):
    with localcontext(EXACT):
        return sum((x.remaining_quantity for x in lots), D(0))


def cost_of(lots):
    with localcontext(EXACT):
        return sum((x.remaining_cost for x in lots), D(0))


def draw_sale(data, lots):
    """A quantity up to what is held (8 places), sometimes all of it; None when nothing is held."""
    holding = held_by(lots)
    if holding == 0:
        return None
    per_mille = data.draw(st.integers(1, 1000))
    quantity = truncate(holding * per_mille / 1000, 8) if per_mille < 1000 else holding
    return quantity if quantity > 0 else None


def apply(lots, changed):
    by_id = {x.id: x for x in changed}
    return [by_id.get(x.id, x) for x in lots]


def check_lot_invariants(lots):
    for x in lots:
        assert D(0) <= x.remaining_quantity <= x.quantity
        assert x.remaining_cost >= 0
        if x.remaining_quantity == 0:
            assert x.remaining_cost == 0
        assert x.remaining_quantity == truncate(x.remaining_quantity, 8)  # still at most 8 places


@settings(max_examples=150, deadline=None)
@given(portfolios_of_lots(), st.sampled_from(list(CostBasisMethod)), st.data())
def test_random_buys_and_sells_conserve_quantity_and_cost_exactly(lots, method, data):
    with localcontext(EXACT):
        bought = sum((x.quantity for x in lots), D(0))
        bought_cost = sum((x.cost_basis.value for x in lots), D(0))
    sold, consumed = D(0), D(0)
    for _ in range(data.draw(st.integers(1, 6))):
        quantity = draw_sale(data, lots)
        if quantity is None:
            break
        price = data.draw(prices)
        fees = data.draw(fee_amounts)
        fx = data.draw(fx_rates)
        before = {x.id: x for x in lots}
        sale = consume(method, lots, quantity)
        lots = apply(lots, sale.lots)
        with localcontext(EXACT):
            sold += quantity
            consumed += sale.cost
            # the sale's takes add up to its quantity, and each take is what left its lot
            assert sum((t.quantity for t in sale.takes), D(0)) == quantity
            for take in sale.takes:
                after = next(x for x in lots if x.id == take.lot_id)
                assert before[take.lot_id].remaining_quantity - after.remaining_quantity == take.quantity
            # realized gain = proceeds - sell fees - cost consumed, in base currency
            expected = (quantity * price - (fees or 0)) * (fx if fx is not None else 1) - sale.cost
            assert realized_gain(net_proceeds(quantity, price, fees, fx), sale.cost) == expected
        assert all(x.version == before[x.id].version + 1 for x in sale.lots)
        check_lot_invariants(lots)
        if method is CostBasisMethod.FIFO:
            # the oldest open lots, all emptied but the last one touched
            open_before = sorted(
                (x for x in before.values() if x.is_open), key=lambda x: (x.purchased_at, x.id)
            )
            assert [x.id for x in sale.lots] == [x.id for x in open_before[: len(sale.lots)]]
            assert all(not x.is_open for x in sale.lots[:-1])
        else:
            assert {x.id for x in sale.lots} == {x.id for x in before.values() if x.is_open}
    with localcontext(EXACT):
        assert held_by(lots) == bought - sold
        assert bought_cost == consumed + cost_of(lots)


@settings(max_examples=150, deadline=None)
@given(quantities, prices, fee_amounts, fx_rates, st.data())
def test_fifo_and_average_agree_on_a_single_lot(quantity, price, fees, fx, data):
    fifo = average = [lot(1, quantity, price, fees=fees, fx=fx)]
    for _ in range(data.draw(st.integers(1, 4))):
        sell = draw_sale(data, fifo)
        if sell is None:
            break
        by_fifo, by_average = consume_fifo(fifo, sell), consume_average(average, sell)
        assert by_fifo == by_average
        fifo, average = list(by_fifo.lots), list(by_average.lots)


@given(portfolios_of_lots(), st.sampled_from(list(CostBasisMethod)))
def test_selling_more_than_is_held_changes_nothing(lots, method):
    too_much = held_by(lots) + D("0.00000001")
    with pytest.raises(InsufficientQuantity):
        consume(method, lots, too_much)
