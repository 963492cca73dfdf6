"""Closed customers, renaming and closing portfolios, and the lot race: through GraphQL (in-process
ASGI), against DynamoDB Local.

Every rejected mutation must answer userErrors and leave the table exactly as it was.
"""

import asyncio
from datetime import UTC, datetime

from kit.aws.dynamo import from_item, to_item
from ulid import ULID

from .lifecycle_operations import (
    CLOSE,
    REMOVE,
    RENAME,
    UPDATE,
    codes,
    mutate,
    rejected,
    usd,
)


async def event_types(api, portfolio_id: str) -> list[tuple[str, int]]:
    """(type, sequence) of the portfolio's event items, by sequence."""
    response = await api.runtime.dynamodb.scan(
        TableName=api.runtime.settings.table_name,
        ConsistentRead=True,
        FilterExpression="kind = :event AND aggregateId = :portfolio",
        ExpressionAttributeValues=to_item({":event": "event", ":portfolio": portfolio_id}),
    )
    found = [from_item(item) for item in response["Items"]]
    return sorted((item["type"], int(item["sequence"])) for item in found)


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
    assert await api.count_items() == before + 1  # the PortfolioRenamed event item, nothing else
    assert (await api.state(portfolio["id"]))["name"] == "Rainy day"
    assert await event_types(api, portfolio["id"]) == [("PortfolioOpened", 1), ("PortfolioRenamed", 2)]

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
    assert await api.count_items() == before + 1  # the rejected renames wrote no event


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
