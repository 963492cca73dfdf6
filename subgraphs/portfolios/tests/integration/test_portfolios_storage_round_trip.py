"""The ledger's storage on DynamoDB Local: a new portfolio, and every activity type and the books
written (two portfolios in one transaction) and read back exactly."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest
from kit.core.money import Amount
from portfolios.adapters import table
from portfolios.domain.books import History
from portfolios.domain.ledger import Ledger, with_moved_lots
from portfolios.domain.lots import Holdings
from portfolios.domain.model import ActivityType, LotPick, SplitRatio
from portfolios.domain.ports import IdempotencyRecord, LedgerChange, WriteConflict
from ulid import ULID

from .support import (
    activity,
    audit,
    buy,
    count_calls,
    new_portfolio,
    open_portfolio,
    raw_item,
    register_customer,
    usd,
)


async def test_a_new_portfolio_needs_an_active_customer_and_has_empty_books(store):
    customer_id = str(ULID())
    portfolio = new_portfolio(customer_id)
    with pytest.raises(WriteConflict):
        await store.repository.create_portfolio(portfolio)
    await register_customer(store, customer_id)
    await store.repository.create_portfolio(portfolio)
    assert await store.repository.portfolios([portfolio.id, "nope"]) == {portfolio.id: portfolio}
    stored = await store.repository.ledger(portfolio.id)
    assert stored is not None and (stored.portfolio, stored.activities, stored.version) == (portfolio, (), 0)
    assert await store.repository.holdings([portfolio.id]) == {portfolio.id: Holdings(portfolio.id, "USD")}
    assert await store.repository.history(portfolio.id) == History()
    assert await store.repository.ledger("nope") is None
    meta = await raw_item(store, table.portfolio_key(portfolio.id))
    assert meta is not None and meta["version"] == 0


async def test_every_activity_type_and_the_books_round_trip_exactly_with_a_two_portfolio_write(store):
    source = await open_portfolio(store)
    target = new_portfolio(source.customer_id)
    await store.repository.create_portfolio(target)
    day = date(2023, 1, 2)
    eur_buy = activity(
        source,
        ActivityType.BUY,
        day,
        symbol="SAP",
        quantity=D("4.50000000"),
        price=Amount(D("120.50"), "EUR"),
        fees=Amount(D("2.50"), "EUR"),
        fx_rate=D("1.0825"),
        note="bought in Frankfurt",
    )
    first_buy = activity(
        source, ActivityType.BUY, day, symbol="AAPL", quantity=D("10"), price=usd("150.00"), fees=usd("1.50")
    )
    second_buy = buy(source, date(2023, 3, 1), price="170.25")
    recorded = [
        activity(source, ActivityType.DEPOSIT, date(2023, 1, 1), amount=usd("10000.00")),
        first_buy,
        second_buy,
        eur_buy,
        activity(
            source,
            ActivityType.DIVIDEND,
            date(2023, 4, 1),
            symbol="AAPL",
            amount=usd("5.25"),
            fees=usd("0.75"),
        ),
        activity(source, ActivityType.INTEREST, date(2023, 4, 2), amount=usd("1.10")),
        activity(source, ActivityType.WITHDRAWAL, date(2023, 4, 3), amount=usd("100.00")),
        activity(source, ActivityType.FEE, date(2023, 4, 4), amount=usd("3.00")),
        activity(source, ActivityType.TAX, date(2023, 4, 5), amount=usd("0.79")),
        activity(
            source, ActivityType.SPLIT, date(2023, 5, 1), symbol="AAPL", split=SplitRatio(D("1"), D("2"))
        ),
        activity(
            source,
            ActivityType.SELL,
            date(2023, 6, 1),
            symbol="AAPL",
            quantity=D("5"),
            price=usd("99.999"),
            fees=usd("1.00"),
            picks=(LotPick(second_buy.id, D("5")),),
        ),
    ]
    out = activity(
        source,
        ActivityType.TRANSFER_OUT,
        date(2023, 7, 1),
        symbol="AAPL",
        quantity=D("3"),
        counterpart_portfolio_id=target.id,
    )
    carried = Ledger(source, [*recorded, out]).replay().history.transfer(out.id)
    assert carried is not None
    moved = tuple(replace(m, lot_id=str(ULID())) for m in carried.moved)
    transfer_in = activity(
        target,
        ActivityType.TRANSFER_IN,
        out.occurred_on,
        symbol="AAPL",
        quantity=D("3"),
        moved=moved,
        counterpart_portfolio_id=source.id,
        counterpart_activity_id=out.id,
    )
    out = replace(with_moved_lots(out, moved), counterpart_activity_id=transfer_in.id)
    source_books = Ledger(source, [*recorded, out]).replay(version=1)
    target_books = Ledger(target, [transfer_in]).replay(version=1)
    await store.repository.write(
        [
            LedgerChange(
                source,
                0,
                source_books,
                put=(*recorded, out),
                audit=(audit(source, out),),
                idempotency=IdempotencyRecord("transfer-1", out.id, "f" * 64),
                require_active_customer=True,
                activities=(*recorded, out),
            ),
            LedgerChange(
                target,
                0,
                target_books,
                put=(transfer_in,),
                audit=(audit(target, transfer_in),),
                activities=(transfer_in,),
            ),
        ]
    )

    # The ledger comes from the journal, in one Query, and says what the activity items say.
    with count_calls(store) as calls:
        stored = await store.repository.ledger(source.id)
    assert calls == ["Query"]
    assert stored is not None and stored.version == 1
    assert sorted(stored.activities, key=lambda a: a.id) == sorted([*recorded, out], key=lambda a: a.id)
    assert sorted(await store.repository.ledger_activities(source.id), key=lambda a: a.id) == sorted(
        stored.activities, key=lambda a: a.id
    )
    back = {a.id: a for a in stored.activities}
    assert str(back[first_buy.id].price.value) == "150.00"  # type: ignore[union-attr]
    assert str(back[eur_buy.id].quantity) == "4.50000000"
    assert str(back[eur_buy.id].fx_rate) == "1.0825"
    assert (await store.repository.ledger(target.id)).activities == (transfer_in,)  # type: ignore[union-attr]

    holdings = await store.repository.holdings([source.id, target.id])
    assert holdings == {source.id: source_books.holdings, target.id: target_books.holdings}
    assert await store.repository.history(source.id) == source_books.history
    assert await store.repository.history(target.id) == History()  # a transfer in has no history
    assert {str(lot.remaining_cost) for lot in holdings[target.id].open_lots} == {str(m.cost) for m in moved}

    owners = await store.repository.owners(
        [first_buy.id, out.id, transfer_in.id, *(m.lot_id for m in moved), "x"]
    )
    assert {i: o.portfolio_id for i, o in owners.items()} == {
        first_buy.id: source.id,
        out.id: source.id,
        transfer_in.id: target.id,
        **{m.lot_id: target.id for m in moved},
    }
    assert {o.customer_id for o in owners.values()} == {source.customer_id}
    assert await store.repository.activity(source.id, eur_buy.id) == eur_buy
    assert await store.repository.activity(target.id, eur_buy.id) is None  # someone else's
    assert await store.repository.portfolio_and_idempotency(source.id, "transfer-1") == (
        source,
        IdempotencyRecord("transfer-1", out.id, "f" * 64),
    )
