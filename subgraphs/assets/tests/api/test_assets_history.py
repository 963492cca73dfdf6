"""Instrument.history through GraphQL: the contract operation's shape, closes oldest first on trading
days only in the instrument's currency (the simulated feed, offline), stored after the first ask,
bad ranges as BAD_USER_INPUT sentences, many instruments in one batched read."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from assets.adapters.catalog import load_catalog
from assets.adapters.closes import DynamoClosesRepository
from assets.domain.simulation import day_close
from kit_testing import execute

from .conftest import NOW

OPERATION = (
    Path(__file__).resolve().parents[4] / "schema" / "operations" / "InstrumentHistory.graphql"
).read_text()
YESTERDAY = NOW.date() - timedelta(days=1)


async def test_the_contract_operation_returns_stored_simulated_closes(assets) -> None:
    variables = {"symbol": "aapl", "from": "2025-10-27", "to": "2025-11-30"}
    data = await assets.gql(OPERATION, variables)
    instrument = data["instrument"]
    assert (instrument["symbol"], instrument["currency"]) == ("AAPL", "USD")
    history = instrument["history"]
    days = [date.fromisoformat(point["date"]) for point in history]
    every = [date(2025, 10, 27) + timedelta(days=i) for i in range((YESTERDAY - date(2025, 10, 27)).days + 1)]
    assert days == [day for day in every if day.weekday() < 5]  # oldest first, weekdays, final days only
    entry = load_catalog().get("AAPL")
    assert entry is not None
    for point, day in zip(history, days, strict=True):
        assert point["close"]["currencyCode"] == "USD"
        assert Decimal(point["close"]["amount"]) == day_close(entry, day)  # the live walk's close
    writes = assets.calls.get("TransactWriteItems", 0)
    assert writes == 1

    assets.runtime.counter.reset()
    again = await assets.gql(OPERATION, {**variables, "from": "2025-11-03", "to": "2025-11-07"})
    assert [p["date"] for p in again["instrument"]["history"]] == [f"2025-11-0{d}" for d in range(3, 8)]
    assert assets.calls == {"BatchGetItem": 2}  # the instrument's manual data and its closes: no write


async def test_crypto_trades_every_day_and_many_instruments_are_one_read(assets) -> None:
    document = """
    query { a: instrument(symbol: "BTC") {
              history(from: "2025-11-15", to: "2025-11-21") { date close { amount } } }
            b: instrument(symbol: "MSFT") { history(from: "2025-11-15", to: "2025-11-21") { date } }
            c: instrument(symbol: "SPY") { history(from: "2025-11-15", to: "2025-11-21") { date } } }"""
    data = await assets.gql(document)
    assert len(data["a"]["history"]) == 7 and len(data["b"]["history"]) == 5 == len(data["c"]["history"])
    assert assets.calls.get("BatchGetItem") == 2  # instruments, then every history of the request
    assert assets.calls.get("TransactWriteItems") == 3  # one atomic write per new series


async def test_bad_ranges_are_bad_user_input_and_the_service_keeps_serving(assets) -> None:
    cases = {
        ("2025-02-01", "2025-01-01"): "The history's `from` date must be on or before its `to` date.",
        ("1999-01-01", "2025-01-01"): "A history covers at most 20 years; ask for a shorter range.",
        ("2025-11-01", "2026-01-01"): "The history's `to` date may be at most 7 days after today.",
    }
    for (start, end), message in cases.items():
        body = await execute(assets.client, OPERATION, {"symbol": "AAPL", "from": start, "to": end})
        [error] = body["errors"]
        assert error["message"] == message and error["extensions"]["code"] == "BAD_USER_INPUT"
        assert body["data"]["instrument"] is None
    body = await execute(
        assets.client, OPERATION, {"symbol": "AAPL", "from": "2025-13-01", "to": "2025-01-01"}
    )
    assert body["errors"] and body.get("data") is None  # not a date: refused by the Date scalar
    ok = await assets.gql(OPERATION, {"symbol": "AAPL", "from": "2025-11-24", "to": "2025-11-24"})
    assert ok["instrument"]["history"] == []  # today's close is not final yet


async def test_the_runtime_refreshes_stored_closes_on_its_schedule(assets_factory) -> None:
    async with assets_factory(history_refresh_seconds=0.2) as app:
        await app.gql(OPERATION, {"symbol": "MSFT", "from": "2025-11-03", "to": "2025-11-07"})
        closes = DynamoClosesRepository(app.runtime.dynamodb, app.table)
        key_last: dict[str, date] = {}
        for _ in range(50):  # the next tick (0.2 s) fetches the days after Nov 7 up to yesterday
            listed = await closes.listed_series()
            key_last = {key.code: last for key, last in listed.items()}
            if key_last.get("MSFT") == YESTERDAY:
                break
            await asyncio.sleep(0.1)
        assert key_last.get("MSFT") == YESTERDAY
        data = await app.gql(OPERATION, {"symbol": "MSFT", "from": "2025-11-17", "to": "2025-11-21"})
        assert len(data["instrument"]["history"]) == 5  # served from what the refresh stored
