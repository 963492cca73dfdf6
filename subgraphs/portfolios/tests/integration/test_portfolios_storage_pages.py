"""The ledger's storage on DynamoDB Local: activities and the audit trail, paged newest first."""

from __future__ import annotations

from datetime import date

import pytest
from kit.aws.dynamo import to_item
from portfolios.adapters import table
from portfolios.domain.ledger import Ledger
from portfolios.domain.model import Activity
from portfolios.domain.ports import LedgerChange, WriteConflict
from ulid import ULID

from .support import audit, buy, open_portfolio, record


async def test_activities_page_newest_trade_date_first_then_newest_recorded(store):
    portfolio = await open_portfolio(store)
    days = [
        date(2024, 3, 1),
        date(2024, 1, 1),
        date(2024, 3, 1),
        date(2024, 2, 1),
        date(2024, 3, 1),
        date(2023, 12, 31),
    ]
    recorded = [buy(portfolio, day) for day in days]  # ULIDs: recording order
    await record(store.repository, portfolio, *recorded)
    # An entry of the layout before the ledger, not yet migrated, is not an activity of it.
    await store.client.put_item(
        TableName=store.table,
        Item=to_item(
            {
                "pk": table.portfolio_pk(portfolio.id),
                "sk": f"{table.ACTIVITY_PREFIX}{ULID()}",
                "activityType": "BUY",
            }
        ),
    )
    expected = sorted(recorded, key=lambda a: (a.occurred_on, a.id), reverse=True)
    seen: list[Activity] = []
    after = None
    while True:
        page = await store.repository.activities(portfolio.id, 2, after)
        seen.extend(page.activities)
        if not page.has_next:
            break
        after = page.activities[-1].id
    assert [a.id for a in seen] == [a.id for a in expected]
    assert (await store.repository.activities(portfolio.id, 10, None)).activities == tuple(expected)
    last = await store.repository.activities(portfolio.id, 5, expected[0].id)
    assert last.activities == tuple(expected[1:]) and not last.has_next
    assert await store.repository.activities(portfolio.id, 3, "unknown") == (
        await store.repository.activities(portfolio.id, 0, None)
    )
    stored = await store.repository.ledger(portfolio.id)
    assert stored is not None and len(stored.activities) == len(recorded)


async def test_the_audit_trail_pages_newest_first(store):
    portfolio = await open_portfolio(store)
    entries = []
    for n in range(5):
        added = buy(portfolio, date(2024, 1, 1 + n))
        entry = audit(portfolio, added)
        stored = await store.repository.ledger(portfolio.id)
        assert stored is not None
        books = Ledger(portfolio, [*stored.activities, added]).replay(version=stored.version + 1)
        await store.repository.write(
            [LedgerChange(portfolio, stored.version, books, put=(added,), audit=(entry,))]
        )
        entries.append(entry)
    page = await store.repository.audit_trail(portfolio.id, 2, None)
    assert page.entries == tuple(reversed(entries[3:])) and page.has_next
    page = await store.repository.audit_trail(portfolio.id, 2, page.entries[-1].id)
    assert page.entries == (entries[2], entries[1]) and page.has_next
    page = await store.repository.audit_trail(portfolio.id, 2, page.entries[-1].id)
    assert page.entries == (entries[0],) and not page.has_next
    # An audit entry is written once: the same id again is a conflict.
    stored = await store.repository.ledger(portfolio.id)
    books = Ledger(portfolio, stored.activities).replay(version=stored.version + 1)  # type: ignore[union-attr]
    with pytest.raises(WriteConflict):
        await store.repository.write([LedgerChange(portfolio, stored.version, books, audit=(entries[0],))])  # type: ignore[union-attr]
