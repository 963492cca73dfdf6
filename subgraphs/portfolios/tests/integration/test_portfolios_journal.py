"""The ledger's journal on DynamoDB Local: every write stores the portfolio's whole activity list
(compressed, chunked) beside the activity items, and `ledger()` reads it in one Query; without one
(written before the journal, or left out of a change) the items are read."""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal as D
from typing import Any

import pytest
from kit.aws.dynamo import to_item
from portfolios.adapters import items, table
from portfolios.adapters.repository import DynamoPortfolioRepository, transactions
from portfolios.domain.ledger import Ledger
from portfolios.domain.model import Activity, ActivityType
from portfolios.domain.ports import LedgerChange

from .support import (
    activity,
    audit,
    buy,
    count_calls,
    open_portfolio,
    raw_item,
    record,
    usd,
)


def by_id(activities: Any) -> list[Activity]:
    return sorted(activities, key=lambda a: a.id)


async def journal_and_items(store: Any, portfolio_id: str) -> tuple[list[Activity], list[Activity]]:
    stored = await store.repository.ledger(portfolio_id)
    assert stored is not None
    return by_id(stored.activities), by_id(await store.repository.ledger_activities(portfolio_id))


async def change(store: Any, portfolio: Any, *, put: tuple[Activity, ...] = (), deleted=(), journal=True):
    """A use case's write: read, change, replay, write the new books and (unless told) the journal."""
    stored = await store.repository.ledger(portfolio.id)
    assert stored is not None
    gone = {a.id for a in deleted}
    after = Ledger(portfolio, [*(a for a in stored.activities if a.id not in gone), *put])
    await store.repository.write(
        [
            LedgerChange(
                portfolio,
                stored.version,
                after.replay(version=stored.version + 1),
                put=put,
                deleted=tuple(deleted),
                audit=tuple(audit(portfolio, a) for a in put)
                or tuple(audit(portfolio, None, a) for a in deleted),
                activities=tuple(after.activities.values()) if journal else None,
            )
        ]
    )
    return after


async def test_journal_and_items_agree_after_record_correct_and_remove(store):
    portfolio = await open_portfolio(store)
    meta = await raw_item(store, table.portfolio_key(portfolio.id))
    assert meta is not None and items.has_journal(meta)  # a new portfolio's journal: empty
    first, second = buy(portfolio, date(2024, 1, 2)), buy(portfolio, date(2024, 1, 5), quantity="3")
    dividend = activity(portfolio, ActivityType.DIVIDEND, date(2024, 2, 1), symbol="AAPL", amount=usd("4.20"))
    await record(store.repository, portfolio, first, second, dividend)
    sale = activity(
        portfolio, ActivityType.SELL, date(2024, 1, 3), symbol="AAPL", quantity=D("4"), price=usd("151")
    )
    await change(store, portfolio, put=(sale,))  # back-dated
    journal, stored_items = await journal_and_items(store, portfolio.id)
    assert journal == stored_items == by_id([first, second, dividend, sale])

    moved = replace(first, occurred_on=date(2023, 12, 29), price=usd("149.50"))  # a new sort key
    await change(store, portfolio, put=(moved,), deleted=(first,))
    repriced = replace(dividend, amount=usd("4.25"))  # the same sort key
    await change(store, portfolio, put=(repriced,), deleted=(dividend,))
    await change(store, portfolio, deleted=(second,))
    journal, stored_items = await journal_and_items(store, portfolio.id)
    assert journal == stored_items == by_id([moved, repriced, sale])

    await change(store, portfolio, deleted=(sale,))
    await change(store, portfolio, deleted=(repriced,))
    await change(store, portfolio, deleted=(moved,))  # nothing left: an empty journal, no chunk
    stored = await store.repository.ledger(portfolio.id)
    assert stored is not None and stored.activities == () and stored.version == 8
    meta = await raw_item(store, table.portfolio_key(portfolio.id))
    assert meta is not None and meta["journalChunks"] == 0 and meta["journalVersion"] == 8
    assert await raw_item(store, table.chunk_key(portfolio.id, table.JOURNAL_PART, 0)) is None


async def test_a_portfolio_without_a_journal_is_read_from_its_items_until_a_write_stores_one(store):
    portfolio = await open_portfolio(store)
    recorded = [buy(portfolio, date(2024, 1, 2) + timedelta(days=n), quantity=str(n + 1)) for n in range(5)]
    await record(store.repository, portfolio, *recorded)
    # A portfolio written before the journal: META has no journal attributes.
    await store.client.update_item(
        TableName=store.table,
        Key=to_item(table.portfolio_key(portfolio.id)),
        UpdateExpression=f"REMOVE {items.JOURNAL_CHUNKS}, {items.JOURNAL_VERSION}",
    )
    with count_calls(store) as calls:
        stored = await store.repository.ledger(portfolio.id)
    assert calls == ["Query", "Query"]  # META (and no journal), then the activity items
    assert stored is not None and by_id(stored.activities) == by_id(recorded) and stored.version == 1

    added = buy(portfolio, date(2023, 6, 1))
    await change(store, portfolio, put=(added,))
    with count_calls(store) as calls:
        stored = await store.repository.ledger(portfolio.id)
    assert calls == ["Query"]
    assert stored is not None and by_id(stored.activities) == by_id([*recorded, added])

    # A change written without its journal leaves none: the next read takes the items again.
    later = buy(portfolio, date(2024, 3, 1))
    await change(store, portfolio, put=(later,), journal=False)
    meta = await raw_item(store, table.portfolio_key(portfolio.id))
    assert meta is not None and not items.has_journal(meta) and items.JOURNAL_VERSION not in meta
    with count_calls(store) as calls:
        journal, stored_items = await journal_and_items(store, portfolio.id)
    assert calls[:2] == ["Query", "Query"]
    assert journal == stored_items == by_id([*recorded, added, later])


async def test_a_journal_larger_than_a_chunk_is_chunked_and_shrinking_deletes_the_surplus(store):
    portfolio = await open_portfolio(store)
    # Notes of random text do not compress: 3,000 of them make a journal of about 2 chunks.
    recorded = [
        replace(buy(portfolio, date(2015, 1, 1) + timedelta(days=n)), note=secrets.token_hex(100))
        for n in range(3000)
    ]
    for start in range(0, len(recorded), 25):
        batch = [
            {"PutRequest": {"Item": to_item(items.activity_item(a))}} for a in recorded[start : start + 25]
        ]
        response = await store.client.batch_write_item(RequestItems={store.table: batch})
        assert not response.get("UnprocessedItems")
    books = Ledger(portfolio, recorded).replay(version=1)
    await store.repository.write([LedgerChange(portfolio, 0, books, activities=tuple(recorded))])
    meta = await raw_item(store, table.portfolio_key(portfolio.id))
    assert meta is not None and meta["journalChunks"] >= 2
    for index in range(int(meta["journalChunks"])):
        chunk = await raw_item(store, table.chunk_key(portfolio.id, table.JOURNAL_PART, index))
        assert chunk is not None and chunk["version"] == 1 and "gsi1pk" not in chunk
        assert len(items.chunk_bytes(chunk)) <= items.CHUNK_BYTES
    with count_calls(store) as calls:
        journal, stored_items = await journal_and_items(store, portfolio.id)
    assert calls[0] == "Query" and journal == stored_items == by_id(recorded)

    # The journal shrinks to one chunk: the others are deleted in the same transaction.
    kept = recorded[:10]
    books = Ledger(portfolio, kept).replay(version=2)
    await store.repository.write(
        [LedgerChange(portfolio, 1, books, deleted=tuple(recorded[10:20]), activities=tuple(kept))]
    )
    meta = await raw_item(store, table.portfolio_key(portfolio.id))
    assert meta is not None and meta["journalChunks"] == 1
    assert await raw_item(store, table.chunk_key(portfolio.id, table.JOURNAL_PART, 1)) is None
    stored = await store.repository.ledger(portfolio.id)
    assert stored is not None and by_id(stored.activities) == by_id(kept)


async def test_a_read_overlapping_a_write_is_made_again(store, monkeypatch):
    portfolio = await open_portfolio(store)
    first = buy(portfolio, date(2024, 1, 2))
    await record(store.repository, portfolio, first)
    second = buy(portfolio, date(2024, 1, 3))
    real = store.repository._meta_and_journal
    writer = DynamoPortfolioRepository(store.client, store.table)
    reads = []

    async def overlapped(portfolio_id: str) -> Any:
        meta, chunks = await real(portfolio_id)
        reads.append(meta)
        if len(reads) == 1:  # the chunks read before a write landed, META after it
            await record(writer, portfolio, second)
            meta, _ = await real(portfolio_id)
        return meta, chunks

    monkeypatch.setattr(store.repository, "_meta_and_journal", overlapped)
    stored = await store.repository.ledger(portfolio.id)
    assert len(reads) == 2
    assert stored is not None and stored.version == 2 and by_id(stored.activities) == by_id([first, second])


async def test_a_journal_that_is_not_the_ledger_after_the_change_is_refused_and_nothing_written(store):
    portfolio = await open_portfolio(store)
    first = buy(portfolio, date(2024, 1, 2))
    await record(store.repository, portfolio, first)
    second = buy(portfolio, date(2024, 1, 3))
    books = Ledger(portfolio, [first, second]).replay(version=2)
    wrong = [
        {"put": (second,), "activities": (first,)},  # misses what is put
        {"deleted": (first,), "activities": (first, second)},  # keeps what is deleted
        {"put": (second,), "activities": (first, second, second)},  # twice
    ]
    for fields in wrong:
        with pytest.raises(ValueError, match="journal"):
            await store.repository.write([LedgerChange(portfolio, 1, books, **fields)])
    with pytest.raises(ValueError, match="not of portfolio"):
        await store.repository.write(
            [
                LedgerChange(
                    portfolio, 1, books, put=(second,), activities=(first, replace(second, portfolio_id="x"))
                )
            ]
        )
    stored = await store.repository.ledger(portfolio.id)
    assert stored is not None and stored.version == 1 and stored.activities == (first,)


async def test_a_journal_too_big_for_one_transaction_is_left_out_and_the_change_written(store, monkeypatch):
    portfolio = await open_portfolio(store)
    recorded = [
        replace(buy(portfolio, date(2015, 1, 1) + timedelta(days=n)), note=secrets.token_hex(100))
        for n in range(500)
    ]
    for start in range(0, len(recorded), 25):
        batch = [
            {"PutRequest": {"Item": to_item(items.activity_item(a))}} for a in recorded[start : start + 25]
        ]
        await store.client.batch_write_item(RequestItems={store.table: batch})
    # The journal (~100 KB of random notes) does not fit a transaction of at most 60 KB; the rest does.
    monkeypatch.setattr(transactions, "MAX_TRANSACTION_BYTES", 60_000)
    added = buy(portfolio, date(2016, 1, 1), quantity="1")
    books = Ledger(portfolio, [*recorded, added]).replay(version=1)
    await store.repository.write(
        [LedgerChange(portfolio, 0, books, put=(added,), activities=(*recorded, added))]
    )
    meta = await raw_item(store, table.portfolio_key(portfolio.id))
    assert meta is not None and meta["version"] == 1 and not items.has_journal(meta)
    stored = await store.repository.ledger(portfolio.id)
    assert stored is not None and by_id(stored.activities) == by_id([*recorded, added])
    # Without its journal, a change still too big is refused as before.
    monkeypatch.setattr(transactions, "MAX_TRANSACTION_BYTES", 1_000)
    with pytest.raises(ValueError, match="4 MB"):
        await store.repository.write([LedgerChange(portfolio, 1, books, activities=(*recorded, added))])
