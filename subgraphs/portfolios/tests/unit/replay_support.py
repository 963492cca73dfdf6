"""A small builder of ledgers for the replay's worked examples, and how their results are read."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import pytest
from kit.core.money import Amount
from portfolios.domain.books import Books
from portfolios.domain.ledger import (
    ImpossibleHistory,
    Ledger,
)
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


FIFO, LIFO, HIFO, AVERAGE = (
    CostBasisMethod.FIFO,
    CostBasisMethod.LIFO,
    CostBasisMethod.HIFO,
    CostBasisMethod.AVERAGE,
)


def d(text: str) -> date:
    return date.fromisoformat(text)


class Book:
    """Records activities into one portfolio's ledger, each with the next id (recording order)."""

    def __init__(self, method: CostBasisMethod = FIFO, currency: str = "USD", pid: str = "P") -> None:
        self.portfolio = Portfolio(
            id=pid,
            customer_id="C",
            name=pid,
            kind=PortfolioKind.BROKERAGE,
            base_currency=currency,
            cost_basis_method=method,
            created_at=T0,
        )
        self.currency = currency
        self.activities: list[Activity] = []

    def record(self, kind: ActivityType, on: str, **fields: object) -> Activity:
        n = len(self.activities) + 1
        activity = Activity(
            id=f"{self.portfolio.id}{n:04d}",
            portfolio_id=self.portfolio.id,
            type=kind,
            occurred_on=d(on),
            recorded_at=T0 + timedelta(minutes=n),
            **fields,  # type: ignore[arg-type]
        )
        self.activities.append(activity)
        return activity

    def money(self, value: str | None, currency: str | None) -> Amount | None:
        return None if value is None else Amount(D(value), currency or self.currency)

    def trade(
        self,
        kind: ActivityType,
        on: str,
        symbol: str,
        quantity: str,
        price: str,
        *,
        fees: str | None = None,
        fx: str = "1",
        currency: str | None = None,
        picks: tuple[LotPick, ...] = (),
    ) -> Activity:
        return self.record(
            kind,
            on,
            symbol=symbol,
            quantity=D(quantity),
            price=self.money(price, currency),
            fees=self.money(fees, currency),
            fx_rate=D(fx),
            picks=picks,
        )

    def buy(self, on: str, symbol: str, quantity: str, price: str, **kw: object) -> Activity:
        return self.trade(ActivityType.BUY, on, symbol, quantity, price, **kw)  # type: ignore[arg-type]

    def sell(self, on: str, symbol: str, quantity: str, price: str, **kw: object) -> Activity:
        return self.trade(ActivityType.SELL, on, symbol, quantity, price, **kw)  # type: ignore[arg-type]

    def cash(
        self,
        kind: ActivityType,
        on: str,
        amount: str,
        *,
        fees: str | None = None,
        symbol: str | None = None,
        fx: str = "1",
        currency: str | None = None,
    ) -> Activity:
        return self.record(
            kind,
            on,
            symbol=symbol,
            amount=self.money(amount, currency),
            fees=self.money(fees, currency),
            fx_rate=D(fx),
        )

    def split(self, on: str, symbol: str, from_: str, to: str) -> Activity:
        return self.record(ActivityType.SPLIT, on, symbol=symbol, split=SplitRatio(D(from_), D(to)))

    def transfer_out(self, on: str, symbol: str, quantity: str, **kw: object) -> Activity:
        return self.record(
            ActivityType.TRANSFER_OUT,
            on,
            symbol=symbol,
            quantity=D(quantity),
            counterpart_portfolio_id="Q",
            **kw,
        )

    def transfer_in(self, on: str, symbol: str, moved: tuple[MovedLot, ...]) -> Activity:
        quantity = sum((m.quantity for m in moved), D(0))
        return self.record(
            ActivityType.TRANSFER_IN,
            on,
            symbol=symbol,
            quantity=quantity,
            counterpart_portfolio_id="Q",
            moved=moved,
        )

    def ledger(self) -> Ledger:
        return Ledger(self.portfolio, self.activities)

    def replay(self) -> Books:
        return self.ledger().replay()


def open_lots(books: Books) -> list[tuple[str, D, D]]:
    return [(lot.id, lot.remaining_quantity, lot.remaining_cost) for lot in books.holdings.open_lots]


def rows(books: Books, sale: Activity) -> list[tuple[str, D, D, D]]:
    result = books.history.sale(sale.id)
    assert result is not None
    return [(r.lot_id, r.quantity, r.proceeds, r.cost) for r in result.rows]


def impossible(ledger: Ledger) -> ImpossibleHistory:
    with pytest.raises(ImpossibleHistory) as caught:
        ledger.replay()
    return caught.value
