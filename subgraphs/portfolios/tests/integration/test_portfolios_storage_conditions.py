"""The ledger's storage on DynamoDB Local: the conditions of a write (one writer per version, open
portfolios of active customers) and what a correction or a removal does to items and refs."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date

import pytest
from portfolios.adapters import table
from portfolios.domain.ledger import Ledger
from portfolios.domain.model import Activity
from portfolios.domain.ports import IdempotencyRecord, LedgerChange, WriteConflict

from .support import NOW, audit, buy, close_customer, open_portfolio, raw_item, record, usd


async def test_of_two_writers_at_one_version_one_wins_and_the_other_writes_nothing(store):
    portfolio = await open_portfolio(store)
    await record(store.repository, portfolio, buy(portfolio, date(2024, 1, 2)))
    stored = await store.repository.ledger(portfolio.id)
    assert stored is not None
    mine, theirs = (
        buy(portfolio, date(2024, 2, 1), quantity="1"),
        buy(portfolio, date(2024, 2, 2), quantity="2"),
    )

    def change(added: Activity, key: str) -> LedgerChange:
        books = Ledger(portfolio, [*stored.activities, added]).replay(version=stored.version + 1)
        return LedgerChange(
            portfolio,
            stored.version,
            books,
            put=(added,),
            audit=(audit(portfolio, added),),
            idempotency=IdempotencyRecord(key, added.id, key),
        )

    outcomes = await asyncio.gather(
        store.repository.write([change(mine, "k-mine")]),
        store.repository.write([change(theirs, "k-theirs")]),
        return_exceptions=True,
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["NoneType", "WriteConflict"]
    winner, loser = (mine, theirs) if outcomes[0] is None else (theirs, mine)
    after = await store.repository.ledger(portfolio.id)
    assert after is not None and after.version == stored.version + 1
    assert {a.id for a in after.activities} == {stored.activities[0].id, winner.id}
    assert await store.repository.owners([loser.id]) == {}
    assert await raw_item(store, table.activity_key(portfolio.id, loser.occurred_on, loser.id)) is None
    loser_key = "k-mine" if loser is mine else "k-theirs"
    assert (await store.repository.portfolio_and_idempotency(portfolio.id, loser_key))[1] is None
    trail = await store.repository.audit_trail(portfolio.id, 10, None)
    assert loser.id not in {e.activity_id for e in trail.entries}
    (holdings,) = (await store.repository.holdings([portfolio.id])).values()
    assert holdings.version == after.version and holdings.activity_count == 2

    # A write at a version that is gone is refused, and writes nothing either.
    late = buy(portfolio, date(2024, 3, 1))
    with pytest.raises(WriteConflict):
        await store.repository.write([change(late, "k-late")])
    assert await store.repository.owners([late.id]) == {}


async def test_a_closed_portfolio_or_customer_takes_no_change(store):
    portfolio = await open_portfolio(store)
    await close_customer(store, portfolio.customer_id)
    with pytest.raises(WriteConflict):
        await record(
            store.repository, portfolio, buy(portfolio, date(2024, 1, 2)), require_active_customer=True
        )
    await record(store.repository, portfolio, buy(portfolio, date(2024, 1, 2)))  # not required: accepted
    closed = await store.repository.close_portfolio(portfolio.id, NOW)
    assert closed is not None and closed.is_closed
    with pytest.raises(WriteConflict):
        await record(store.repository, portfolio, buy(portfolio, date(2024, 1, 3)))
    stored = await store.repository.ledger(portfolio.id)
    assert stored is not None and stored.version == 1 and len(stored.activities) == 1
    renamed = await store.repository.rename_portfolio(portfolio.id, "Renamed", at=NOW)
    assert renamed is not None and renamed.name == "Renamed"
    assert (await store.repository.ledger(portfolio.id)).version == 1  # type: ignore[union-attr]


async def test_correcting_a_date_moves_the_item_and_removing_deletes_item_and_ref(store):
    portfolio = await open_portfolio(store)
    first, second = buy(portfolio, date(2024, 1, 2)), buy(portfolio, date(2024, 1, 5), quantity="3")
    await record(store.repository, portfolio, first, second)
    stored = await store.repository.ledger(portfolio.id)
    assert stored is not None
    moved = replace(first, occurred_on=date(2023, 12, 29), price=usd("149.50"))
    books = Ledger(portfolio, [moved, second]).replay(version=2)
    await store.repository.write(
        [
            LedgerChange(
                portfolio, 1, books, put=(moved,), deleted=(first,), audit=(audit(portfolio, moved, first),)
            )
        ]
    )
    assert await raw_item(store, table.activity_key(portfolio.id, first.occurred_on, first.id)) is None
    assert await store.repository.activity(portfolio.id, first.id) == moved
    ref = await raw_item(store, table.ref_key(first.id))
    assert ref is not None and ref["occurredOn"] == "2023-12-29"

    # Same date: one Put replaces the item.
    repriced = replace(moved, price=usd("149.75"))
    books = Ledger(portfolio, [repriced, second]).replay(version=3)
    await store.repository.write([LedgerChange(portfolio, 2, books, put=(repriced,), deleted=(moved,))])
    assert await store.repository.activity(portfolio.id, first.id) == repriced

    books = Ledger(portfolio, [repriced]).replay(version=4)
    await store.repository.write([LedgerChange(portfolio, 3, books, deleted=(second,))])
    assert await store.repository.owners([second.id]) == {}
    stored = await store.repository.ledger(portfolio.id)
    assert stored is not None and stored.activities == (repriced,) and stored.version == 4
    (holdings,) = (await store.repository.holdings([portfolio.id])).values()
    assert [str(lot.remaining_cost) for lot in holdings.open_lots] == ["1497.50"]
