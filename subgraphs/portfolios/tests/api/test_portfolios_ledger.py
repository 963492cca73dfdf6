"""The activity ledger through GraphQL (in-process ASGI) on DynamoDB Local, with the contract's own
operation texts (schema/operations): every activity type, its numbers checked by hand; the same
activities in any recording order give the same books; corrections, removals (refused with the date,
nothing written) and the audit trail; transfers; specific lots; money to the minor unit with totals
that are the sums of their rows; the ledger's order and pages; idempotency; 30 concurrent writers.
"""

from __future__ import annotations

import asyncio
import re
from decimal import Decimal
from typing import Any

import pytest
from devstack.client import operation
from kit_testing import ISSUER

RECORD = operation("RecordActivity")
CORRECT = operation("CorrectActivity")
REMOVE = operation("RemoveActivity")
LEDGER = operation("PortfolioLedger")
AUDIT = operation("PortfolioAuditTrail")

# The fields of an activity the contract's RecordActivity does not ask for.
ACTIVITY_DETAIL = """
query($id: ID!) {
  portfolio(id: $id) {
    activities(first: 100) {
      edges {
        node {
          id type occurredAt recordedAt symbol quantity fxRate note counterpartPortfolioId investmentId
          price { amount currencyCode } amount { amount currencyCode } fees { amount currencyCode }
          splitRatio { from to } realizedGain { amount currencyCode } lots { investmentId quantity }
        }
      }
    }
    realizedGains { total { amount } lots { saleId investmentId symbol quantity acquiredOn soldOn term
      proceeds { amount } costBasis { amount } gain { amount } } }
  }
}"""


def money(amount: str, currency: str = "USD") -> dict[str, str]:
    return {"amount": amount, "currencyCode": currency}


def codes(payload: dict[str, Any]) -> list[tuple[tuple[str, ...], str]]:
    return sorted((tuple(e["field"]), e["code"]) for e in payload["userErrors"])


async def record_payload(api, portfolio_id: str, kind: str, day: str, token=None, **fields) -> dict:
    values = {"portfolioId": portfolio_id, "type": kind, "occurredAt": day, **fields}
    return (await api.data(RECORD, {"input": values}, token=token))["recordActivity"]


async def record(api, portfolio_id: str, kind: str, day: str, token=None, **fields) -> dict:
    payload = await record_payload(api, portfolio_id, kind, day, token, **fields)
    assert payload["userErrors"] == [], payload
    return payload["activity"]


async def buy(api, portfolio_id: str, day: str, quantity: str, price: str, symbol="AAPL", **fields) -> dict:
    return await record(
        api, portfolio_id, "BUY", day, symbol=symbol, quantity=quantity, price=money(price), **fields
    )


async def sell(api, portfolio_id: str, day: str, quantity: str, price: str, symbol="AAPL", **fields) -> dict:
    return await record(
        api, portfolio_id, "SELL", day, symbol=symbol, quantity=quantity, price=money(price), **fields
    )


async def ledger(api, portfolio_id: str, token=None, **variables) -> dict:
    values = {"id": portfolio_id, "first": 100, **variables}
    return (await api.data(LEDGER, values, token=token))["portfolio"]


async def detail(api, portfolio_id: str) -> dict:
    return (await api.data(ACTIVITY_DETAIL, {"id": portfolio_id}))["portfolio"]


async def activities_by_id(api, portfolio_id: str) -> dict[str, dict]:
    return {e["node"]["id"]: e["node"] for e in (await detail(api, portfolio_id))["activities"]["edges"]}


def books(answer: dict) -> dict:
    """A PortfolioLedger answer without what differs between two portfolios of the same history (ids,
    names, cursors): what the books say."""
    positions = [
        {**p, "lots": [{k: v for k, v in lot.items() if k != "id"} for lot in p["lots"]]}
        for p in answer["positions"]
    ]
    activities = sorted(
        ({k: v for k, v in e["node"].items() if k != "id"} for e in answer["activities"]["edges"]),
        key=repr,
    )
    return {
        "cash": answer["cash"],
        "positions": positions,
        "activities": activities,
        "realizedGains": answer["realizedGains"],
        "income": answer["income"],
    }


@pytest.fixture(scope="module")
async def customer(api) -> str:
    return await api.register_customer()


# --- every type, by hand ------------------------------------------------------------------------


async def test_every_activity_type_by_hand(api, customer):
    pid = (await api.create_portfolio(customer, name="Everything"))["id"]
    deposit = await record(api, pid, "DEPOSIT", "2023-01-02", amount=money("10000"))
    old = await buy(api, pid, "2023-01-10", "10", "100", fees=money("5"))  # cost 1005
    new = await buy(api, pid, "2024-01-10", "10", "120")  # cost 1200
    dividend = await record(api, pid, "DIVIDEND", "2024-02-01", symbol="AAPL", amount=money("12.34"))
    interest = await record(api, pid, "INTEREST", "2024-03-01", amount=money("1.005"))
    split = await record(api, pid, "SPLIT", "2024-03-15", symbol="AAPL", splitRatio={"from": "1", "to": "2"})
    # After the split (cost kept): old lot 20 shares costing 1005, new lot 20 costing 1200.
    sale = await sell(api, pid, "2024-04-01", "25", "70", fees=money("10"))
    fee = await record(api, pid, "FEE", "2024-04-02", amount=money("15"))
    tax = await record(api, pid, "TAX", "2024-04-03", symbol="AAPL", amount=money("7.5"))
    withdrawal = await record(api, pid, "WITHDRAWAL", "2024-04-04", amount=money("500"))
    sap = await record(
        api,
        pid,
        "BUY",
        "2024-04-05",
        symbol="SAP",
        quantity="4",
        price=money("120.50", "EUR"),
        fees=money("2", "EUR"),
        fxRate="1.0850",
    )

    # What the payloads say of each activity.
    assert (deposit["type"], deposit["amount"], deposit["fxRate"]) == ("DEPOSIT", money("10000.00"), "1")
    assert old["price"] == money("100") and old["fees"] == money("5.00") and old["realizedGain"] is None
    assert dividend["instrument"] == {"symbol": "AAPL"} and dividend["amount"] == money("12.34")
    assert interest["amount"] == money("1.00")  # 1.005 rounded half-even to the cent
    assert (split["quantity"], split["price"], split["amount"], split["fxRate"]) == (None, None, None, None)
    # FIFO: the old lot's 20 shares (1005) and 5 of the new lot's 20 (1200 * 5 / 20 = 300): cost 1305.
    # Proceeds 25 * 70 - 10 = 1740; gain 1740 - 1305 = 435.
    assert sale["realizedGain"] == money("435.00")
    assert (sale["price"], sale["fees"]) == (money("70"), money("10.00"))
    assert fee["amount"] == money("15.00") and tax["amount"] == money("7.50")
    assert withdrawal["amount"] == money("500.00")
    # (4 * 120.50 + 2) * 1.0850 = 484.00 * 1.085 = 525.14 USD
    assert (sap["price"], sap["fees"], sap["fxRate"]) == (
        money("120.5", "EUR"),
        money("2.00", "EUR"),
        "1.085",
    )

    books_now = await ledger(api, pid)
    # 10000 - 1005 - 1200 + 12.34 + 1.00 + 1740 - 15 - 7.50 - 500 - 525.14 = 8500.70
    assert books_now["cash"] == money("8500.70")
    aapl, sap_position = books_now["positions"]
    assert (aapl["instrument"], aapl["quantity"], aapl["costBasis"]) == (
        {"symbol": "AAPL"},
        "15",  # 40 after the split, 25 sold
        money("900.00"),  # 1200 - 300
    )
    assert aapl["averageCost"] == money("60") and aapl["realizedGain"] == money("435.00")
    assert [(lot["id"], lot["purchasedAt"], lot["remainingQuantity"]) for lot in aapl["lots"]] == [
        (new["id"], "2024-01-10", "15")
    ]
    assert (sap_position["quantity"], sap_position["costBasis"]) == ("4", money("525.14"))
    assert sap_position["averageCost"] == money("131.285")  # 525.14 / 4

    gains = books_now["realizedGains"]
    # Proceeds split by quantity: 1740 * 20 / 25 = 1392.00 and 348.00; the old lot was held more than
    # a year (2023-01-10 to 2024-04-01): LONG; the new one SHORT.
    assert gains["lots"] == [
        {
            "instrument": {"symbol": "AAPL"},
            "quantity": "20",
            "acquiredOn": "2023-01-10",
            "soldOn": "2024-04-01",
            "proceeds": money("1392.00"),
            "costBasis": money("1005.00"),
            "gain": money("387.00"),
            "term": "LONG",
        },
        {
            "instrument": {"symbol": "AAPL"},
            "quantity": "5",
            "acquiredOn": "2024-01-10",
            "soldOn": "2024-04-01",
            "proceeds": money("348.00"),
            "costBasis": money("300.00"),
            "gain": money("48.00"),
            "term": "SHORT",
        },
    ]
    assert gains["total"] == money("435.00")
    assert books_now["income"] == {
        "total": money("13.34"),
        "dividends": money("12.34"),
        "interest": money("1.00"),
    }

    # Periods: from/to are inclusive trade dates.
    later = await ledger(api, pid, **{"from": "2024-02-02"})
    assert later["income"] == {"total": money("1.00"), "dividends": money("0.00"), "interest": money("1.00")}
    earlier = await ledger(api, pid, to="2024-02-01")
    assert earlier["income"] == {
        "total": money("12.34"),
        "dividends": money("12.34"),
        "interest": money("0.00"),
    }
    assert earlier["realizedGains"] == {"total": money("0.00"), "lots": []}
    that_day = await ledger(api, pid, **{"from": "2024-04-01", "to": "2024-04-01"})
    assert that_day["realizedGains"]["total"] == money("435.00")

    # The fields the contract's operations do not ask for.
    seen = await activities_by_id(api, pid)
    assert seen[split["id"]]["splitRatio"] == {"from": "1", "to": "2"}
    assert seen[sale["id"]]["lots"] == [
        {"investmentId": old["id"], "quantity": "20"},
        {"investmentId": new["id"], "quantity": "5"},
    ]
    assert seen[old["id"]]["investmentId"] == old["id"] and seen[sale["id"]]["investmentId"] is None
    assert seen[tax["id"]]["symbol"] == "AAPL" and seen[fee["id"]]["symbol"] is None
    assert {n["type"] for n in seen.values()} == {
        "DEPOSIT",
        "BUY",
        "DIVIDEND",
        "INTEREST",
        "SPLIT",
        "SELL",
        "FEE",
        "TAX",
        "WITHDRAWAL",
    }


# --- the issue's late entry: any recording order, the same books ---------------------------------


ISSUE_HISTORY = [
    ("BUY", "2024-01-10", "10", "100"),
    ("BUY", "2024-03-10", "10", "200"),
    ("SELL", "2024-04-01", "10", "250"),
    ("SELL", "2024-02-01", "5", "150"),  # entered last, dated before the other sale
]


async def record_history(api, portfolio_id: str, history) -> list[dict]:
    recorded = []
    for kind, day, quantity, price in history:
        recorded.append(await (buy if kind == "BUY" else sell)(api, portfolio_id, day, quantity, price))
    return recorded


@pytest.mark.parametrize(
    ("method", "total", "rows", "held_cost"),
    [
        # FIFO: Feb 1 takes 5 of Jan's lot (500): 750 - 500 = 250. Apr 1 takes Jan's other 5 (500) and
        # 5 of Mar's (1000): 2500 - 1500 = 1000. 1250 in all; 5 of Mar's lot left, 1000.
        (
            "FIFO",
            "1250.00",
            [
                ("2024-01-10", "2024-02-01", "5", "750.00", "500.00", "250.00"),
                ("2024-01-10", "2024-04-01", "5", "1250.00", "500.00", "750.00"),
                ("2024-03-10", "2024-04-01", "5", "1250.00", "1000.00", "250.00"),
            ],
            "1000.00",
        ),
        # AVERAGE: Feb 1 takes 5 of 10 at 100: gain 250. Then 5 at 100 and 10 at 200 pool to 15 costing
        # 2500; Apr 1 takes 10 of them (the oldest: Jan's 5, Mar's 5) at 2500 * 10 / 15 = 1666.67, split
        # over the rows cumulatively (833.33, then 1666.67 - 833.33 = 833.34): 2500 - 1666.67 = 833.33.
        # 1083.33 in all; 5 left costing 2500 - 1666.67 = 833.33.
        (
            "AVERAGE",
            "1083.33",
            [
                ("2024-01-10", "2024-02-01", "5", "750.00", "500.00", "250.00"),
                ("2024-01-10", "2024-04-01", "5", "1250.00", "833.33", "416.67"),
                ("2024-03-10", "2024-04-01", "5", "1250.00", "833.34", "416.66"),
            ],
            "833.33",
        ),
    ],
)
async def test_a_sale_entered_late_gives_the_books_of_the_date_order(
    api, customer, method, total, rows, held_cost
):
    late = (await api.create_portfolio(customer, name="Late", costBasisMethod=method))["id"]
    in_order = (await api.create_portfolio(customer, name="In order", costBasisMethod=method))["id"]
    await record_history(api, late, ISSUE_HISTORY)
    await record_history(api, in_order, sorted(ISSUE_HISTORY, key=lambda a: a[1]))

    late_books, ordered_books = await ledger(api, late), await ledger(api, in_order)
    assert books(late_books) == books(ordered_books)
    gains = late_books["realizedGains"]
    assert gains["total"] == money(total)
    assert [
        (
            r["acquiredOn"],
            r["soldOn"],
            r["quantity"],
            r["proceeds"]["amount"],
            r["costBasis"]["amount"],
            r["gain"]["amount"],
        )
        for r in gains["lots"]
    ] == rows
    assert {r["term"] for r in gains["lots"]} == {"SHORT"}
    assert sum(Decimal(r["gain"]["amount"]) for r in gains["lots"]) == Decimal(total)
    (position,) = late_books["positions"]
    assert (position["quantity"], position["costBasis"]) == ("5", money(held_cost))
    # No deposits recorded: cash is below zero, shown: -1000 - 2000 + 2500 + 750 = 250.00
    assert late_books["cash"] == money("250.00")


# --- corrections, removals, the audit trail -------------------------------------------------------


async def test_correct_and_remove_activities_a_sale_included(api, customer):
    pid = (await api.create_portfolio(customer, name="Fix me"))["id"]
    jan, mar, apr, feb = await record_history(api, pid, ISSUE_HISTORY)
    token = ISSUER.customer(customer)

    # A sale's price corrected by the customer: Apr 1 now 10 @ 260: gain 2600 - 1500 = 1100.
    corrected = (
        await api.data(CORRECT, {"input": {"activityId": apr["id"], "price": money("260")}}, token=token)
    )["correctActivity"]
    assert corrected["userErrors"] == []
    assert corrected["activity"]["realizedGain"] == money("1100.00")
    assert corrected["activity"]["price"] == money("260")
    assert corrected["portfolio"]["realizedGain"] == money("1350.00")  # 250 + 1100
    assert corrected["portfolio"]["cash"] == money("350.00")  # -3000 + 2600 + 750

    # The audit trail: newest first, who, the activity before and after.
    trail = (await api.data(AUDIT, {"id": pid, "first": 10}))["portfolio"]["auditTrail"]["edges"]
    entries = [edge["node"] for edge in trail]
    assert [(e["action"], e["activityId"]) for e in entries] == [
        ("CORRECTED", apr["id"]),
        ("RECORDED", feb["id"]),
        ("RECORDED", apr["id"]),
        ("RECORDED", mar["id"]),
        ("RECORDED", jan["id"]),
    ]
    assert entries[0]["actor"] == f"customer:{customer}"
    assert entries[1]["actor"].startswith("admin:")
    assert entries[0]["before"]["price"] == money("250") and entries[0]["after"]["price"] == money("260")
    assert entries[0]["before"]["id"] == entries[0]["after"]["id"] == apr["id"]
    assert entries[1]["before"] is None and entries[1]["after"]["quantity"] == "5"

    # Impossible corrections and removals: refused, the message naming the day, nothing written.
    before_books, before_items = await ledger(api, pid), await api.snapshot()
    for document, name, values, field in (
        # the Feb 1 sale of 11 when 10 were held
        (CORRECT, "correctActivity", {"activityId": feb["id"], "quantity": "11"}, "quantity"),
        # the Jan 10 buy moved after the Feb 1 sale that needed it
        (CORRECT, "correctActivity", {"activityId": jan["id"], "occurredAt": "2024-02-02"}, "activityId"),
        # the Jan 10 buy removed
        (REMOVE, "removeActivity", {"activityId": jan["id"]}, "activityId"),
    ):
        payload = (await api.data(document, {"input": values}))[name]
        assert codes(payload) == [(("input", field), "INSUFFICIENT_QUANTITY")], payload
        assert "2024-02-01" in payload["userErrors"][0]["message"]
        assert payload["portfolio"] is None
    assert await ledger(api, pid) == before_books
    assert await api.snapshot() == before_items

    # The Feb 1 sale removed: the Apr 1 sale now takes Jan's 10 (1000): 2600 - 1000 = 1600.
    removed = (await api.data(REMOVE, {"input": {"activityId": feb["id"]}}))["removeActivity"]
    assert removed["userErrors"] == [] and removed["removedActivityId"] == feb["id"]
    assert removed["portfolio"]["realizedGain"] == money("1600.00")
    assert removed["portfolio"]["cash"] == money("-400.00")  # -3000 + 2600, below zero: shown
    after = await ledger(api, pid)
    assert [e["node"]["id"] for e in after["activities"]["edges"]] == [apr["id"], mar["id"], jan["id"]]
    (position,) = after["positions"]
    assert (position["quantity"], position["costBasis"]) == ("10", money("2000.00"))  # Mar's lot whole
    assert [
        (r["acquiredOn"], r["quantity"], r["gain"]["amount"]) for r in after["realizedGains"]["lots"]
    ] == [("2024-01-10", "10", "1600.00")]
    newest = (await api.data(AUDIT, {"id": pid, "first": 1}))["portfolio"]["auditTrail"]["edges"][0]["node"]
    assert (newest["action"], newest["activityId"], newest["after"]) == ("REMOVED", feb["id"], None)
    assert newest["before"]["quantity"] == "5" and newest["before"]["occurredAt"] == "2024-02-01"

    # Removed is gone: neither corrected nor removed again.
    gone = (await api.data(REMOVE, {"input": {"activityId": feb["id"]}}))["removeActivity"]
    assert codes(gone) == [(("input", "activityId"), "NOT_FOUND")]


async def test_another_customer_cannot_correct_or_remove(api, customer):
    pid = (await api.create_portfolio(customer, name="Mine"))["id"]
    deposit = await record(api, pid, "DEPOSIT", "2024-01-02", amount=money("100"))
    stranger = ISSUER.customer(await api.register_customer())
    before = await api.snapshot()
    for document, values in (
        (CORRECT, {"activityId": deposit["id"], "amount": money("1")}),
        (REMOVE, {"activityId": deposit["id"]}),
        (RECORD, {"portfolioId": pid, "type": "DEPOSIT", "occurredAt": "2024-01-03", "amount": money("5")}),
    ):
        body = await api.gql(document, {"input": values}, token=stranger)
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert await api.snapshot() == before


# --- transfers ------------------------------------------------------------------------------------


async def test_a_transfer_moves_lots_with_their_dates_and_cost(api, customer):
    sender = (await api.create_portfolio(customer, name="Broker A"))["id"]
    receiver = (await api.create_portfolio(customer, name="Broker B"))["id"]
    euros = (await api.create_portfolio(customer, name="Euro", baseCurrency="EUR"))["id"]
    strangers = (await api.create_portfolio(await api.register_customer(), name="Not yours"))["id"]
    first = await buy(api, sender, "2023-01-10", "10", "100")
    second = await buy(api, sender, "2024-01-10", "10", "150")

    before = await api.snapshot()
    for target, code in ((strangers, "NOT_FOUND"), (euros, "INVALID")):
        refused = await record_payload(
            api,
            sender,
            "TRANSFER_OUT",
            "2024-05-01",
            symbol="AAPL",
            quantity="15",
            counterpartPortfolioId=target,
        )
        assert codes(refused) == [(("input", "counterpartPortfolioId"), code)]
    assert await api.snapshot() == before

    out = await record(
        api,
        sender,
        "TRANSFER_OUT",
        "2024-05-01",
        symbol="AAPL",
        quantity="15",
        counterpartPortfolioId=receiver,
    )
    assert out["type"] == "TRANSFER_OUT" and out["quantity"] == "15" and out["fxRate"] is None
    # FIFO takes the first lot (10, cost 1000) and 5 of the second (750).
    sent = await ledger(api, sender)
    (left,) = sent["positions"]
    assert (left["quantity"], left["costBasis"]) == ("5", money("750.00"))
    assert sent["cash"] == money("-2500.00")  # the purchases; a transfer moves no cash
    assert sent["realizedGains"]["lots"] == []  # nor realizes anything
    out_detail = (await activities_by_id(api, sender))[out["id"]]
    assert out_detail["counterpartPortfolioId"] == receiver
    assert out_detail["lots"] == [
        {"investmentId": first["id"], "quantity": "10"},
        {"investmentId": second["id"], "quantity": "5"},
    ]

    got = await ledger(api, receiver)
    (arrived,) = got["positions"]
    assert (arrived["quantity"], arrived["costBasis"], got["cash"]) == ("15", money("1750.00"), money("0.00"))
    assert [
        (lot["purchasedAt"], lot["remainingQuantity"], lot["remainingCostBasis"]) for lot in arrived["lots"]
    ] == [
        ("2023-01-10", "10", money("1000.00")),
        ("2024-01-10", "5", money("750.00")),
    ]
    incoming = [e["node"] for e in (await detail(api, receiver))["activities"]["edges"]]
    assert [(a["type"], a["quantity"], a["counterpartPortfolioId"], a["occurredAt"]) for a in incoming] == [
        ("TRANSFER_IN", "15", sender, "2024-05-01")
    ]

    # The receiver sells 10: FIFO takes the lot acquired 2023-01-10 (kept across the transfer): LONG.
    # 10 * 200 - 1000 = 1000.
    sale = await sell(api, receiver, "2024-06-01", "10", "200")
    assert sale["realizedGain"] == money("1000.00")
    (row,) = (await ledger(api, receiver))["realizedGains"]["lots"]
    assert (row["acquiredOn"], row["term"], row["costBasis"]) == ("2023-01-10", "LONG", money("1000.00"))

    # The transfer cannot be removed now: the receiver's sale of 2024-06-01 needed it. Nothing written.
    before = await api.snapshot()
    refused = (await api.data(REMOVE, {"input": {"activityId": out["id"]}}))["removeActivity"]
    assert codes(refused) == [(("input", "activityId"), "INSUFFICIENT_QUANTITY")]
    assert "2024-06-01" in refused["userErrors"][0]["message"]
    assert await api.snapshot() == before

    # Without that sale it can: both sides go in one write.
    await api.data(REMOVE, {"input": {"activityId": sale["id"]}})
    removed = (await api.data(REMOVE, {"input": {"activityId": out["id"]}}))["removeActivity"]
    assert removed["userErrors"] == []
    assert (await ledger(api, receiver))["positions"] == []
    assert (await ledger(api, receiver))["activities"]["edges"] == []
    (whole,) = (await ledger(api, sender))["positions"]
    assert (whole["quantity"], whole["costBasis"]) == ("20", money("2500.00"))


# --- specific lots ------------------------------------------------------------------------------


async def test_a_sale_of_specific_lots(api, customer):
    pid = (await api.create_portfolio(customer, name="Picked", costBasisMethod="FIFO"))["id"]
    l1 = await buy(api, pid, "2024-01-10", "10", "100")
    l2 = await buy(api, pid, "2024-02-10", "10", "120")
    l3 = await buy(api, pid, "2024-03-10", "10", "150")
    picks = [{"investmentId": l3["id"], "quantity": "4"}, {"investmentId": l1["id"], "quantity": "2"}]
    sale = await sell(api, pid, "2024-04-01", "6", "160", lots=picks)
    # Cost 4 * 150 + 2 * 100 = 800; proceeds 6 * 160 = 960; gain 160.
    assert sale["realizedGain"] == money("160.00")
    books_now = await ledger(api, pid)
    (position,) = books_now["positions"]
    assert [(lot["id"], lot["remainingQuantity"]) for lot in position["lots"]] == [
        (l1["id"], "8"),
        (l2["id"], "10"),
        (l3["id"], "6"),
    ]
    rows = sorted(
        (r["acquiredOn"], r["quantity"], r["costBasis"]["amount"]) for r in books_now["realizedGains"]["lots"]
    )
    assert rows == [("2024-01-10", "2", "200.00"), ("2024-03-10", "4", "600.00")]

    # A lot that held less on the sale's day than named: refused, nothing written.
    before = await api.snapshot()
    too_much = await record_payload(
        api,
        pid,
        "SELL",
        "2024-04-02",
        symbol="AAPL",
        quantity="7",
        price=money("160"),
        lots=[{"investmentId": l3["id"], "quantity": "7"}],
    )
    assert [e["code"] for e in too_much["userErrors"]] == ["LOT_UNAVAILABLE"]
    assert "2024-04-02" in too_much["userErrors"][0]["message"]
    assert await api.snapshot() == before


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
