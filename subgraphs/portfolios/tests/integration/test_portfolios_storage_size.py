"""A portfolio of 10,000 activities (20 symbols, 10 years): how long the ledger read takes, how big
the projection's chunks are, and that the book is still one Query."""

from __future__ import annotations

import time
from datetime import date, timedelta
from decimal import Decimal as D
from typing import Any

from kit.dynamo import to_item
from kit.money import Amount
from portfolios.adapters import items
from portfolios.domain.ledger import Ledger
from portfolios.domain.model import Activity, ActivityType, Portfolio
from portfolios.domain.ports import LedgerChange
from ulid import ULID

from .test_portfolios_storage import NOW, open_portfolio

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
    await store.repository.write([LedgerChange(portfolio, 0, books)])

    timings = []
    for _ in range(3):
        began = time.perf_counter()
        stored = await store.repository.ledger(portfolio.id)
        timings.append(time.perf_counter() - began)
        assert stored is not None and len(stored.activities) == ACTIVITIES and stored.version == 1
    assert sorted(stored.activities, key=lambda a: a.id) == sorted(activities, key=lambda a: a.id)

    holdings = items.holdings_chunks(books.holdings)
    history_ = items.history_chunks(books.history, portfolio.id, "USD")
    calls: list[str] = []

    def count(model: Any, **_: Any) -> None:
        calls.append(model.name)

    store.client.meta.events.register("before-call.dynamodb", count)
    book = await store.repository.book(portfolio.customer_id)
    store.client.meta.events.unregister("before-call.dynamodb", count)
    assert calls == ["Query"] and book.holdings_of(portfolio) == books.holdings
    with capsys.disabled():
        print(
            f"\n10,000 activities: ledger read {min(timings) * 1000:.0f} ms (best of 3; "
            f"{', '.join(f'{t * 1000:.0f}' for t in timings)}); open lots {len(books.holdings.open_lots)}, "
            f"holdings chunks {[len(c) for c in holdings]} B, history chunks {[len(c) for c in history_]} B"
        )
    assert min(timings) < 5.0
