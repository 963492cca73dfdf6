"""Issue 7 end to end, staff through the router, on the session stack's access world (access_world.py):
operators read everyone and manage prices but change no investor data; admins do everything."""

from __future__ import annotations

import pytest
from devstack.client import operation

from .access_world import (
    ADMIN_PRICED,
    GROWTH,
    OPERATOR_PRICED,
    SNAPSHOT,
    D,
    World,
    by_id,
    check_a_abroad,
    check_a_growth,
    check_b_nest_egg,
    usd,
)

pytestmark = pytest.mark.e2e


# -- operators and admins through the router -----------------------------------------------------------


def everyone(world: World, token: str) -> set[str]:
    """Every customer id in `customers`, page after page (the session stack has others too)."""
    ids: set[str] = set()
    after = None
    while True:
        page = world.router.run("Customers", {"first": 100, "after": after}, token=token)["customers"]
        ids |= {edge["node"]["id"] for edge in page["edges"]}
        if not page["pageInfo"]["hasNextPage"]:
            return ids
        after = page["pageInfo"]["endCursor"]


def test_an_operator_reads_everyone_and_sets_prices_but_changes_no_portfolio(world: World) -> None:
    assert {world.a_id, world.b_id} <= everyone(world, world.operator)
    a = world.router.run("Dashboard", {"customerId": world.a_id}, token=world.operator)["customer"]
    check_a_growth(by_id(a)[world.a_usd])
    check_a_abroad(by_id(a)[world.a_sgd])
    b = world.router.run("Dashboard", {"customerId": world.b_id}, token=world.operator)["customer"]
    assert (b["name"], b["email"]) == (world.b_name, world.b_email)
    check_b_nest_egg(by_id(b)[world.b_portfolio], world)

    priced = world.router.mutate(
        "SetManualPrice",
        {"input": {"symbol": OPERATOR_PRICED, "price": usd("33.30"), "previousClose": usd("30.00")}},
        token=world.operator,
    )
    assert priced["instrument"]["quote"]["price"] == usd("33.3")  # a unit price, trailing zeros trimmed
    assert priced["instrument"]["quote"]["source"] == "manual"
    rated = world.router.mutate(
        "SetManualFxRate",
        {"input": {"fromCurrency": "GBP", "toCurrency": "NOK", "rate": "13.5"}},
        token=world.operator,
    )
    assert (rated["fxRate"]["rate"], rated["fxRate"]["source"]) == ("13.5", "manual")

    snapshot = {"customerId": world.a_id, "portfolioId": world.a_usd}
    before = world.router.data(SNAPSHOT, snapshot, token=world.admin)
    lot = {
        "input": {
            "portfolioId": world.a_usd,
            "symbol": GROWTH,
            "quantity": "1",
            "purchasePrice": usd("1"),
            "purchasedAt": "2024-05-01",
        }
    }
    response = world.router.query(operation("AddInvestment"), lot, token=world.operator)
    assert response.json().get("data") is None
    assert [(e["path"], e["extensions"]["code"]) for e in response.json()["errors"]] == [
        (["addInvestment"], "FORBIDDEN")
    ]
    change = {"input": {"id": world.a_id, "expectedVersion": 1, "phone": "+14155550123"}}
    response = world.router.query(operation("UpdateCustomer"), change, token=world.operator)
    assert response.json().get("data") is None
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["FORBIDDEN"]
    assert world.router.data(SNAPSHOT, snapshot, token=world.admin) == before


def test_an_admin_does_everything(world: World) -> None:
    a = world.router.run("Dashboard", {"customerId": world.a_id}, token=world.admin)["customer"]
    check_a_growth(by_id(a)[world.a_usd])
    b = world.router.run("Dashboard", {"customerId": world.b_id}, token=world.admin)["customer"]
    check_b_nest_egg(by_id(b)[world.b_portfolio], world)
    assert {world.a_id, world.b_id} <= everyone(world, world.admin)

    # Changes B's data: a new portfolio, a lot, a sale, a phone number; and a price of its own.
    priced = world.router.mutate(
        "SetManualPrice", {"input": {"symbol": ADMIN_PRICED, "price": usd("50")}}, token=world.admin
    )
    assert priced["instrument"]["quote"]["price"] == usd("50")
    created = world.router.mutate(
        "CreatePortfolio",
        {
            "input": {
                "customerId": world.b_id,
                "name": "Opened by an admin",
                "kind": "IRA",
                "baseCurrency": "USD",
            }
        },
        token=world.admin,
    )
    portfolio_id = created["portfolio"]["id"]
    world.router.mutate(
        "AddInvestment",
        {
            "input": {
                "portfolioId": portfolio_id,
                "symbol": ADMIN_PRICED,
                "quantity": "4",
                "purchasePrice": usd("40"),
                "purchasedAt": "2024-01-02",
            }
        },
        token=world.admin,
    )
    sold = world.router.mutate(
        "SellInvestment",
        {
            "input": {
                "portfolioId": portfolio_id,
                "symbol": ADMIN_PRICED,
                "quantity": "1",
                "price": usd("55"),
                "soldAt": "2024-02-02",
            }
        },
        token=world.admin,
    )
    assert sold["realizedGain"] == usd("15.00")  # 1 x 55 - 1 x 40, to the cent (decision 6)
    version = world.router.data(
        SNAPSHOT, {"customerId": world.b_id, "portfolioId": portfolio_id}, token=world.admin
    )["customer"]["version"]
    updated = world.router.mutate(
        "UpdateCustomer",
        {"input": {"id": world.b_id, "expectedVersion": version, "phone": "+14155550123"}},
        token=world.admin,
    )
    assert (updated["customer"]["phone"], updated["customer"]["version"]) == ("+14155550123", version + 1)

    b = world.router.run("Dashboard", {"customerId": world.b_id}, token=world.admin)["customer"]
    opened = by_id(b)[portfolio_id]
    # 3 left of 4 @ 40 = 120, at 50: 150.
    assert D(opened["valuation"]["marketValue"]["amount"]) == D(150)
    assert D(opened["valuation"]["costBasis"]["amount"]) == D(120)
    check_b_nest_egg(by_id(b)[world.b_portfolio], world)
