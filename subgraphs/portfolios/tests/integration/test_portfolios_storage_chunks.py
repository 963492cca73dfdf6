"""The ledger's storage on DynamoDB Local: books in chunks, DynamoDB's transaction limits, and the
customer's book read from the index (falling back to the table when the index lags)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal as D
from typing import Any

import pytest
from portfolios.adapters import items, table
from portfolios.adapters.repository import DynamoPortfolioRepository
from portfolios.adapters.repository.transactions import check_transaction_limits
from portfolios.domain.books import Books, History
from portfolios.domain.lots import Holdings, Lot
from portfolios.domain.model import Portfolio
from portfolios.domain.ports import LedgerChange
from ulid import ULID

from .support import NOW, buy, new_portfolio, open_portfolio, raw_item, record, usd


def random_lots(portfolio: Portfolio, count: int, rng: random.Random) -> tuple[Lot, ...]:
    lots = []
    for n in range(count):
        quantity = D(rng.randint(1, 10**6)) / 1000
        price = D(rng.randint(1, 10**8)) / 10000
        cost = quantity * price
        lots.append(
            Lot(
                id=str(ULID()),
                portfolio_id=portfolio.id,
                activity_id=str(ULID()),
                symbol=f"S{n % 20}",
                acquired_on=date(2015, 1, 1) + timedelta(days=n % 3650),
                quantity=quantity,
                unit_price=usd(str(price)),
                fees=usd("1.00") if n % 3 else None,
                fx_rate=None,
                cost=cost,
                remaining_quantity=quantity,
                remaining_cost=cost,
                base_currency="USD",
                created_at=NOW,
            )
        )
    return tuple(lots)


async def test_books_larger_than_a_chunk_round_trip_and_shrinking_deletes_the_surplus(store):
    portfolio = await open_portfolio(store)
    rng = random.Random(13)
    big = Holdings(
        portfolio.id,
        "USD",
        open_lots=random_lots(portfolio, 10000, rng),
        cash=D("-12.34"),
        realized={"S1": D("10.00")},
        activity_count=10000,
        version=1,
    )
    await store.repository.write([LedgerChange(portfolio, 0, Books(big, History()))])
    meta = await raw_item(store, table.portfolio_key(portfolio.id))
    assert meta is not None and meta["holdingsChunks"] >= 2 and meta["historyChunks"] == 0
    second_chunk = await raw_item(store, table.chunk_key(portfolio.id, table.HOLDINGS_PART, 1))
    assert second_chunk is not None and len(items.chunk_bytes(second_chunk)) <= items.CHUNK_BYTES
    assert await store.repository.holdings([portfolio.id]) == {portfolio.id: big}
    assert (await store.repository.book(portfolio.customer_id)).holdings_of(portfolio) == big

    small = replace(big, open_lots=big.open_lots[:3], version=2)
    await store.repository.write([LedgerChange(portfolio, 1, Books(small, History()))])
    meta = await raw_item(store, table.portfolio_key(portfolio.id))
    assert meta is not None and meta["holdingsChunks"] == 1
    for index in range(1, 4):
        assert await raw_item(store, table.chunk_key(portfolio.id, table.HOLDINGS_PART, index)) is None
    assert await store.repository.holdings([portfolio.id]) == {portfolio.id: small}


def test_a_transaction_beyond_dynamodb_limits_is_refused_clearly():
    item = {"Put": {"TableName": "t", "Item": {"pk": {"S": "x"}}}}
    check_transaction_limits([item] * 100)
    with pytest.raises(ValueError, match="at most 100"):
        check_transaction_limits([item] * 101)
    blob = {"Put": {"TableName": "t", "Item": {"z": {"B": b"x" * 350_000}}}}
    with pytest.raises(ValueError, match="4 MB"):
        check_transaction_limits([blob] * 12)


class TornIndex:
    """A client whose gsi1 answers lag: every holdings chunk it returns is one version behind."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.consistent_reads = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    async def get_item(self, **kwargs: Any) -> Any:
        self.consistent_reads += 1
        return await self._client.get_item(**kwargs)

    async def query(self, **kwargs: Any) -> Any:
        response = await self._client.query(**kwargs)
        if kwargs.get("IndexName") == "gsi1":
            for raw in response.get("Items", []):
                if raw.get("type", {}).get("S") == table.HOLDINGS_PART:
                    raw["version"] = {"N": str(int(raw["version"]["N"]) - 1)}
        return response


async def test_the_book_is_one_index_query_and_a_torn_read_falls_back_to_the_table(store):
    older = await open_portfolio(store)
    newer = replace(new_portfolio(older.customer_id), created_at=NOW + timedelta(days=1))
    await store.repository.create_portfolio(newer)
    other = await open_portfolio(store)
    books = {}
    for portfolio in (older, newer, other):
        books[portfolio.id] = await record(store.repository, portfolio, buy(portfolio, date(2024, 1, 2)))

    calls: list[str] = []

    def count(model: Any, **_: Any) -> None:
        calls.append(model.name)

    store.client.meta.events.register("before-call.dynamodb", count)
    book = await store.repository.book(older.customer_id)
    store.client.meta.events.unregister("before-call.dynamodb", count)
    assert calls[:1] == ["Query"] and set(calls) == {"Query"}
    assert book.portfolios == (older, newer)
    assert book.holdings == {p.id: books[p.id].holdings for p in (older, newer)}

    torn = TornIndex(store.client)
    book = await DynamoPortfolioRepository(torn, store.table).book(older.customer_id)
    assert book.holdings == {p.id: books[p.id].holdings for p in (older, newer)}
    assert torn.consistent_reads == 2  # each portfolio's META, read again from the table
