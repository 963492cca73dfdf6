"""The activity ledger through GraphQL on DynamoDB Local: money to the minor unit with totals that are
the sums of their rows; the ledger's order and pages; idempotency; 30 concurrent writers.
"""

from __future__ import annotations

import asyncio
import re
from decimal import Decimal

from .ledger_operations import (
    AUDIT,
    CORRECT,
    buy,
    codes,
    ledger,
    money,
    record,
    record_payload,
    sell,
)

# --- money as a statement shows it ----------------------------------------------------------------

CENTS = re.compile(r"-?\d+\.\d{2}")


async def test_usd_amounts_have_two_digits_and_totals_are_sums_of_rows(api, customer):
    pid = (await api.create_portfolio(customer, name="Cents"))["id"]
    for day, quantity, price in (
        ("2024-01-02", "3", "10.001"),
        ("2024-01-03", "3", "10.003"),
        ("2024-01-04", "3", "10.007"),
    ):
        await buy(api, pid, day, quantity, price)
    await sell(api, pid, "2024-02-01", "7", "11.111", fees=money("0.015"))
    await sell(api, pid, "2024-02-02", "1", "9.999")
    await record(api, pid, "DIVIDEND", "2024-02-03", symbol="AAPL", amount=money("0.125"))
    await record(api, pid, "DIVIDEND", "2024-02-04", symbol="AAPL", amount=money("0.135"))
    answer = await ledger(api, pid)

    amounts = [answer["cash"]["amount"]]
    amounts += [p["costBasis"]["amount"] for p in answer["positions"]]
    amounts += [p["realizedGain"]["amount"] for p in answer["positions"]]
    gains = answer["realizedGains"]
    for row in gains["lots"]:
        amounts += [row["proceeds"]["amount"], row["costBasis"]["amount"], row["gain"]["amount"]]
        assert Decimal(row["proceeds"]["amount"]) - Decimal(row["costBasis"]["amount"]) == Decimal(
            row["gain"]["amount"]
        )
    amounts += [m["amount"] for m in answer["income"].values()]
    assert all(CENTS.fullmatch(a) for a in amounts), amounts
    assert Decimal(gains["total"]["amount"]) == sum(Decimal(r["gain"]["amount"]) for r in gains["lots"])
    # The first sale's rows add up to its rounded proceeds: 7 * 11.111 - 0.015 = 77.762 -> 77.76.
    first_sale = [r for r in gains["lots"] if r["soldOn"] == "2024-02-01"]
    assert sum(Decimal(r["proceeds"]["amount"]) for r in first_sale) == Decimal("77.76")
    # Income: 0.125 -> 0.12 and 0.135 -> 0.14 (half-even), total 0.26 (not 0.26 by luck: 0.125 + 0.135
    # = 0.260 too, so check the lines' own rounding through a period of one).
    assert answer["income"]["dividends"] == money("0.26")
    one = await ledger(api, pid, **{"from": "2024-02-03", "to": "2024-02-03"})
    assert one["income"]["dividends"] == money("0.12")
    # Positions and realized gains add up as lines: each position's realizedGain sums to the total.
    assert sum(Decimal(p["realizedGain"]["amount"]) for p in answer["positions"]) == Decimal(
        gains["total"]["amount"]
    )
    # Sale prices keep their precision: 11.111, 9.999.
    prices = {e["node"]["price"]["amount"] for e in answer["activities"]["edges"] if e["node"]["price"]}
    assert {"11.111", "9.999", "10.001", "10.003", "10.007"} == prices


async def test_jpy_has_no_decimals_and_bhd_three(api, customer):
    yen = (await api.create_portfolio(customer, name="Yen", baseCurrency="JPY"))["id"]
    await record(
        api,
        yen,
        "BUY",
        "2024-01-04",
        symbol="7203",
        quantity="100",
        price=money("2512.5", "JPY"),
        fees=money("99", "JPY"),
    )
    sale = await record(
        api, yen, "SELL", "2024-02-01", symbol="7203", quantity="30", price=money("2600.3", "JPY")
    )
    # Cost 100 * 2512.5 + 99 = 251349; 30 of 100: 75404.7 -> 75405. Proceeds 30 * 2600.3 = 78009.
    assert sale["realizedGain"] == money("2604", "JPY")
    answer = await ledger(api, yen)
    assert answer["cash"] == money("-173340", "JPY")  # -251349 + 78009
    (position,) = answer["positions"]
    assert position["costBasis"] == money("175944", "JPY")  # 251349 - 75405
    (row,) = answer["realizedGains"]["lots"]
    assert (row["proceeds"], row["costBasis"], row["gain"]) == (
        money("78009", "JPY"),
        money("75405", "JPY"),
        money("2604", "JPY"),
    )
    assert answer["income"]["total"] == money("0", "JPY")

    dinar = (await api.create_portfolio(customer, name="Dinar", baseCurrency="BHD"))["id"]
    deposit = await record(api, dinar, "DEPOSIT", "2024-01-02", amount=money("10.0005", "BHD"))
    assert deposit["amount"] == money("10.000", "BHD")  # half-even at the fils
    assert (await ledger(api, dinar))["cash"] == money("10.000", "BHD")


# --- the ledger's order and pages -----------------------------------------------------------------


async def test_activities_newest_trade_date_first_then_newest_recorded_and_paged(api, customer):
    pid = (await api.create_portfolio(customer, name="Ordered"))["id"]
    a = await record(api, pid, "DEPOSIT", "2024-03-01", amount=money("1"))
    b = await record(api, pid, "DEPOSIT", "2024-01-01", amount=money("2"))
    c = await record(api, pid, "DEPOSIT", "2024-03-01", amount=money("3"))
    d = await record(api, pid, "DEPOSIT", "2024-02-01", amount=money("4"))
    expected = [c["id"], a["id"], d["id"], b["id"]]
    first = (await ledger(api, pid, first=3))["activities"]
    assert [e["node"]["id"] for e in first["edges"]] == expected[:3]
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["pageInfo"]["endCursor"] == first["edges"][-1]["cursor"]
    rest = (await ledger(api, pid, first=3, after=first["pageInfo"]["endCursor"]))["activities"]
    assert [e["node"]["id"] for e in rest["edges"]] == expected[3:]
    assert rest["pageInfo"]["hasNextPage"] is False
    # A correction moving an activity's trade date moves it in the ledger.
    await api.data(CORRECT, {"input": {"activityId": b["id"], "occurredAt": "2024-04-01"}})
    moved = (await ledger(api, pid))["activities"]["edges"]
    assert [e["node"]["id"] for e in moved] == [b["id"], c["id"], a["id"], d["id"]]


# --- idempotency and concurrency --------------------------------------------------------------------


async def test_record_activity_idempotency(api, customer):
    pid = (await api.create_portfolio(customer, name="Once"))["id"]
    first = await record_payload(
        api, pid, "DIVIDEND", "2024-02-01", symbol="AAPL", amount=money("5"), idempotencyKey="div-1"
    )
    before = await api.snapshot()
    again = await record_payload(
        api, pid, "DIVIDEND", "2024-02-01", symbol="aapl", amount=money("5.00"), idempotencyKey="div-1"
    )
    assert again == first
    assert await api.snapshot() == before
    other = await record_payload(
        api, pid, "DIVIDEND", "2024-02-01", symbol="AAPL", amount=money("6"), idempotencyKey="div-1"
    )
    assert codes(other) == [(("input", "idempotencyKey"), "IDEMPOTENCY_KEY_REUSED")]
    assert other["activity"] is None
    assert await api.snapshot() == before
    assert (await ledger(api, pid))["income"]["dividends"] == money("5.00")


async def test_thirty_concurrent_writers_all_land(api, customer):
    pid = (await api.create_portfolio(customer, name="Busy"))["id"]
    payloads = await asyncio.gather(
        *(
            record_payload(api, pid, "DEPOSIT", f"2024-01-{1 + n % 28:02}", amount=money(str(n + 1)))
            for n in range(30)
        )
    )
    assert [p["userErrors"] for p in payloads] == [[]] * 30
    ids = {p["activity"]["id"] for p in payloads}
    assert len(ids) == 30
    answer = await ledger(api, pid)
    assert {e["node"]["id"] for e in answer["activities"]["edges"]} == ids
    assert answer["cash"] == money("465.00")  # 1 + 2 + ... + 30
    trail = (await api.data(AUDIT, {"id": pid, "first": 100}))["portfolio"]["auditTrail"]["edges"]
    assert len(trail) == 30
