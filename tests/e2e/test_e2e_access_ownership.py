"""Issue 7 end to end, as users see it: who reads and changes what through the router, on the session
stack's access world (access_world.py); straight to each subgraph: test_e2e_access_entities.py.

A customer reads and changes only its own data (staff: test_e2e_access_staff.py). Someone else's
object is null with a FORBIDDEN error and nothing of it in the response; a refused change writes
nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from devstack.client import GraphQLClient, operation
from ulid import ULID

from .access_world import (
    GROWTH,
    PORTFOLIO,
    SNAPSHOT,
    D,
    World,
    by_id,
    check_a_abroad,
    check_a_growth,
    refused,
    usd,
)

pytestmark = pytest.mark.e2e

# -- self-registration -------------------------------------------------------------------------------


def test_a_customer_registers_itself_once_under_its_token_subject(world: World) -> None:
    assert world.a_registration["customer"]["id"] == world.a_id
    assert world.a_registration["customer"]["email"] == world.a_email
    again = world.router.run(
        "RegisterCustomer",
        {"input": {"email": f"second-{ULID()}@example.com".lower(), "name": "Again"}},
        token=world.a_token,
    )["registerCustomer"]
    assert again["customer"] is None
    assert [(e["code"], e["message"]) for e in again["userErrors"]] == [
        ("ALREADY_REGISTERED", f"You are registered already, as customer {world.a_id}.")
    ]
    # Still the one customer, as registered.
    [edge] = world.router.run("Customers", {"first": 100}, token=world.a_token)["customers"]["edges"]
    assert (edge["node"]["id"], edge["node"]["email"]) == (world.a_id, world.a_email)


# -- a customer through the router -------------------------------------------------------------------


def test_a_customer_sees_its_own_dashboard_with_every_number(world: World) -> None:
    customer = world.router.run("Dashboard", {"customerId": world.a_id}, token=world.a_token)["customer"]
    assert (customer["id"], customer["email"]) == (world.a_id, world.a_email)
    portfolios = by_id(customer)
    assert set(portfolios) == {world.a_usd, world.a_sgd}
    check_a_growth(portfolios[world.a_usd])
    check_a_abroad(portfolios[world.a_sgd])


def test_a_customer_gets_nothing_of_another_customers_dashboard(world: World) -> None:
    variables = {"customerId": world.b_id}
    response = world.router.query(operation("Dashboard"), variables, token=world.a_token)
    body = refused(response, ["customer"], world, variables)
    assert body["data"] == {"customer": None}
    assert body["errors"][0]["message"] == f"You may not see customer {world.b_id}."
    # The same answer for a customer that does not exist: no existence oracle.
    missing = str(ULID())
    response = world.router.query(operation("Dashboard"), {"customerId": missing}, token=world.a_token)
    assert response.status_code == 200, response.text
    other = response.json()
    assert other["data"] == {"customer": None}
    assert other["errors"][0]["message"] == f"You may not see customer {missing}."


def test_a_customer_cannot_read_another_customers_portfolio(world: World) -> None:
    variables = {"id": world.b_portfolio}
    body = refused(
        world.router.query(PORTFOLIO, variables, token=world.a_token), ["portfolio"], world, variables
    )
    assert body["data"] == {"portfolio": None}
    # Its own portfolio, the same way, in full.
    own = world.router.data(PORTFOLIO, {"id": world.a_usd}, token=world.a_token)["portfolio"]
    assert (own["name"], own["owner"], D(own["valuation"]["marketValue"]["amount"])) == (
        "A growth",
        {"id": world.a_id},
        D(3000),
    )


def test_a_customer_lists_only_itself(world: World) -> None:
    response = world.router.query(operation("Customers"), {"first": 100}, token=world.a_token)
    assert response.status_code == 200
    page = response.json()["data"]["customers"]
    assert [edge["node"]["id"] for edge in page["edges"]] == [world.a_id]
    assert page["pageInfo"]["hasNextPage"] is False
    assert [secret for secret in world.b_secrets() if secret in response.text] == []


# The investor-data mutations beyond the contract operations, as sent straight to their subgraph.
RENAME_PORTFOLIO = """mutation($input: RenamePortfolioInput!) {
  renamePortfolio(input: $input) { portfolio { id name } userErrors { code } } }"""
CLOSE_PORTFOLIO = """mutation($input: ClosePortfolioInput!) {
  closePortfolio(input: $input) { portfolio { id name } userErrors { code } } }"""
UPDATE_INVESTMENT = """mutation($input: UpdateInvestmentInput!) {
  updateInvestment(input: $input) { investment { id quantity } userErrors { code } } }"""
REMOVE_INVESTMENT = """mutation($input: RemoveInvestmentInput!) {
  removeInvestment(input: $input) { removedInvestmentId portfolio { id name } userErrors { code } } }"""
CLOSE_CUSTOMER = """mutation($input: CloseCustomerInput!) {
  closeCustomer(input: $input) { customer { id name email } userErrors { code } } }"""


def changes_to_b(world: World) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(owning subgraph, mutation field, document, variables): every change A could try on B's data."""
    lot = {
        "portfolioId": world.b_portfolio,
        "symbol": GROWTH,
        "quantity": "1000",
        "purchasePrice": usd("1"),
        "purchasedAt": "2024-05-01",
    }
    sale = {
        "portfolioId": world.b_portfolio,
        "symbol": GROWTH,
        "quantity": "7",
        "price": usd("1"),
        "soldAt": "2024-05-01",
    }
    new_portfolio = {"customerId": world.b_id, "name": "Mine now", "kind": "IRA", "baseCurrency": "USD"}
    return [
        ("portfolios", "addInvestment", operation("AddInvestment"), {"input": lot}),
        ("portfolios", "sellInvestment", operation("SellInvestment"), {"input": sale}),
        ("portfolios", "createPortfolio", operation("CreatePortfolio"), {"input": new_portfolio}),
        (
            "portfolios",
            "renamePortfolio",
            RENAME_PORTFOLIO,
            {"input": {"id": world.b_portfolio, "name": "Mine"}},
        ),
        ("portfolios", "closePortfolio", CLOSE_PORTFOLIO, {"input": {"id": world.b_portfolio}}),
        (
            "portfolios",
            "updateInvestment",
            UPDATE_INVESTMENT,
            {"input": {"id": world.b_lot, "quantity": "1"}},
        ),
        ("portfolios", "removeInvestment", REMOVE_INVESTMENT, {"input": {"id": world.b_lot}}),
        (
            "customers",
            "updateCustomer",
            operation("UpdateCustomer"),
            {"input": {"id": world.b_id, "expectedVersion": 1, "name": "Hacked"}},
        ),
        ("customers", "closeCustomer", CLOSE_CUSTOMER, {"input": {"id": world.b_id}}),
    ]


@pytest.mark.parametrize("route", ["router", "subgraph"])
def test_a_customer_changes_nothing_of_another_customer(world: World, route: str) -> None:
    snapshot = {"customerId": world.b_id, "portfolioId": world.b_portfolio}
    before = world.router.data(SNAPSHOT, snapshot, token=world.admin)
    assert [i["id"] for i in before["portfolio"]["investments"]] == [world.b_lot]
    for subgraph, field, document, variables in changes_to_b(world):
        api: GraphQLClient = world.router if route == "router" else world.subgraphs[subgraph]
        body = refused(api.query(document, variables, token=world.a_token), [field], world, variables)
        # No payload, so nothing of the target (the router leaves out a null `data`).
        assert body.get("data") is None, field
    assert world.router.data(SNAPSHOT, snapshot, token=world.admin) == before


def test_a_customer_cannot_set_manual_prices_or_fx_rates(world: World) -> None:
    price = {"input": {"symbol": GROWTH, "price": usd("1.00")}}
    body = refused(
        world.router.query(operation("SetManualPrice"), price, token=world.a_token),
        ["setManualPrice"],
        world,
        {},
    )
    assert body.get("data") is None
    fx = {"input": {"fromCurrency": "USD", "toCurrency": "SGD", "rate": "9"}}
    body = refused(
        world.router.query(operation("SetManualFxRate"), fx, token=world.a_token),
        ["setManualFxRate"],
        world,
        {},
    )
    assert body.get("data") is None

    quote = world.router.run("Instrument", {"symbol": GROWTH}, token=world.operator)["instrument"]["quote"]
    assert (quote["price"], quote["source"]) == (usd("120"), "manual")
    # Had 9 SGD per USD been stored, A abroad would be worth 10 x 120 x 9 = 10800 SGD.
    customer = world.router.run("Dashboard", {"customerId": world.a_id}, token=world.a_token)["customer"]
    check_a_abroad(by_id(customer)[world.a_sgd])
