"""Drafts of activities for the replay's properties, and how they are made into a portfolio's
activities and replayed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

from hypothesis import strategies as st
from kit.core.money import EXACT, Amount
from portfolios.domain.books import Books
from portfolios.domain.costbasis import truncate
from portfolios.domain.ledger import Ledger
from portfolios.domain.model import (
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
