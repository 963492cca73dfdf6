"""The timeline stored with the projection on DynamoDB Local (issue 15): written by every change, read
back exactly for many portfolios in two batched reads, small for five years of activity; and stored
once, by the startup migration, for a portfolio last written before timelines were."""

from __future__ import annotations

from datetime import date

from kit.aws.dynamo import to_item
from portfolios.adapters import items, table
from portfolios.adapters.items.codec import dumps
from portfolios.adapters.migration import migrate_at_startup
from portfolios.adapters.timeline_backfill import TimelineBackfill, backfill_timelines
from portfolios.domain.ledger import Ledger
from portfolios.domain.model import ActivityType
from portfolios.domain.ports import LedgerChange
from portfolios.domain.timeline import Timeline

from ..five_years import five_years
from .support import activity, buy, count_calls, open_portfolio, raw_item, record, usd


async def forget_timeline(store, portfolio_id: str) -> None:
    """As a portfolio last written before timelines were: no TIMELINE# chunks, no count on META."""
    meta = await raw_item(store, table.portfolio_key(portfolio_id))
    assert meta is not None
    for index in range(items.chunk_count(meta, table.TIMELINE_PART)):
        await store.client.delete_item(
            TableName=store.table, Key=to_item(table.chunk_key(portfolio_id, table.TIMELINE_PART, index))
        )
    await store.client.update_item(
        TableName=store.table,
        Key=to_item(table.portfolio_key(portfolio_id)),
        UpdateExpression=f"REMOVE {items.TIMELINE_CHUNKS}",
    )


async def test_a_new_portfolio_has_an_empty_timeline_and_each_change_stores_the_replays(store):
    portfolio = await open_portfolio(store)
    assert await store.repository.timelines([portfolio.id]) == {portfolio.id: Timeline()}
    books = await record(store.repository, portfolio, buy(portfolio, date(2024, 1, 2), quantity="3"))
    deposit = activity(portfolio, ActivityType.DEPOSIT, date(2024, 1, 1), amount=usd("100"))
    later = await record(store.repository, portfolio, deposit)
    assert books.timeline != later.timeline and later.timeline.records_cash
    assert await store.repository.timelines([portfolio.id, "nope"]) == {portfolio.id: later.timeline}


async def test_five_years_of_a_thousand_activities_round_trip_and_stay_small(store, capsys):
    portfolios = [await open_portfolio(store) for _ in range(5)]
    expected = {}
    for n, portfolio in enumerate(portfolios):
        activities = five_years(portfolio, seed=n)
        books = Ledger(portfolio, activities).replay(version=1)
        await store.repository.write([LedgerChange(portfolio, 0, books, activities=tuple(activities))])
        expected[portfolio.id] = books.timeline
    ids = [p.id for p in portfolios]
    with count_calls(store) as calls:
        found = await store.repository.timelines(ids)
    assert found == expected
    # META of the five, then their TIMELINE# chunks: two batched reads, not one per portfolio.
    assert calls == ["BatchGetItem", "BatchGetItem"]
    meta = await raw_item(store, table.portfolio_key(ids[0]))
    assert meta is not None and meta[items.TIMELINE_CHUNKS] == 1
    chunk = await raw_item(store, table.chunk_key(ids[0], table.TIMELINE_PART, 0))
    assert chunk is not None and "gsi1pk" not in chunk  # only pricing reads it: not in the book's index
    stored = len(items.chunk_bytes(chunk))
    raw = len(dumps(items.timeline_data(expected[ids[0]])).encode())
    with capsys.disabled():
        print(f"\ntimeline of 1,000 activities over 5 years: {raw} bytes of JSON, {stored} stored (zlib)")
    assert stored < 32 * 1024


async def test_the_startup_migration_stores_a_missing_timeline_once(store):
    store = await store.new_table()
    portfolio = await open_portfolio(store)
    await record(store.repository, portfolio, buy(portfolio, date(2024, 1, 2), quantity="3"))
    books = await record(store.repository, portfolio, buy(portfolio, date(2024, 1, 3), quantity="2"))
    untouched = await open_portfolio(store)
    await forget_timeline(store, portfolio.id)
    assert await store.repository.timelines([portfolio.id]) == {}  # never a replay on read

    backfill = TimelineBackfill(store.client, store.table)
    assert await backfill.pending() == [portfolio.id]
    report = await migrate_at_startup(store.client, store.table)
    assert report is not None
    assert await store.repository.timelines([portfolio.id]) == {portfolio.id: books.timeline}
    meta = await raw_item(store, table.portfolio_key(portfolio.id))
    assert meta is not None and meta[items.VERSION] == 2  # stored at the version it was read at
    assert await backfill.pending() == []
    again = await backfill_timelines(store.client, store.table)
    assert (again.stored, again.failed) == ([], {})
    assert await store.repository.timelines([untouched.id]) == {untouched.id: Timeline()}


async def test_a_timeline_stored_meanwhile_is_not_overwritten(store):
    store = await store.new_table()
    portfolio = await open_portfolio(store)
    await record(store.repository, portfolio, buy(portfolio, date(2024, 1, 2), quantity="3"))
    await forget_timeline(store, portfolio.id)
    backfill = TimelineBackfill(store.client, store.table)
    assert await backfill.pending() == [portfolio.id]
    # A change lands first: it stores its own timeline (the next version's).
    books = await record(store.repository, portfolio, buy(portfolio, date(2024, 1, 5), quantity="1"))
    assert await backfill.store(portfolio.id) == "nothing"
    assert await store.repository.timelines([portfolio.id]) == {portfolio.id: books.timeline}
    assert await backfill.pending() == []
