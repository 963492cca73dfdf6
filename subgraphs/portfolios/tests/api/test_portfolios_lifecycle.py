"""Closed customers, renaming and closing portfolios, correcting and removing lots, the activity
ledger and its paging, and the lot race: through GraphQL (in-process ASGI), against DynamoDB Local.

Every rejected mutation must answer userErrors and leave the table exactly as it was.
"""

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from devstack.client import operation
from portfolios.domain.paging import encode_cursor
from ulid import ULID

RENAME = """
mutation($input: RenamePortfolioInput!) {
  renamePortfolio(input: $input) { portfolio { id name status } userErrors { field message code } }
}"""

CLOSE = """
mutation($input: ClosePortfolioInput!) {
  closePortfolio(input: $input) { portfolio { id status closedAt } userErrors { field message code } }
}"""

UPDATE = """
mutation($input: UpdateInvestmentInput!) {
  updateInvestment(input: $input) {
    investment {
      id quantity purchasePrice { amount currencyCode } purchasedAt fees { amount currencyCode } fxRate
      costBasis { amount currencyCode } remainingQuantity remainingCostBasis { amount }
    }
    userErrors { field message code }
  }
}"""

REMOVE = """
mutation($input: RemoveInvestmentInput!) {
  removeInvestment(input: $input) {
    removedInvestmentId
    portfolio { id positions { instrument { symbol } quantity } }
    userErrors { field message code }
  }
}"""

INVESTMENT_ENTITY = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Investment { id quantity costBasis { amount } } }
}"""

ACTIVITIES = """
query($id: ID!, $first: Int!, $after: String) {
  portfolio(id: $id) {
    activities(first: $first, after: $after) {
      edges { cursor node { id type quantity } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}"""

AUDIT_TRAIL = operation("PortfolioAuditTrail")

FUTURE = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()


def usd(amount):
    return {"amount": amount, "currencyCode": "USD"}


def codes(payload):
    return sorted((tuple(e["field"]), e["code"]) for e in payload["userErrors"])


async def mutate(api, document, name, values):
    return (await api.data(document, {"input": values}))[name]


async def rejected(api, document, name, values, expected):
    """Runs a mutation that must fail with `expected` and write nothing; returns its payload."""
    before = await api.snapshot()
    payload = await mutate(api, document, name, values)
    assert codes(payload) == expected, payload
    assert all(e["message"] for e in payload["userErrors"])
    assert await api.snapshot() == before
    return payload


async def audit_trail(api, portfolio_id):
    """The portfolio's audit entries, newest first."""
    data = await api.data(AUDIT_TRAIL, {"id": portfolio_id, "first": 100})
    return [edge["node"] for edge in data["portfolio"]["auditTrail"]["edges"]]


@pytest.fixture(scope="module")
async def customer(api):
    return await api.register_customer()


# --- closed customers -------------------------------------------------------------------------


async def test_closed_customer_gets_no_new_portfolios_or_lots_but_may_wind_down(api):
    customer = await api.register_customer()
    portfolio = await api.create_portfolio(customer)
    lot = await api.add_investment(portfolio["id"], quantity="10")
    spare = await api.add_investment(portfolio["id"], quantity="1", purchasedAt="2024-05-02")
    await api.close_customer(customer)

    before = await api.count_items()
    payload = await api.create_portfolio_payload(customer)
    assert codes(payload) == [(("input", "customerId"), "CUSTOMER_CLOSED")]
    payload = await api.add_investment_payload(portfolio["id"])
    assert codes(payload) == [(("input", "portfolioId"), "CUSTOMER_CLOSED")]
    assert await api.count_items() == before

    # Decided: what is held may still be sold, corrected, removed, renamed and closed.
    corrected = await mutate(api, UPDATE, "updateInvestment", {"id": spare["id"], "quantity": "2"})
    assert corrected["userErrors"] == []
    removed = await mutate(api, REMOVE, "removeInvestment", {"id": spare["id"]})
    assert removed["userErrors"] == []
    sold = await api.sell(portfolio["id"], quantity="10")
    assert sold["portfolio"]["positions"] == []
    # 10 * (200 - 150.25) = 497.50
    assert sold["realizedGain"] == usd("497.50")
    assert (await mutate(api, RENAME, "renamePortfolio", {"id": portfolio["id"], "name": "Old"}))[
        "userErrors"
    ] == []
    assert (await mutate(api, CLOSE, "closePortfolio", {"id": portfolio["id"]}))["userErrors"] == []
    assert lot["id"] in [i["id"] for i in (await api.state(portfolio["id"]))["investments"]]


# --- renaming and closing ---------------------------------------------------------------------


async def test_rename_portfolio(api, customer):
    portfolio = await api.create_portfolio(customer)
    before = await api.count_items()
    renamed = await mutate(api, RENAME, "renamePortfolio", {"id": portfolio["id"], "name": "  Rainy day "})
    assert renamed == {
        "portfolio": {"id": portfolio["id"], "name": "Rainy day", "status": "OPEN"},
        "userErrors": [],
    }
    assert await api.count_items() == before
    assert (await api.state(portfolio["id"]))["name"] == "Rainy day"

    await rejected(
        api, RENAME, "renamePortfolio", {"id": portfolio["id"], "name": " "}, [(("input", "name"), "INVALID")]
    )
    await rejected(
        api, RENAME, "renamePortfolio", {"id": str(ULID()), "name": "x"}, [(("input", "id"), "NOT_FOUND")]
    )
    await rejected(
        api,
        RENAME,
        "renamePortfolio",
        {"id": "nope", "name": "x" * 101},
        [(("input", "id"), "INVALID"), (("input", "name"), "INVALID")],
    )
    assert (await api.state(portfolio["id"]))["name"] == "Rainy day"


async def test_closed_portfolio_keeps_its_data_and_refuses_changes(api, customer):
    portfolio = await api.create_portfolio(customer)
    pid = portfolio["id"]
    lot = await api.add_investment(pid, quantity="10")
    closed = await mutate(api, CLOSE, "closePortfolio", {"id": pid})
    assert closed["userErrors"] == [] and closed["portfolio"]["status"] == "CLOSED"
    closed_at = closed["portfolio"]["closedAt"]
    assert datetime.fromisoformat(closed_at) <= datetime.now(UTC)

    # Closing again changes nothing, not even the closing time.
    before = await api.count_items()
    again = await mutate(api, CLOSE, "closePortfolio", {"id": pid})
    assert again["portfolio"]["closedAt"] == closed_at and again["userErrors"] == []
    assert await api.count_items() == before

    at_pid = [(("input", "portfolioId"), "PORTFOLIO_CLOSED")]
    at_id = [(("input", "id"), "PORTFOLIO_CLOSED")]
    payload = await api.add_investment_payload(pid)
    assert codes(payload) == at_pid
    assert codes(await api.sell_payload(pid)) == at_pid
    await rejected(api, UPDATE, "updateInvestment", {"id": lot["id"], "quantity": "1"}, at_id)
    await rejected(api, REMOVE, "removeInvestment", {"id": lot["id"]}, at_id)
    assert await api.count_items() == before

    state = await api.state(pid)
    assert (state["status"], state["closedAt"]) == ("CLOSED", closed_at)
    assert state["positions"][0]["quantity"] == "10"
    assert [e["node"]["type"] for e in state["activities"]["edges"]] == ["BUY"]
    await rejected(api, CLOSE, "closePortfolio", {"id": str(ULID())}, [(("input", "id"), "NOT_FOUND")])


async def test_closing_races_with_purchases_without_losing_either(api, customer):
    portfolio = await api.create_portfolio(customer)
    results = await asyncio.gather(
        *(api.add_investment_payload(portfolio["id"]) for _ in range(10)),
        mutate(api, CLOSE, "closePortfolio", {"id": portfolio["id"]}),
    )
    added = [r for r in results[:10] if r["investment"]]
    refused = {e["code"] for r in results[:10] for e in r["userErrors"]}
    assert refused <= {"PORTFOLIO_CLOSED"}
    state = await api.state(portfolio["id"])
    # Whatever was accepted is there with its activity; nothing was recorded after the close.
    assert sorted(i["id"] for i in state["investments"]) == sorted(r["investment"]["id"] for r in added)
    assert len(state["activities"]["edges"]) == len(added)
    assert state["status"] == "CLOSED"


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


# --- the lot race -----------------------------------------------------------------------------


async def test_thirty_concurrent_purchases_lose_nothing(api, customer):
    portfolio = await api.create_portfolio(customer)
    results = await asyncio.gather(
        *(api.add_investment(portfolio["id"], quantity=str(n + 1)) for n in range(30))
    )
    assert len({r["id"] for r in results}) == 30
    kinds = await api.kinds(portfolio["id"])  # a BUY, its audit entry and its ref each
    assert (kinds["ACTIVITY"], kinds["AUDIT"], kinds["REF"]) == (30, 30, 30)
    state = await api.state(portfolio["id"])
    assert sorted(i["id"] for i in state["investments"]) == sorted(r["id"] for r in results)
    assert state["positions"][0]["quantity"] == "465"  # 1 + 2 + ... + 30
    assert len(state["activities"]["edges"]) == 30


# --- the activity ledger ----------------------------------------------------------------------


async def test_activities_page_newest_first_with_opaque_cursors(api, customer):
    portfolio = await api.create_portfolio(customer)
    for n in range(5):
        await api.add_investment(portfolio["id"], quantity=str(n + 1))
    seen, after, pages = [], None, 0
    while True:
        data = await api.data(ACTIVITIES, {"id": portfolio["id"], "first": 2, "after": after})
        connection = data["portfolio"]["activities"]
        pages += 1
        seen.extend(e["node"]["quantity"] for e in connection["edges"])
        info = connection["pageInfo"]
        assert info["hasPreviousPage"] is (after is not None)
        assert info["endCursor"] == connection["edges"][-1]["cursor"]
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    assert pages == 3 and seen == ["5", "4", "3", "2", "1"]  # newest first, nothing twice


@pytest.mark.parametrize(
    ("first", "after"),
    [(2, "garbage"), (2, encode_cursor("01HZX3Q4W5E6R7T8Y9Z0PQRSTV") + "x"), (0, None), (101, None)],
)
async def test_bad_paging_arguments_are_bad_user_input(api, customer, first, after):
    portfolio = await api.create_portfolio(customer)
    body = await api.gql(ACTIVITIES, {"id": portfolio["id"], "first": first, "after": after})
    assert body["data"] == {"portfolio": None}  # activities is non-null: the error nulls its parent
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["path"] == ["portfolio", "activities"]


async def test_activities_of_many_portfolios_are_one_query_each_in_one_batch(api, customer):
    ids = [(await api.create_portfolio(customer))["id"] for _ in range(3)]
    for pid in ids:
        await api.add_investment(pid)
    query = """
    query($representations: [_Any!]!) {
      _entities(representations: $representations) {
        ... on Portfolio { id activities(first: 5) { edges { node { type } } } }
      }
    }"""
    api.runtime.counter.reset()
    data = await api.data(query, {"representations": [{"__typename": "Portfolio", "id": i} for i in ids]})
    assert api.calls == {"BatchGetItem": 1, "Query": 3}
    assert [e["activities"]["edges"] for e in data["_entities"]] == [[{"node": {"type": "BUY"}}]] * 3


async def test_the_book_stays_one_query_per_customer_with_sales(api):
    customer = await api.register_customer()
    ids = [(await api.create_portfolio(customer, name=f"P{n}"))["id"] for n in range(3)]
    for pid in ids:
        await api.add_investment(pid, quantity="10")
        await api.sell(pid, quantity="4")  # 4 * (200 - 150.25) = 199.00
    query = """
    query($representations: [_Any!]!) {
      _entities(representations: $representations) {
        ... on Customer {
          portfolios {
            realizedGain { amount }
            positions { quantity realizedGain { amount } lots { remainingQuantity } }
            holdings { symbol quantity costBasis }
          }
        }
      }
    }"""
    api.runtime.counter.reset()
    data = await api.data(query, {"representations": [{"__typename": "Customer", "id": customer}]})
    assert api.calls == {"Query": 1}
    portfolios = data["_entities"][0]["portfolios"]
    assert len(portfolios) == 3
    for portfolio in portfolios:
        assert portfolio["realizedGain"] == {"amount": "199.00"}
        assert portfolio["positions"] == [
            {"quantity": "6", "realizedGain": {"amount": "199.00"}, "lots": [{"remainingQuantity": "6"}]}
        ]
        # 6 of the lot's 10 shares: 1502.50 * 6 / 10 = 901.50
        assert portfolio["holdings"] == [{"symbol": "AAPL", "quantity": "6", "costBasis": "901.50"}]
