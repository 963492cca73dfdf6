"""The replay by property: random valid histories, recorded in random orders, give the same books.

A history is drawn as drafts in trade-date order (several symbols, every activity type, splits,
specific lots, transfers in and recorded transfers out), each valid when it is drawn: a disposal
takes at most what the replay of the drafts before it holds. Recording order is the activities'
ids (ULIDs in the service); a permutation of the drafts assigns the ids, and lot ids follow (a
BUY's lot is its id, a TRANSFER_IN's lots are named after it).

Recording order legitimately decides ties that trade date and DAY_ORDER leave open: two disposals
(SELL or TRANSFER_OUT) of one symbol on one day, two splits of one symbol on one day, and two lots
of one symbol with one acquisition date (FIFO/LIFO/AVERAGE order lots by date, then id). The
generator draws histories without such ties, so that every difference would be a defect.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal as D

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kit.core.money import EXACT, minor_unit, round_to_minor_unit
from portfolios.domain.model import ActivityType

from .ledger_drafts import CASH_IN, CASH_OUT, SYMBOLS, Draft, History, replay
from .ledger_strategies import histories, normal, some


def exact_sum(values: Iterator[D] | Sequence[D]) -> D:
    total = D(0)
    for value in values:
        total = EXACT.add(total, value)
    return total


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), st.data())
def test_recording_order_does_not_change_the_books(history: History, data: st.DataObject) -> None:
    in_date_order, names = replay(history)
    order = data.draw(st.permutations([d.key for d in history.drafts]), label="recording order")
    shuffled, shuffled_names = replay(history, order)
    assert normal(shuffled, shuffled_names) == normal(in_date_order, names)
    # Reports list sales and income in trade-date order, whatever the recording order.
    assert [s.sold_on for s in shuffled.history.sales] == sorted(s.sold_on for s in shuffled.history.sales)
    assert [i.received_on for i in shuffled.history.income] == sorted(
        i.received_on for i in shuffled.history.income
    )


def cash_line(draft: Draft, currency: str) -> D:
    """The activity's cash effect, computed here from its fields (not by the model), rounded."""
    fees = draft.fees or D(0)
    if draft.kind is ActivityType.BUY:
        assert draft.quantity is not None and draft.price is not None
        exact = -(draft.quantity * draft.price + fees)
    elif draft.kind is ActivityType.SELL:
        assert draft.quantity is not None and draft.price is not None
        exact = draft.quantity * draft.price - fees
    elif draft.kind in CASH_IN:
        assert draft.amount is not None
        exact = draft.amount - fees
    elif draft.kind in CASH_OUT:
        assert draft.amount is not None
        exact = -(draft.amount + fees)
    else:
        exact = -fees
    return round_to_minor_unit(EXACT.multiply(exact, draft.fx), currency)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_the_books_hold_to_the_last_digit(history: History) -> None:
    books, names = replay(history)
    holdings, ledger_history = books.holdings, books.history
    currency = history.currency
    unit = D(1).scaleb(-minor_unit(currency))
    drafts = {f"#{d.key}": d for d in history.drafts}

    # Cost bought (exact) = cost consumed by sales + cost carried out + cost still held.
    bought = exact_sum(
        [
            EXACT.multiply(EXACT.add(EXACT.multiply(some(d.quantity), some(d.price)), d.fees or D(0)), d.fx)
            for d in history.drafts
            if d.kind is ActivityType.BUY
        ]
        + [m[3] for d in history.drafts if d.kind is ActivityType.TRANSFER_IN for m in d.moved]
    )
    sold = exact_sum([s.exact_cost for s in ledger_history.sales])
    carried = exact_sum([m.cost for t in ledger_history.transfers for m in t.moved])
    held = exact_sum([x.remaining_cost for x in holdings.open_lots])
    assert bought == sold + carried + held
    assert all(x.remaining_quantity == 0 and x.remaining_cost == 0 for x in ledger_history.closed_lots)
    assert all(x.remaining_quantity > 0 and x.remaining_cost >= 0 for x in holdings.open_lots)

    # Quantities too, for every symbol no split touched.
    split = {d.symbol for d in history.drafts if d.kind is ActivityType.SPLIT}
    for symbol in set(SYMBOLS) - split:
        acquiring = (ActivityType.BUY, ActivityType.TRANSFER_IN)
        came = exact_sum(
            [some(d.quantity) for d in history.drafts if d.symbol == symbol and d.kind in acquiring]
        )
        went = exact_sum([some(d.quantity) for d in history.drafts if d.symbol == symbol and d.kind.disposes])
        left = exact_sum([x.remaining_quantity for x in holdings.open_lots if x.symbol == symbol])
        assert came == went + left

    # Each sale: proceeds and cost are lines of the statement, its rows add up to them exactly,
    # each row within a minor unit of its share of the proceeds.
    for sale in ledger_history.sales:
        draft = drafts[names[sale.sale_id]]
        assert draft.quantity is not None and draft.price is not None
        net = EXACT.subtract(EXACT.multiply(draft.quantity, draft.price), draft.fees or D(0))
        assert sale.proceeds == round_to_minor_unit(EXACT.multiply(net, draft.fx), currency)
        assert sale.cost == round_to_minor_unit(sale.exact_cost, currency)
        for value in (
            sale.proceeds,
            sale.cost,
            *(r.proceeds for r in sale.rows),
            *(r.cost for r in sale.rows),
        ):
            assert value.as_tuple().exponent == -minor_unit(currency)  # exactly that many digits
        assert exact_sum([r.proceeds for r in sale.rows]) == sale.proceeds
        assert exact_sum([r.cost for r in sale.rows]) == sale.cost
        assert exact_sum([r.quantity for r in sale.rows]) == sale.quantity == draft.quantity
        for row in sale.rows:
            assert abs(row.proceeds - sale.proceeds * row.quantity / sale.quantity) <= unit

    # Realized: by symbol, the sum of its sales; in all, the sum of every row's gain.
    rows = ledger_history.realized_rows(None, None)
    assert exact_sum(list(holdings.realized.values())) == exact_sum([r.gain for r in rows])
    for symbol, gain in holdings.realized.items():
        assert gain == exact_sum([s.realized_gain for s in ledger_history.sales if s.symbol == symbol])
    assert holdings.realized_gain.value == exact_sum([r.gain for r in rows])

    # Cash: the sum of every activity's rounded line; income: each dividend's and interest's gross line.
    assert holdings.cash == exact_sum([cash_line(d, currency) for d in history.drafts])
    assert holdings.cash.as_tuple().exponent == -minor_unit(currency)
    assert {names[i.activity_id]: i.amount for i in ledger_history.income} == {
        f"#{d.key}": round_to_minor_unit(EXACT.multiply(some(d.amount), d.fx), currency)
        for d in history.drafts
        if d.kind in (ActivityType.DIVIDEND, ActivityType.INTEREST)
    }

    # A position's cost basis is the sum of its lots' rounded lines.
    for position in holdings.positions():
        assert position.cost_basis.value == exact_sum([x.remaining_cost_basis.value for x in position.lots])
        assert position.quantity == exact_sum([x.remaining_quantity for x in position.lots])
