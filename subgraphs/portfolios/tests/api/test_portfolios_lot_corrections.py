"""A portfolio's lots through GraphQL on DynamoDB Local: updateInvestment and removeInvestment, refused
(nothing written) when a sale would become impossible, with the audit trail.
"""

from collections import Counter

import pytest
from ulid import ULID

from .lifecycle_operations import (
    FUTURE,
    INVESTMENT_ENTITY,
    REMOVE,
    UPDATE,
    audit_trail,
    codes,
    mutate,
    rejected,
    usd,
)

# --- corrections ------------------------------------------------------------------------------


async def test_correct_a_lot(api, customer):
    portfolio = await api.create_portfolio(customer)
    lot = await api.add_investment(portfolio["id"], fees=usd("1.00"))
    before = await api.kinds(portfolio["id"])
    payload = await mutate(
        api,
        UPDATE,
        "updateInvestment",
        {"id": lot["id"], "quantity": "12", "purchasePrice": usd("150.00"), "purchasedAt": "2024-04-30"},
    )
    assert payload["userErrors"] == []
    corrected = payload["investment"]
    # 12 * 150.00 + 1.00 = 1801.00
    assert corrected["costBasis"] == usd("1801.00")
    assert (corrected["quantity"], corrected["remainingQuantity"]) == ("12", "12")
    assert corrected["fees"] == usd("1.00") and corrected["purchasedAt"] == "2024-04-30"
    # The BUY is replaced in place (same id, new trade date); an audit entry keeps what it was.
    assert await api.kinds(portfolio["id"]) == before + Counter({"AUDIT": 1})

    # Both copies say the same: the lot under its portfolio and the one addressed by id.
    entity = await api.data(
        INVESTMENT_ENTITY, {"representations": [{"__typename": "Investment", "id": lot["id"]}]}
    )
    assert entity["_entities"] == [{"id": lot["id"], "quantity": "12", "costBasis": {"amount": "1801.00"}}]
    state = await api.state(portfolio["id"])
    assert state["positions"][0]["costBasis"] == {"amount": "1801.00"}
    assert [edge["node"]["id"] for edge in state["activities"]["edges"]] == [lot["id"]]
    latest = state["activities"]["edges"][0]["node"]
    assert (latest["type"], latest["quantity"], latest["investmentId"]) == ("BUY", "12", lot["id"])
    assert latest["occurredAt"] == "2024-04-30"
    assert latest["price"] == usd("150")  # a unit price: precise, trailing zeros trimmed
    corrected_entry, recorded_entry = await audit_trail(api, portfolio["id"])
    assert (corrected_entry["action"], recorded_entry["action"]) == ("CORRECTED", "RECORDED")
    assert corrected_entry["activityId"] == recorded_entry["activityId"] == lot["id"]
    assert corrected_entry["before"]["quantity"] == "10"
    assert corrected_entry["before"]["occurredAt"] == "2024-05-01"
    assert corrected_entry["after"]["quantity"] == "12"
    assert corrected_entry["after"]["occurredAt"] == "2024-04-30"
    assert recorded_entry["before"] is None and recorded_entry["after"]["quantity"] == "10"

    # fees: null removes them; the same correction again changes (and writes) nothing.
    cleared = await mutate(api, UPDATE, "updateInvestment", {"id": lot["id"], "fees": None})
    assert cleared["investment"]["fees"] is None
    assert cleared["investment"]["costBasis"] == usd("1800.00")  # 12 * 150.00
    before_same = await api.snapshot()
    same = await mutate(api, UPDATE, "updateInvestment", {"id": lot["id"], "quantity": "12.000"})
    assert same["userErrors"] == [] and same["investment"]["quantity"] == "12"
    assert await api.snapshot() == before_same

    # A new currency needs a rate; with one, the cost is converted.
    await rejected(
        api,
        UPDATE,
        "updateInvestment",
        {"id": lot["id"], "purchasePrice": {"amount": "140", "currencyCode": "EUR"}},
        [(("input", "fxRate"), "FX_RATE_REQUIRED")],
    )
    in_euros = await mutate(
        api,
        UPDATE,
        "updateInvestment",
        {"id": lot["id"], "purchasePrice": {"amount": "140", "currencyCode": "EUR"}, "fxRate": "1.10"},
    )
    assert in_euros["investment"]["costBasis"] == usd("1848.00")  # 12 * 140 * 1.10 = 1680 * 1.10


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"quantity": "0"}, [(("input", "quantity"), "INVALID")]),
        ({"purchasedAt": FUTURE}, [(("input", "purchasedAt"), "INVALID")]),
        ({"fxRate": "1.5"}, [(("input", "fxRate"), "INVALID")]),
        ({"fees": {"amount": "1", "currencyCode": "EUR"}}, [(("input", "fees", "currencyCode"), "INVALID")]),
        ({"id": "MISSING"}, [(("input", "id"), "NOT_FOUND")]),
        ({"id": "lot-1"}, [(("input", "id"), "INVALID")]),
    ],
)
async def test_bad_corrections_write_nothing(api, customer, overrides, expected):
    portfolio = await api.create_portfolio(customer)
    lot = await api.add_investment(portfolio["id"])
    values = {"id": lot["id"], **overrides}
    if values["id"] == "MISSING":
        values["id"] = str(ULID())
    await rejected(api, UPDATE, "updateInvestment", values, expected)


async def test_a_lot_a_sale_took_from_is_corrected_unless_the_sale_becomes_impossible(api, customer):
    portfolio = await api.create_portfolio(customer)
    lot = await api.add_investment(portfolio["id"], quantity="10")  # 10 @ 150.25 on 2024-05-01
    sold = await api.sell(portfolio["id"], quantity="4")  # 4 @ 200 on 2024-06-03
    assert sold["realizedGain"] == usd("199.00")  # 4 * (200 - 150.25)

    # More shares: the sale still takes 4 of them at the same cost; 7 remain.
    more = await mutate(api, UPDATE, "updateInvestment", {"id": lot["id"], "quantity": "11"})
    assert more["userErrors"] == []
    assert (more["investment"]["remainingQuantity"], more["investment"]["remainingCostBasis"]) == (
        "7",
        {"amount": "1051.75"},  # 7 * 150.25
    )
    # A cheaper purchase: the sale, replayed, realizes more. 4 * (200 - 100) = 400.00
    cheaper = await mutate(api, UPDATE, "updateInvestment", {"id": lot["id"], "purchasePrice": usd("100")})
    assert cheaper["userErrors"] == []
    state = await api.state(portfolio["id"])
    assert state["realizedGain"] == {"amount": "400.00", "currencyCode": "USD"}
    sale = next(e["node"] for e in state["activities"]["edges"] if e["node"]["type"] == "SELL")
    assert sale["realizedGain"] == {"amount": "400.00"}

    # Fewer shares than the sale of 2024-06-03 took, a purchase after that sale, or no purchase at all:
    # refused, the message naming the sale's date, nothing written.
    for document, name, values in (
        (UPDATE, "updateInvestment", {"id": lot["id"], "quantity": "3"}),
        (UPDATE, "updateInvestment", {"id": lot["id"], "purchasedAt": "2024-06-04"}),
        (REMOVE, "removeInvestment", {"id": lot["id"]}),
    ):
        payload = await rejected(api, document, name, values, [(("input", "id"), "INSUFFICIENT_QUANTITY")])
        assert "2024-06-03" in payload["userErrors"][0]["message"]


# --- removals ---------------------------------------------------------------------------------


async def test_remove_a_lot(api, customer):
    portfolio = await api.create_portfolio(customer)
    keep = await api.add_investment(portfolio["id"], symbol="MSFT", quantity="2")
    lot = await api.add_investment(portfolio["id"], idempotencyKey="to-remove")
    before = await api.kinds(portfolio["id"])
    payload = await mutate(api, REMOVE, "removeInvestment", {"id": lot["id"]})
    assert payload["removedInvestmentId"] == lot["id"]
    assert payload["portfolio"]["positions"] == [{"instrument": {"symbol": "MSFT"}, "quantity": "2"}]
    # The BUY and its ref go; an audit entry keeps it. (The key's record stays: see below.)
    after = await api.kinds(portfolio["id"])
    assert (after["ACTIVITY"], after["REF"], after["AUDIT"], after["IDEMPOTENCY"]) == (
        before["ACTIVITY"] - 1,
        before["REF"] - 1,
        before["AUDIT"] + 1,
        before["IDEMPOTENCY"],
    )
    entity = await api.data(
        INVESTMENT_ENTITY, {"representations": [{"__typename": "Investment", "id": lot["id"]}]}
    )
    assert entity["_entities"] == [None]
    state = await api.state(portfolio["id"])
    assert [i["id"] for i in state["investments"]] == [keep["id"]]
    # The ledger no longer has the BUY; the audit trail has its removal, with what it was.
    assert [edge["node"]["id"] for edge in state["activities"]["edges"]] == [keep["id"]]
    removal = (await audit_trail(api, portfolio["id"]))[0]
    assert (removal["action"], removal["activityId"], removal["after"]) == ("REMOVED", lot["id"], None)
    assert (removal["before"]["type"], removal["before"]["quantity"]) == ("BUY", "10")

    # Replaying the removed lot's purchase does not bring it back.
    replay = await api.add_investment_payload(portfolio["id"], idempotencyKey="to-remove")
    assert codes(replay) == [(("input", "idempotencyKey"), "NOT_FOUND")]
    await rejected(api, REMOVE, "removeInvestment", {"id": lot["id"]}, [(("input", "id"), "NOT_FOUND")])
