"""Generated ledgers (hypothesis) for the replay's properties: valid histories drawn as drafts in
trade-date order (`ledger_drafts`), and what is normal of their books.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal as D
from typing import Any

from hypothesis import strategies as st
from portfolios.domain.books import Books
from portfolios.domain.model import (
    DAY_ORDER,
    ActivityType,
    CostBasisMethod,
)

from .ledger_drafts import (
    KINDS,
    RATIOS,
    START,
    SYMBOLS,
    Draft,
    History,
    amounts,
    fee_amounts,
    fraction,
    prices,
    quantities,
    rates,
    replay,
)


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
