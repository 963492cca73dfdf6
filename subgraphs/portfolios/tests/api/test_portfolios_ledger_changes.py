"""The activity ledger through GraphQL on DynamoDB Local: corrections and removals (refused with the
date, nothing written) and the audit trail; transfers; sales of specific lots.
"""

from __future__ import annotations

from kit_testing import ISSUER

from .ledger_operations import (
    AUDIT,
    CORRECT,
    ISSUE_HISTORY,
    RECORD,
    REMOVE,
    activities_by_id,
    buy,
    codes,
    detail,
    ledger,
    money,
    record,
    record_history,
    record_payload,
    sell,
)

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
