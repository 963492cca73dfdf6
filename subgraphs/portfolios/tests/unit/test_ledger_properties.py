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
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kit.core.money import EXACT, Amount, minor_unit, round_to_minor_unit
from portfolios.domain.books import Books
from portfolios.domain.costbasis import truncate
from portfolios.domain.ledger import Ledger
from portfolios.domain.model import (
    DAY_ORDER,
    Activity,
    ActivityType,
    CostBasisMethod,
    LotPick,
    MovedLot,
    Portfolio,
    PortfolioKind,
    SplitRatio,
)

T0 = datetime(2024, 1, 1, tzinfo=UTC)
START = date(2020, 1, 1)
SYMBOLS = ("AAA", "BBB", "CCC")
RATIOS = ((D(1), D(2)), (D(1), D(3)), (D(3), D(2)), (D(2), D(1)), (D(1), D(10)), (D(4), D(1)))
# Weighted: trades and their kin most often.
KINDS = (
    *[ActivityType.BUY] * 6,
    *[ActivityType.SELL] * 5,
    ActivityType.DIVIDEND,
    ActivityType.INTEREST,
    ActivityType.DEPOSIT,
    ActivityType.WITHDRAWAL,
    ActivityType.FEE,
    ActivityType.TAX,
    ActivityType.SPLIT,
    ActivityType.TRANSFER_IN,
    *[ActivityType.TRANSFER_OUT] * 2,
)
CASH_IN = (ActivityType.DIVIDEND, ActivityType.INTEREST, ActivityType.DEPOSIT)
CASH_OUT = (ActivityType.WITHDRAWAL, ActivityType.FEE, ActivityType.TAX)

quantities = st.decimals(min_value=D("0.0001"), max_value=D(1000), places=4)
prices = st.decimals(min_value=D(0), max_value=D(500), places=4)
amounts = st.decimals(min_value=D("0.001"), max_value=D(5000), places=3)
fee_amounts = st.one_of(st.none(), st.decimals(min_value=D(0), max_value=D(10), places=2))
rates = st.decimals(min_value=D("0.005"), max_value=D(200), places=6)


@dataclass(frozen=True)
class Draft:
    """An activity before it has an id: lots are named by keys ("b3": the lot of draft 3, a BUY;
    "t5.0": the first lot of draft 5, a TRANSFER_IN)."""

    key: int
    kind: ActivityType
    on: date
    symbol: str | None = None
    quantity: D | None = None
    price: D | None = None
    amount: D | None = None
    fees: D | None = None
    fx: D = D(1)
    currency: str | None = None
    split: tuple[D, D] | None = None
    picks: tuple[tuple[str, D], ...] = ()
    # (source lot key for a TRANSFER_OUT, "" for a TRANSFER_IN; acquired on; quantity; cost)
    moved: tuple[tuple[str, date, D, D], ...] = ()


@dataclass(frozen=True)
class History:
    method: CostBasisMethod
    currency: str
    drafts: tuple[Draft, ...]


def portfolio(history: History) -> Portfolio:
    return Portfolio(
        id="P",
        customer_id="C",
        name="P",
        kind=PortfolioKind.BROKERAGE,
        base_currency=history.currency,
        cost_basis_method=history.method,
        created_at=T0,
    )


def lot_id(key: str, ids: dict[int, str]) -> str:
    kind, rest = key[0], key[1:]
    if kind == "b":
        return ids[int(rest)]
    draft, index = rest.split(".")
    return f"{ids[int(draft)]}.{index}"


def materialize(history: History, order: Sequence[int]) -> tuple[list[Activity], dict[str, str]]:
    """The drafts as activities recorded in `order` (a permutation of draft keys); and the way back
    from every id (activity or lot) to its key."""
    ids = {key: f"01J{position:023d}" for position, key in enumerate(order)}
    activities = []
    for draft in history.drafts:
        currency = draft.currency or history.currency
        money = {
            name: Amount(value, currency) if value is not None else None
            for name, value in (("price", draft.price), ("amount", draft.amount), ("fees", draft.fees))
        }
        if draft.kind is ActivityType.TRANSFER_OUT:
            moved = tuple(
                MovedLot(f"R{ids[draft.key]}.{k}", lot_id(source, ids), acquired, quantity, cost)
                for k, (source, acquired, quantity, cost) in enumerate(draft.moved)
            )
        else:
            moved = tuple(
                MovedLot(f"{ids[draft.key]}.{k}", f"elsewhere.{k}", acquired, quantity, cost)
                for k, (_, acquired, quantity, cost) in enumerate(draft.moved)
            )
        activities.append(
            Activity(
                id=ids[draft.key],
                portfolio_id="P",
                type=draft.kind,
                occurred_on=draft.on,
                recorded_at=T0 + timedelta(seconds=order.index(draft.key)),
                symbol=draft.symbol,
                quantity=draft.quantity,
                fx_rate=draft.fx,
                split=SplitRatio(*draft.split) if draft.split else None,
                counterpart_portfolio_id="Q" if draft.kind.name.startswith("TRANSFER") else None,
                picks=tuple(LotPick(lot_id(key, ids), quantity) for key, quantity in draft.picks),
                moved=moved,
                **money,  # type: ignore[arg-type]
            )
        )
    names = {ids[draft.key]: f"#{draft.key}" for draft in history.drafts}
    for draft in history.drafts:
        if draft.kind is ActivityType.BUY:
            names[ids[draft.key]] = f"b{draft.key}"
        if draft.kind is ActivityType.TRANSFER_IN:
            for k in range(len(draft.moved)):
                names[lot_id(f"t{draft.key}.{k}", ids)] = f"t{draft.key}.{k}"
    return activities, names


def replay(history: History, order: Sequence[int] | None = None) -> tuple[Books, dict[str, str]]:
    keys = [draft.key for draft in history.drafts]
    activities, names = materialize(history, keys if order is None else order)
    return Ledger(portfolio(history), activities).replay(), names


def fraction(data: st.DataObject, held: D) -> D:
    """Some of `held` (8 places at most), sometimes all of it; zero when too little to split."""
    per_mille = data.draw(st.integers(1, 1000))
    return held if per_mille == 1000 else truncate(EXACT.multiply(held, D(per_mille)) / 1000, 8)


@st.composite
def histories(draw: Any, max_size: int = 22) -> History:
    method = draw(st.sampled_from(list(CostBasisMethod)))
    currency = draw(st.sampled_from(["USD", "JPY", "BHD"]))
    data = draw(st.data())
    history = History(method, currency, ())
    drafts: list[Draft] = []
    day, last_group = START, -1
    taken: set[tuple[str, str, date]] = set()  # (what, symbol, day): the ties the generator avoids
    transferred_dates = iter(range(1, 10**6))

    def move_on(days: int) -> None:
        nonlocal day, last_group
        if days:
            day += timedelta(days=days)
            last_group = -1

    for key in range(draw(st.integers(3, max_size))):
        kind = draw(st.sampled_from(KINDS))
        symbol = draw(st.sampled_from(SYMBOLS))
        move_on(draw(st.integers(0, 40)))
        tie = {
            ActivityType.BUY: "acquired",
            ActivityType.SELL: "disposed",
            ActivityType.TRANSFER_OUT: "disposed",
            ActivityType.SPLIT: "split",
        }.get(kind)
        # Within a day, draw in DAY_ORDER, so that what is drawn later replays later.
        if DAY_ORDER[kind] < last_group or (tie is not None and (tie, symbol, day) in taken):
            move_on(1)
        if tie is not None:
            taken.add((tie, symbol, day))
        last_group = DAY_ORDER[kind]
        foreign = draw(st.booleans())
        currency_fx: dict[str, Any] = {"currency": "EUR", "fx": draw(rates)} if foreign else {}
        fees = draw(fee_amounts)

        if kind.disposes:
            books, names = replay(replace(history, drafts=tuple(drafts)))
            lots = [x for x in books.holdings.open_lots if x.symbol == symbol]
            if not lots:  # nothing to take: a buy instead, the next day (so no tie and DAY_ORDER holds)
                kind = ActivityType.BUY
                move_on(1)
                taken.add(("acquired", symbol, day))
                last_group = DAY_ORDER[kind]

        if kind is ActivityType.BUY:
            draft = Draft(key, kind, day, symbol, draw(quantities), draw(prices), fees=fees, **currency_fx)
        elif kind.disposes:
            held = sum((x.remaining_quantity for x in lots), D(0))
            picks: tuple[tuple[str, D], ...] = ()
            if method is not CostBasisMethod.AVERAGE and draw(st.booleans()):
                chosen = draw(
                    st.lists(st.sampled_from(lots), min_size=1, max_size=3, unique_by=lambda x: x.id)
                )
                picks = tuple((names[x.id], fraction(data, x.remaining_quantity)) for x in chosen)
                picks = tuple(p for p in picks if p[1] > 0) or (
                    (names[chosen[0].id], chosen[0].remaining_quantity),
                )
                quantity = sum((q for _, q in picks), D(0))
            else:
                quantity = fraction(data, held) or held
            if kind is ActivityType.SELL:
                draft = Draft(
                    key, kind, day, symbol, quantity, draw(prices), fees=fees, picks=picks, **currency_fx
                )
            else:
                # Recorded as the service records it: with the lots the replay made it carry.
                draft = Draft(key, kind, day, symbol, quantity, picks=picks)
                books, names = replay(replace(history, drafts=(*drafts, draft)))
                (transfer,) = [t for t in books.history.transfers if names[t.transfer_id] == f"#{key}"]
                moved = tuple(
                    (names[m.source_lot_id], m.acquired_on, m.quantity, m.cost) for m in transfer.moved
                )
                draft = replace(draft, moved=moved)
        elif kind is ActivityType.SPLIT:
            draft = Draft(key, kind, day, symbol, split=draw(st.sampled_from(RATIOS)))
        elif kind is ActivityType.TRANSFER_IN:
            # Lots keep acquisition dates from before the history, one date per lot and symbol.
            count = draw(st.integers(1, 3))
            moved = tuple(
                (
                    "",
                    START - timedelta(days=next(transferred_dates)),
                    draw(quantities),
                    draw(st.decimals(min_value=D(0), max_value=D(10000), places=4)),
                )
                for _ in range(count)
            )
            quantity = sum((m[2] for m in moved), D(0))
            draft = Draft(key, kind, day, symbol, quantity, moved=moved)
        else:
            draft = Draft(
                key,
                kind,
                day,
                symbol if kind is ActivityType.DIVIDEND else None,
                amount=draw(amounts),
                fees=fees,
                **currency_fx,
            )
        drafts.append(draft)
    return History(method, currency, tuple(drafts))


def normal(books: Books, names: dict[str, str]) -> dict[str, Any]:
    """The books with every id replaced by its draft's key: comparable across recording orders."""
    holdings, history = books.holdings, books.history

    def lot(x: Any) -> tuple[Any, ...]:
        return (
            names[x.id],
            names[x.activity_id],
            x.symbol,
            x.acquired_on,
            x.quantity,
            x.cost,
            x.remaining_quantity,
            x.remaining_cost,
        )

    return {
        "open": sorted(lot(x) for x in holdings.open_lots),
        "closed": sorted(lot(x) for x in history.closed_lots),
        "cash": holdings.cash,
        "realized": dict(holdings.realized),
        "positions": [
            (p.symbol, p.quantity, p.cost_basis, p.exact_cost, p.average_cost, p.realized_gain, len(p.lots))
            for p in holdings.positions()
        ],
        "sales": {
            names[s.sale_id]: (
                s.symbol,
                s.sold_on,
                s.quantity,
                s.proceeds,
                s.cost,
                s.exact_cost,
                tuple(
                    (names[r.lot_id], r.acquired_on, r.quantity, r.proceeds, r.cost, r.term) for r in s.rows
                ),
            )
            for s in history.sales
        },
        "transfers": {
            names[t.transfer_id]: tuple(
                (names[m.source_lot_id], m.acquired_on, m.quantity, m.cost) for m in t.moved
            )
            for t in history.transfers
        },
        "income": {names[i.activity_id]: (i.type, i.received_on, i.amount) for i in history.income},
    }


def some(value: D | None) -> D:
    assert value is not None
    return value


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
