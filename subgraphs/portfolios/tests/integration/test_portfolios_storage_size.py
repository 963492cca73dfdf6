"""A portfolio of 10,000 activities (20 symbols, 10 years): how long the ledger read takes, how big
the projection's chunks are, and that the book is still one Query."""

from __future__ import annotations

import time
from datetime import date, timedelta
from decimal import Decimal as D
from typing import Any

from kit.aws.dynamo import to_item
from kit.core.money import Amount
from portfolios.adapters import items
from portfolios.domain.ledger import Ledger
from portfolios.domain.model import Activity, ActivityType, Portfolio
from portfolios.domain.ports import LedgerChange
from ulid import ULID

from .support import NOW, audit, buy, count_calls, open_portfolio

ACTIVITIES = 10_000
SYMBOLS = 20


def history(portfolio: Portfolio) -> list[Activity]:
    """Buys, sales of half what a buy brought, dividends and deposits, spread over ten years."""
    held = [D(0)] * SYMBOLS
    found = []
    start = date(2015, 1, 1)
    for n in range(ACTIVITIES):
        day = start + timedelta(days=n * 3650 // ACTIVITIES)
        symbol = n % SYMBOLS
        fields: dict[str, Any]
        if n % 4 in (0, 1) or held[symbol] < 5:
            fields = {
                "type": ActivityType.BUY,
                "quantity": D(10),
                "price": Amount(D(100 + n % 97) + D("0.25"), "USD"),
            }
            held[symbol] += 10
        elif n % 4 == 2:
            fields = {"type": ActivityType.SELL, "quantity": D(5), "price": Amount(D(150 + n % 89), "USD")}
            held[symbol] -= 5
        else:
            fields = {"type": ActivityType.DIVIDEND, "amount": Amount(D("12.34"), "USD")}
        found.append(
            Activity(
                id=str(ULID()),
                portfolio_id=portfolio.id,
                occurred_on=day,
                recorded_at=NOW,
                symbol=f"SYM{symbol}",
                **fields,
            )
        )
    return found


async def test_ten_thousand_activities_read_fast_and_the_book_stays_one_query(store, capsys):
    portfolio = await open_portfolio(store)
    activities = history(portfolio)
    books = Ledger(portfolio, activities).replay(version=1)
    for start in range(0, len(activities), 25):
        batch = [
            {"PutRequest": {"Item": to_item(items.activity_item(a))}} for a in activities[start : start + 25]
        ]
        response = await store.client.batch_write_item(RequestItems={store.table: batch})
        assert not response.get("UnprocessedItems")
    # First without the journal (a portfolio written before it): the ledger is read from its items.
    await store.repository.write([LedgerChange(portfolio, 0, books)])
    from_items = await best_of_3(lambda: store.repository.ledger(portfolio.id), ACTIVITIES, 1)

    # A back-dated activity, as a use case writes it: read, replay, write (with the journal).
    writes = []
    for n in range(3):
        began = time.perf_counter()
        stored = await store.repository.ledger(portfolio.id)
        assert stored is not None
        read = time.perf_counter()
        added = buy(portfolio, date(2016, 3, 1 + n), symbol="SYM3")
        after = Ledger(portfolio, stored.activities).with_activity(added)
        new_books = after.replay(version=stored.version + 1)
        replayed = time.perf_counter()
        await store.repository.write(
            [
                LedgerChange(
                    portfolio,
                    stored.version,
                    new_books,
                    put=(added,),
                    audit=(audit(portfolio, added),),
                    activities=tuple(after.activities.values()),
                )
            ]
        )
        done = time.perf_counter()
        writes.append((read - began, replayed - read, done - replayed, done - began))
    count = ACTIVITIES + 3
    with count_calls(store) as calls:
        from_journal = await best_of_3(lambda: store.repository.ledger(portfolio.id), count, 4)
    assert calls == ["Query"] * 3
    stored = await store.repository.ledger(portfolio.id)
    assert stored is not None
    assert by_id(stored.activities) == by_id(await store.repository.ledger_activities(portfolio.id))

    holdings = items.holdings_chunks(books.holdings)
    history_ = items.history_chunks(books.history, portfolio.id, "USD")
    journal = [
        len(c) for c in items.pack_journal([items.journal_line(a, portfolio.id) for a in stored.activities])
    ]
    with count_calls(store) as calls:
        book = await store.repository.book(portfolio.customer_id)
    assert calls == ["Query"] and book.holdings_of(portfolio).version == 4
    read, replay, write, total = (f"{min(w[i] for w in writes) * 1000:.0f} ms" for i in range(4))
    totals = ", ".join(f"{w[3] * 1000:.0f}" for w in writes)
    with capsys.disabled():
        print(
            f"\n10,000 activities: ledger read from items {ms(from_items)}, "
            f"from the journal {ms(from_journal)}; a back-dated BUY end to end, best of 3: "
            f"read {read}, replay {replay}, write {write}, total {total} ({totals}); "
            f"open lots {len(books.holdings.open_lots)}, holdings chunks {[len(c) for c in holdings]} B, "
            f"history chunks {[len(c) for c in history_]} B, journal chunks {journal} B"
        )
    assert min(from_journal) < 2.0 and min(from_items) < 5.0


def by_id(activities: Any) -> list[Activity]:
    return sorted(activities, key=lambda a: a.id)


def ms(timings: list[float]) -> str:
    return f"{min(timings) * 1000:.0f} ms (best of 3: {', '.join(f'{t * 1000:.0f}' for t in timings)})"


async def best_of_3(read: Any, count: int, version: int) -> list[float]:
    timings = []
    for _ in range(3):
        began = time.perf_counter()
        stored = await read()
        timings.append(time.perf_counter() - began)
        assert stored is not None and len(stored.activities) == count and stored.version == version
    return timings
