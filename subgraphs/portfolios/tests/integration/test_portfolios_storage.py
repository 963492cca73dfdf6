"""The ledger's storage on DynamoDB Local: round trips, conditions, chunks, the book, paging, refs."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from typing import Any

import pytest
from kit.aws.dynamo import from_item, to_item
from kit.core.money import Amount
from portfolios.adapters import items
from portfolios.adapters.repository import DynamoPortfolioRepository, check_transaction_limits
from portfolios.domain.ledger import Ledger, with_moved_lots
from portfolios.domain.model import (
    Activity,
    ActivityType,
    AuditAction,
    AuditEntry,
    Books,
    CostBasisMethod,
    History,
    Holdings,
    Lot,
    LotPick,
    Portfolio,
    PortfolioKind,
    SplitRatio,
)
from portfolios.domain.ports import IdempotencyRecord, LedgerChange, WriteConflict
from ulid import ULID

NOW = datetime(2024, 6, 1, 12, 0, 0, 123456, tzinfo=UTC)


def usd(value: str) -> Amount:
    return Amount(D(value), "USD")


def new_portfolio(customer_id: str, method: CostBasisMethod = CostBasisMethod.FIFO) -> Portfolio:
    return Portfolio(
        id=str(ULID()),
        customer_id=customer_id,
        name="Main",
        kind=PortfolioKind.BROKERAGE,
        base_currency="USD",
        cost_basis_method=method,
        created_at=NOW,
    )


def activity(portfolio: Portfolio, kind: ActivityType, on: date, **fields: Any) -> Activity:
    return Activity(
        id=str(ULID()), portfolio_id=portfolio.id, type=kind, occurred_on=on, recorded_at=NOW, **fields
    )


def buy(
    portfolio: Portfolio, on: date, symbol: str = "AAPL", quantity: str = "10", price: str = "150.00"
) -> Activity:
    return activity(portfolio, ActivityType.BUY, on, symbol=symbol, quantity=D(quantity), price=usd(price))


def audit(portfolio: Portfolio, after: Activity | None, before: Activity | None = None) -> AuditEntry:
    subject = after or before
    assert subject is not None
    action = (
        AuditAction.RECORDED
        if before is None
        else AuditAction.REMOVED
        if after is None
        else AuditAction.CORRECTED
    )
    return AuditEntry(str(ULID()), portfolio.id, action, "tester", NOW, subject.id, before, after)


async def open_portfolio(store: Any, method: CostBasisMethod = CostBasisMethod.FIFO) -> Portfolio:
    customer_id = str(ULID())
    await store.directory.register(customer_id, NOW)
    portfolio = new_portfolio(customer_id, method)
    await store.repository.create_portfolio(portfolio)
    return portfolio


async def record(
    repository: DynamoPortfolioRepository, portfolio: Portfolio, *added: Activity, **change: Any
) -> Books:
    """Reads the ledger, adds `added`, replays and writes (with the journal): a use case, in short."""
    stored = await repository.ledger(portfolio.id)
    assert stored is not None
    after = Ledger(portfolio, [*stored.activities, *added])
    books = after.replay(version=stored.version + 1)
    await repository.write(
        [
            LedgerChange(
                portfolio=portfolio,
                expected_version=stored.version,
                books=books,
                put=added,
                audit=tuple(audit(portfolio, a) for a in added),
                activities=tuple(after.activities.values()),
                **change,
            )
        ]
    )
    return books


@contextmanager
def count_calls(store: Any) -> Iterator[list[str]]:
    """The names of the DynamoDB operations the store's client makes inside the block."""
    calls: list[str] = []

    def count(model: Any, **_: Any) -> None:
        calls.append(model.name)

    store.client.meta.events.register("before-call.dynamodb", count)
    try:
        yield calls
    finally:
        store.client.meta.events.unregister("before-call.dynamodb", count)


async def raw_item(store: Any, key: dict[str, str]) -> dict[str, Any] | None:
    response = await store.client.get_item(TableName=store.table, Key=to_item(key), ConsistentRead=True)
    item = response.get("Item")
    return from_item(item) if item else None


async def test_a_new_portfolio_needs_an_active_customer_and_has_empty_books(store):
    customer_id = str(ULID())
    portfolio = new_portfolio(customer_id)
    with pytest.raises(WriteConflict):
        await store.repository.create_portfolio(portfolio)
    await store.directory.register(customer_id, NOW)
    await store.repository.create_portfolio(portfolio)
    assert await store.repository.portfolios([portfolio.id, "nope"]) == {portfolio.id: portfolio}
    stored = await store.repository.ledger(portfolio.id)
    assert stored is not None and (stored.portfolio, stored.activities, stored.version) == (portfolio, (), 0)
    assert await store.repository.holdings([portfolio.id]) == {portfolio.id: Holdings(portfolio.id, "USD")}
    assert await store.repository.history(portfolio.id) == History()
    assert await store.repository.ledger("nope") is None
    meta = await raw_item(store, items.portfolio_key(portfolio.id))
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
    assert await raw_item(store, items.activity_key(portfolio.id, loser.occurred_on, loser.id)) is None
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
    await store.directory.close(portfolio.customer_id, NOW)
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
    renamed = await store.repository.rename_portfolio(portfolio.id, "Renamed")
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
    assert await raw_item(store, items.activity_key(portfolio.id, first.occurred_on, first.id)) is None
    assert await store.repository.activity(portfolio.id, first.id) == moved
    ref = await raw_item(store, items.ref_key(first.id))
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
    meta = await raw_item(store, items.portfolio_key(portfolio.id))
    assert meta is not None and meta["holdingsChunks"] >= 2 and meta["historyChunks"] == 0
    second_chunk = await raw_item(store, items.chunk_key(portfolio.id, items.HOLDINGS_PART, 1))
    assert second_chunk is not None and len(items.chunk_bytes(second_chunk)) <= items.CHUNK_BYTES
    assert await store.repository.holdings([portfolio.id]) == {portfolio.id: big}
    assert (await store.repository.book(portfolio.customer_id)).holdings_of(portfolio) == big

    small = replace(big, open_lots=big.open_lots[:3], version=2)
    await store.repository.write([LedgerChange(portfolio, 1, Books(small, History()))])
    meta = await raw_item(store, items.portfolio_key(portfolio.id))
    assert meta is not None and meta["holdingsChunks"] == 1
    for index in range(1, 4):
        assert await raw_item(store, items.chunk_key(portfolio.id, items.HOLDINGS_PART, index)) is None
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
                if raw.get("type", {}).get("S") == items.HOLDINGS_PART:
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
            {"pk": items.portfolio_pk(portfolio.id), "sk": f"ACTIVITY#{ULID()}", "activityType": "BUY"}
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
