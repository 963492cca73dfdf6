"""The migration of portfolios written by the code before the ledger (data/legacy_items.json: raw
items that code wrote, and what its API answered for them)."""

from __future__ import annotations

import asyncio
import json
import logging
from decimal import ROUND_HALF_EVEN
from decimal import Decimal as D
from pathlib import Path
from typing import Any

from kit.aws.dynamo import from_item, to_item
from portfolios.adapters import items, table
from portfolios.adapters.migration import LegacyMigration, migrate_at_startup, migrate_legacy
from portfolios.domain.model import ActivityType, AuditAction

CAPTURE = json.loads((Path(__file__).parent / "data" / "legacy_items.json").read_text())
FIFO = "01M8Y1GNX2QQ10CDJH8K84BKZW"
AVERAGE = "01M8Y1GPEPT24EV4AQ26JKKYPK"
CUSTOMER = CAPTURE["customer"]


def legacy_items(tamper: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The captured items; `tamper` sets attributes (wire format) of items by sort key."""
    result = []
    for item in CAPTURE["items"]:
        changes = (tamper or {}).get(item["sk"]["S"], {})
        result.append({**item, **changes})
    return result


async def load(store: Any, raw_items: list[dict[str, Any]]) -> None:
    for start in range(0, len(raw_items), 25):
        batch = [{"PutRequest": {"Item": item}} for item in raw_items[start : start + 25]]
        response = await store.client.batch_write_item(RequestItems={store.table: batch})
        assert not response.get("UnprocessedItems")


async def everything(store: Any) -> list[dict[str, Any]]:
    found, start = [], None
    while True:
        page = {"ExclusiveStartKey": start} if start else {}
        response = await store.client.scan(TableName=store.table, ConsistentRead=True, **page)
        found.extend(from_item(item) for item in response["Items"])
        start = response.get("LastEvaluatedKey")
        if not start:
            return sorted(found, key=lambda i: (i["pk"], i["sk"]))


def legacy_left(table_items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [
        (i["pk"], i["sk"])
        for i in table_items
        if i["sk"].startswith(("LOT#", "POSITION#"))
        or i["pk"].startswith("INVESTMENT#")
        or (i["sk"].startswith("ACTIVITY#") and "activityType" in i)
        or (i["sk"] == "META" and "version" not in i)
    ]


def old_lots(portfolio_id: str) -> dict[str, dict[str, Any]]:
    return {i["id"]: i for i in CAPTURE["states"][portfolio_id]["investments"]}


def cents(text: str) -> D:
    return D(text).quantize(D("0.01"), rounding=ROUND_HALF_EVEN)


async def assert_migrated(store: Any) -> None:
    table_items = await everything(store)
    assert legacy_left(table_items) == []
    holdings = await store.repository.holdings([FIFO, AVERAGE])
    for portfolio_id in (FIFO, AVERAGE):
        stored = await store.repository.ledger(portfolio_id)
        assert stored is not None and stored.version == 1
        # The migration writes the journal with the projection: the ledger read is that one Query,
        # and it says what the activity items say.
        meta = next(
            i for i in table_items if {"pk": i["pk"], "sk": i["sk"]} == table.portfolio_key(portfolio_id)
        )
        assert items.has_journal(meta)
        assert sorted(stored.activities, key=lambda a: a.id) == sorted(
            await store.repository.ledger_activities(portfolio_id), key=lambda a: a.id
        )
        history = await store.repository.history(portfolio_id)
        lots = {lot.id: lot for lot in (*holdings[portfolio_id].open_lots, *history.closed_lots)}
        old = old_lots(portfolio_id)
        # Every lot keeps its id (an Investment id) and is the BUY of the same id.
        assert set(lots) == set(old)
        buys = {a.id: a for a in stored.activities if a.type is ActivityType.BUY}
        assert set(buys) == set(old)
        for lot_id, lot in lots.items():
            assert lot.quantity == D(old[lot_id]["quantity"])
            if portfolio_id == FIFO:  # AVERAGE now sells the oldest shares, not a share of each lot
                assert lot.remaining_quantity == D(old[lot_id]["remainingQuantity"])
        sells = [a for a in stored.activities if a.type is ActivityType.SELL]
        old_sells = [
            e["node"]
            for e in CAPTURE["states"][portfolio_id]["activities"]["edges"]
            if e["node"]["type"] == "SELL"
        ]
        assert {a.id for a in sells} == {s["id"] for s in old_sells}
        assert all(a.picks == () for a in sells)
        # FIFO and AVERAGE totals do not depend on the order the sales were typed in: the same
        # total, rounded to the cent as every statement line now is.
        realized = holdings[portfolio_id].realized_gain.value
        assert realized == cents(CAPTURE["states"][portfolio_id]["realizedGain"]["amount"])
        owners = await store.repository.owners(sorted(old))
        assert {o.portfolio_id for o in owners.values()} == {portfolio_id} and set(owners) == set(old)

    fifo = {lot.id: lot for lot in holdings[FIFO].open_lots}
    # Trade-date FIFO: the May 15 sale of 2 takes the March lot, the June 3 sale of 7 the rest of
    # it and 4 of the May lot (typed first, the June sale had taken 5 + 2 the other way round).
    assert {
        lot_id: (str(lot.remaining_quantity), str(lot.remaining_cost)) for lot_id, lot in fifo.items()
    } == {
        "01M8Y1GP0NEKSDN2K14BJ2P2W6": ("6", "901.50"),
        "01M8Y1GP5PPV6YCQGJ9G2V16B1": ("4", "1240"),
    }
    assert holdings[FIFO].realized == {"AAPL": D("543.09")}
    average = holdings[AVERAGE]
    # AVERAGE: the pool (3000 for 20) sold 5 at 150, the oldest shares (the January lot's); what is
    # left, 2250 for 15, is spread by quantity: 5 for 750 and 10 for 1500.
    assert [(lot.remaining_quantity, lot.remaining_cost) for lot in average.open_lots] == [
        (D(5), D(750)),
        (D(10), D(1500)),
    ]

    trail = await store.repository.audit_trail(FIFO, 50, None)
    assert {e.action for e in trail.entries} == {AuditAction.MIGRATED}
    removal = next(e for e in trail.entries if e.id == "01M8Y1GPDD8K5PZTECRMHC7E3V")
    assert removal.after is None and removal.before is not None and removal.before.quantity == D("3")
    correction = next(e for e in trail.entries if e.id == "01M8Y1GPBXDT6605F4PGBJM5H9")
    assert correction.before is not None and correction.after is not None
    assert (correction.before.quantity, correction.after.quantity) == (D("2"), D("4"))
    assert len(trail.entries) == 6  # 4 BUY, 1 CORRECTION, 1 REMOVAL; the sales are activities

    # An idempotency key of an addInvestment answers with the lot, which is now the BUY's id.
    _, record = await store.repository.portfolio_and_idempotency(AVERAGE, "buy-1")
    assert record is not None and record.activity_id == "01M8Y1GPFCTKFT5V1TFJK1CNXA"
    book = await store.repository.book(CUSTOMER)
    assert [p.id for p in book.portfolios] == [FIFO, AVERAGE]
    assert book.holdings == holdings


async def test_legacy_portfolios_are_migrated_once_and_a_second_run_changes_nothing(store):
    store = await store.new_table()
    await load(store, legacy_items())
    report = await migrate_legacy(store.client, store.table)
    assert (sorted(report.migrated), report.cleaned, report.failed) == (sorted([FIFO, AVERAGE]), [], {})
    await assert_migrated(store)

    before = await everything(store)
    again = await migrate_legacy(store.client, store.table)
    assert again.counts == {"migrated": 0, "cleaned": 0, "failed": 0}
    assert await everything(store) == before


async def test_a_run_interrupted_after_its_first_step_converges(store):
    store = await store.new_table()
    await load(store, legacy_items())
    migration = LegacyMigration(store.client, store.table)
    for portfolio_id in (FIFO, AVERAGE):
        assert await migration.migrate(portfolio_id, stop_after_first_step=True) == "interrupted"
    meta = from_item(
        (await store.client.get_item(TableName=store.table, Key=to_item(table.portfolio_key(FIFO))))["Item"]
    )
    assert "version" not in meta  # still a legacy portfolio: the flip did not happen

    report = await migrate_legacy(store.client, store.table)
    assert sorted(report.migrated) == sorted([FIFO, AVERAGE])
    await assert_migrated(store)


async def test_a_run_interrupted_before_the_deletions_converges(store, monkeypatch):
    store = await store.new_table()
    await load(store, legacy_items())

    async def crash(self: Any, keys: Any) -> None:
        raise ConnectionError("gone")

    with monkeypatch.context() as patched:
        patched.setattr(LegacyMigration, "_delete", crash)
        report = await migrate_legacy(store.client, store.table)
    assert report.migrated == [] and sorted(report.failed) == sorted([FIFO, AVERAGE])
    assert legacy_left(await everything(store)) != []
    report = await migrate_legacy(store.client, store.table)
    assert sorted(report.cleaned) == sorted([FIFO, AVERAGE]) and report.migrated == []
    await assert_migrated(store)


async def test_two_processes_migrating_at_once_converge(store):
    store = await store.new_table()
    await load(store, legacy_items())
    reports = await asyncio.gather(*(migrate_legacy(store.client, store.table) for _ in range(3)))
    assert all(r.failed == {} for r in reports)
    assert sorted(p for r in reports for p in r.migrated) == sorted([FIFO, AVERAGE])
    await assert_migrated(store)


async def test_a_portfolio_whose_replay_is_impossible_is_left_untouched(store, caplog):
    store = await store.new_table()
    # The AVERAGE portfolio's sale, dated before either buy: trade-date order cannot replay it.
    sale = "ACTIVITY#01M8Y1GPJJ9SDPKN502AECDESR"
    await load(store, legacy_items({sale: {"occurredAt": {"S": "2023-12-01"}}}))
    untouched = [i for i in await everything(store) if i["pk"] == table.portfolio_pk(AVERAGE)]
    with caplog.at_level(logging.ERROR, logger="portfolios.adapters.migration"):
        report = await migrate_at_startup(store.client, store.table)
    assert report is not None and report.migrated == [FIFO] and list(report.failed) == [AVERAGE]
    assert "2023-12-01" in report.failed[AVERAGE]
    assert any(AVERAGE in r.getMessage() and "2023-12-01" in r.getMessage() for r in caplog.records)
    assert [i for i in await everything(store) if i["pk"] == table.portfolio_pk(AVERAGE)] == untouched
    stored = await store.repository.ledger(FIFO)
    assert stored is not None and stored.version == 1


async def test_the_startup_run_on_a_missing_table_logs_and_returns(store):
    assert await migrate_at_startup(store.client, "no-such-table") is None
