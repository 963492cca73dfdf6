"""The portfolios repository's events on DynamoDB Local: each change writes its event items in its
own transaction (kit.aws.outbox's attributes), numbered on from META's event sequence, which the
same transaction moves; a refused or conflicting change writes none."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from kit.aws.dynamo import to_item
from opentelemetry.sdk.trace import TracerProvider
from portfolios.adapters import items, table
from portfolios.adapters.repository import transactions
from portfolios.domain.ledger import Ledger
from portfolios.domain.model import ActivityType
from portfolios.domain.ports import LedgerChange, WriteConflict
from ulid import ULID

from .events_support import event_items, meta_sequence, published
from .support import NOW, activity, audit, buy, close_customer, count_calls, open_portfolio, record, usd


async def test_opening_recording_and_closing_write_the_outbox_attributes(store):
    portfolio = await open_portfolio(store)
    bought = buy(portfolio, date(2024, 1, 2))
    await record(store.repository, portfolio, bought)
    await store.repository.rename_portfolio(portfolio.id, "Renamed", at=NOW + timedelta(hours=1))
    await store.repository.close_portfolio(portfolio.id, NOW + timedelta(hours=2))
    events = await event_items(store, portfolio.id)
    owner = {"portfolioId": portfolio.id, "customerId": portfolio.customer_id}
    expected = [
        ("PortfolioOpened", NOW, {**owner, "baseCurrency": portfolio.base_currency}),
        (
            "ActivityRecorded",
            NOW,
            {
                **owner,
                "activityId": bought.id,
                "activityType": "BUY",
                "tradeDate": "2024-01-02",
                "symbol": "AAPL",
            },
        ),
        ("PortfolioRenamed", NOW + timedelta(hours=1), owner),
        ("PortfolioClosed", NOW + timedelta(hours=2), owner),
    ]
    assert len(events) == len(expected)
    for n, (event, (kind, at, data)) in enumerate(zip(events, expected, strict=True), start=1):
        assert event == {
            "pk": f"EVENT#{event['eventId']}",
            "sk": "EVENT",
            "kind": "event",
            "eventId": event["eventId"],
            "type": kind,
            "source": "portfolios",
            "aggregateId": portfolio.id,
            "sequence": n,
            "occurredAt": at.isoformat().replace("+00:00", "Z"),
            "data": json.dumps(data, separators=(",", ":"), sort_keys=True),  # compact, keys sorted
            "purgeAt": int((at + timedelta(days=7)).timestamp()),
        }
        assert str(ULID.from_str(event["eventId"])) == event["eventId"]
    assert await meta_sequence(store, portfolio.id) == 4
    # The projection's version moved with the ledger only: its chunks still match it.
    stored = await store.repository.ledger(portfolio.id)
    assert stored is not None and stored.version == 1 and stored.portfolio.name == "Renamed"


async def test_a_ledger_change_is_one_transaction_with_one_event_item_per_activity(store):
    portfolio = await open_portfolio(store)
    added = _buys(portfolio, date(2024, 1, 2), 3)
    with count_calls(store) as calls:
        sent = await _sent(store, record(store.repository, portfolio, *added))
    assert calls.count("TransactWriteItems") == 1
    (transaction,) = sent
    puts = [part["Put"]["Item"] for part in transaction if "Put" in part]
    events = [item for item in puts if item.get("kind") == {"S": "event"}]
    assert [e["data"]["S"] for e in events] == [
        json.dumps(
            {
                "portfolioId": portfolio.id,
                "customerId": portfolio.customer_id,
                "activityId": a.id,
                "activityType": "BUY",
                "tradeDate": a.occurred_on.isoformat(),
                "symbol": "AAPL",
            },
            separators=(",", ":"),
            sort_keys=True,
        )
        for a in added
    ]
    assert [int(e["sequence"]["N"]) for e in events] == [2, 3, 4]
    assert all(
        part["Put"]["ConditionExpression"] == "attribute_not_exists(pk)"
        for part in transaction
        if "Put" in part and part["Put"]["Item"].get("kind")
    )
    assert len(transaction) <= transactions.MAX_TRANSACTION_ITEMS
    assert await meta_sequence(store, portfolio.id) == 4


async def test_the_transaction_limit_counts_the_event_items(store, monkeypatch):
    portfolio = await open_portfolio(store)
    sent = await _sent(store, record(store.repository, portfolio, *_buys(portfolio, date(2024, 1, 2), 5)))
    (transaction,) = sent
    events = [p for p in transaction if "Put" in p and p["Put"]["Item"].get("kind") == {"S": "event"}]
    assert len(events) == 5
    # A limit the same change would keep without its five event items (or its journal chunk) refuses
    # it: the events are counted with everything else, and nothing is written.
    monkeypatch.setattr(transactions, "MAX_TRANSACTION_ITEMS", len(transaction) - 2)
    before = await event_items(store, portfolio.id)
    with pytest.raises(ValueError, match="items in one transaction"):
        await record(store.repository, portfolio, *_buys(portfolio, date(2024, 1, 2), 5))
    assert await event_items(store, portfolio.id) == before


def _buys(portfolio, first: date, n: int):
    return [buy(portfolio, first + timedelta(days=k)) for k in range(n)]


async def _sent(store, call) -> list[list[dict]]:
    """The TransactItems of every TransactWriteItems `call` makes."""
    sent: list[list[dict]] = []
    original = store.client.transact_write_items

    async def keep(**request):
        sent.append(request["TransactItems"])
        return await original(**request)

    store.client.transact_write_items = keep
    try:
        await call
    finally:
        del store.client.transact_write_items
    return sent


async def test_corrections_and_removals_are_events_with_what_changed(store):
    portfolio = await open_portfolio(store)
    first = buy(portfolio, date(2024, 1, 2))
    deposit = activity(portfolio, ActivityType.DEPOSIT, date(2024, 1, 3), amount=usd("100"))
    await record(store.repository, portfolio, first, deposit)
    stored = await store.repository.ledger(portfolio.id)
    moved = activity(
        portfolio,
        ActivityType.BUY,
        date(2024, 1, 5),
        symbol="MSFT",
        quantity=first.quantity,
        price=first.price,
    )
    moved = type(moved)(**{**{f: getattr(moved, f) for f in moved.__dataclass_fields__}, "id": first.id})
    after = Ledger(portfolio, [moved])
    await store.repository.write(
        [
            LedgerChange(
                portfolio,
                stored.version,
                after.replay(version=stored.version + 1),
                put=(moved,),
                deleted=(first, deposit),
                audit=(audit(portfolio, moved, first), audit(portfolio, None, deposit)),
                activities=(moved,),
            )
        ]
    )
    owner = {"portfolioId": portfolio.id, "customerId": portfolio.customer_id}
    assert (await published(store, portfolio.id))[-2:] == [
        (
            "ActivityCorrected",
            4,
            {
                **owner,
                "activityId": first.id,
                "activityType": "BUY",
                "tradeDate": "2024-01-05",
                "symbol": "MSFT",
                "previousSymbol": "AAPL",
                "previousTradeDate": "2024-01-02",
            },
        ),
        (
            "ActivityRemoved",
            5,
            {**owner, "activityId": deposit.id, "activityType": "DEPOSIT", "tradeDate": "2024-01-03"},
        ),
    ]


async def test_refused_and_conflicting_changes_write_no_event(store):
    portfolio = await open_portfolio(store)
    await record(store.repository, portfolio, buy(portfolio, date(2024, 1, 2)))
    before = await event_items(store, portfolio.id)
    stale = buy(portfolio, date(2024, 1, 3))
    books = Ledger(portfolio, [stale]).replay(version=1)
    with pytest.raises(WriteConflict):  # decided on version 0, stored at 1
        await store.repository.write(
            [LedgerChange(portfolio, 0, books, put=(stale,), audit=(audit(portfolio, stale),))]
        )
    await close_customer(store, portfolio.customer_id)
    with pytest.raises(WriteConflict):  # an inflow for a closed customer
        await record(
            store.repository, portfolio, buy(portfolio, date(2024, 1, 4)), require_active_customer=True
        )
    assert await store.repository.rename_portfolio(portfolio.id, "Main", at=NOW) is not None  # the same name
    assert await store.repository.rename_portfolio(portfolio.id, "X", "someone-else", at=NOW) is None
    await store.repository.close_portfolio(portfolio.id, NOW)
    await store.repository.close_portfolio(portfolio.id, NOW + timedelta(days=1))  # closed already
    with pytest.raises(WriteConflict):  # a closed portfolio takes no ledger change
        await record(store.repository, portfolio, buy(portfolio, date(2024, 1, 5)))
    after = await event_items(store, portfolio.id)
    assert after[: len(before)] == before
    assert [(e["type"], e["sequence"]) for e in after[len(before) :]] == [("PortfolioClosed", 3)]


async def test_a_rename_decided_on_a_portfolio_that_moved_on_conflicts_and_writes_nothing(store):
    portfolio = await open_portfolio(store)
    meta = await store.repository._meta(portfolio.id)
    await record(store.repository, portfolio, buy(portfolio, date(2024, 1, 2)))  # sequence 1 -> 2
    before = await event_items(store, portfolio.id)
    store.repository._meta = _returning(meta)  # the rename reads META as it was before the change
    try:
        with pytest.raises(WriteConflict):
            await store.repository.rename_portfolio(portfolio.id, "Late", at=NOW)
    finally:
        del store.repository._meta
    assert await event_items(store, portfolio.id) == before
    assert (await store.repository.ledger(portfolio.id)).portfolio.name == "Main"


def _returning(meta):
    async def read(portfolio_id):
        return meta

    return read


async def test_a_portfolio_written_before_events_numbers_them_on_from_its_version(store):
    portfolio = await open_portfolio(store)
    await record(store.repository, portfolio, buy(portfolio, date(2024, 1, 2)))
    await record(store.repository, portfolio, buy(portfolio, date(2024, 1, 3)))
    await store.client.update_item(  # as stored before events were: no sequence
        TableName=store.table,
        Key=to_item(table.portfolio_key(portfolio.id)),
        UpdateExpression="REMOVE #sequence",  # a reserved word in expressions
        ExpressionAttributeNames={"#sequence": items.SEQUENCE},
    )
    await record(store.repository, portfolio, buy(portfolio, date(2024, 1, 4)))
    await store.repository.rename_portfolio(portfolio.id, "Renamed", at=NOW)
    assert [n for _, n, _ in await published(store, portfolio.id)][-2:] == [3, 4]  # version 2, then on
    assert await meta_sequence(store, portfolio.id) == 4


async def test_an_event_written_while_tracing_carries_the_trace_context(store):
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("recordActivity") as span:
        portfolio = await open_portfolio(store)
        trace_id = f"{span.get_span_context().trace_id:032x}"
    [event] = await event_items(store, portfolio.id)
    assert event["traceparent"].split("-")[1] == trace_id
