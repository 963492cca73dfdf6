"""The customer lifecycle through the router, on a stack of its own: the kept contract operations
UpdateCustomer and Customers, a stale-version CONFLICT, and a close."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from devstack.client import GraphQLClient, operation
from devstack.config import StackConfig
from devstack.stack import Stack

from .event_delivery import create_portfolio, wait_for_directory

pytestmark = pytest.mark.e2e


CLOSE = """
mutation($input: CloseCustomerInput!) {
  closeCustomer(input: $input) {
    customer { id email name status closedAt version }
    userErrors { field code }
  }
}"""


@pytest.fixture(scope="module")
def own_stack() -> Iterator[Stack]:
    # No demo data: the customer list then holds exactly the customers this module registers.
    with Stack(StackConfig.ephemeral(), echo=False, seed=False) as stack:
        yield stack


@pytest.fixture(scope="module")
def client(own_stack: Stack) -> Iterator[GraphQLClient]:
    with GraphQLClient(own_stack.config.router_graphql_url, token=own_stack.issuer.admin()) as client:
        yield client


@pytest.fixture(scope="module")
def customers(client: GraphQLClient) -> list[dict[str, Any]]:
    registered = []
    for i, (email, name) in enumerate(
        [
            ("Ada@Example.COM", "Ada"),
            ("bob@example.com", "Bob"),
            ("cy@example.com", "Cy"),
            ("di@example.com", "Di"),
        ]
    ):
        payload = client.run("RegisterCustomer", {"input": {"email": email, "name": name}})[
            "registerCustomer"
        ]
        assert payload["userErrors"] == [], (i, payload)
        registered.append(payload["customer"])
    return registered


def test_update_customer_changes_the_given_fields(
    client: GraphQLClient, customers: list[dict[str, Any]]
) -> None:
    ada = customers[0]
    assert (ada["email"], ada["version"]) == ("Ada@example.com", 1)
    payload = client.run(
        "UpdateCustomer",
        {
            "input": {
                "id": ada["id"],
                "expectedVersion": 1,
                "email": " Ada.Lovelace@EXAMPLE.com ",
                "phone": "+44 20 7946 0000",
            }
        },
    )["updateCustomer"]
    assert payload["userErrors"] == []
    assert payload["customer"] == {
        "id": ada["id"],
        "email": "Ada.Lovelace@example.com",
        "name": "Ada",  # left out: kept
        "phone": "+442079460000",
        "version": 2,
    }
    # Stale: version 1 again changes nothing.
    stale = client.run(
        "UpdateCustomer", {"input": {"id": ada["id"], "expectedVersion": 1, "name": "Someone Else"}}
    )["updateCustomer"]
    assert stale["customer"] is None
    assert [(e["field"], e["code"]) for e in stale["userErrors"]] == [
        (["input", "expectedVersion"], "CONFLICT")
    ]
    read = client.raw("query($id: ID!) { customer(id: $id) { name version } }", {"id": ada["id"]})
    assert read["data"]["customer"] == {"name": "Ada", "version": 2}


def test_update_to_a_taken_email_is_refused(client: GraphQLClient, customers: list[dict[str, Any]]) -> None:
    bob = customers[1]
    payload = client.run(
        "UpdateCustomer", {"input": {"id": bob["id"], "expectedVersion": 1, "email": "CY@example.com"}}
    )["updateCustomer"]
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["input", "email"], "EMAIL_TAKEN")]


def test_customers_pages_through_everyone_in_creation_order(
    client: GraphQLClient, customers: list[dict[str, Any]]
) -> None:
    first = client.run("Customers", {"first": 3})["customers"]
    assert [e["node"]["id"] for e in first["edges"]] == [c["id"] for c in customers[:3]]
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["pageInfo"]["endCursor"] == first["edges"][-1]["cursor"]
    rest = client.run("Customers", {"first": 3, "after": first["pageInfo"]["endCursor"]})["customers"]
    assert [e["node"] for e in rest["edges"]] == [
        {"id": customers[3]["id"], "name": "Di", "email": "di@example.com"}
    ]
    assert rest["pageInfo"]["hasNextPage"] is False


def test_a_bad_cursor_is_bad_user_input_through_the_router(
    client: GraphQLClient, customers: list[dict[str, Any]]
) -> None:
    body = client.raw(operation("Customers"), {"first": 3, "after": "garbage"})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body


def test_a_closed_customer_keeps_its_data_and_refuses_updates(
    client: GraphQLClient, customers: list[dict[str, Any]]
) -> None:
    di = customers[3]
    closed = client.raw(CLOSE, {"input": {"id": di["id"]}})["data"]["closeCustomer"]
    assert closed["userErrors"] == []
    assert {k: closed["customer"][k] for k in ("email", "name", "status", "version")} == {
        "email": "di@example.com",
        "name": "Di",
        "status": "CLOSED",
        "version": 2,
    }
    again = client.raw(CLOSE, {"input": {"id": di["id"]}})["data"]["closeCustomer"]
    assert again["userErrors"] == [{"field": ["input", "id"], "code": "CUSTOMER_CLOSED"}]
    update = client.run("UpdateCustomer", {"input": {"id": di["id"], "expectedVersion": 2, "name": "Late"}})
    assert [e["code"] for e in update["updateCustomer"]["userErrors"]] == ["CUSTOMER_CLOSED"]


def test_a_closed_customer_gets_no_new_portfolio_or_lot(
    own_stack: Stack, client: GraphQLClient, customers: list[dict[str, Any]]
) -> None:
    """closeCustomer reaches portfolios as a CustomerClosed event (customers' table stream, the relay,
    portfolios' queue): across services, through the router, a moment after the close commits."""
    cy = customers[2]
    opened = create_portfolio(
        client, {"customerId": cy["id"], "name": "Before", "kind": "IRA", "baseCurrency": "USD"}
    )
    assert opened["userErrors"] == []
    closed = client.raw(CLOSE, {"input": {"id": cy["id"]}})["data"]["closeCustomer"]
    assert closed["userErrors"] == []
    # The directory entry reflects the close: its sequence is the closed customer's version.
    entry = wait_for_directory(own_stack.config, cy["id"], closed=True)
    assert entry["sequence"] == closed["customer"]["version"] == 2

    refused = client.run(
        "CreatePortfolio",
        {"input": {"customerId": cy["id"], "name": "After", "kind": "IRA", "baseCurrency": "USD"}},
    )["createPortfolio"]
    assert refused["portfolio"] is None
    assert [e["code"] for e in refused["userErrors"]] == ["CUSTOMER_CLOSED"]
    lot = {
        "portfolioId": opened["portfolio"]["id"],
        "symbol": "AAPL",
        "quantity": "1",
        "purchasePrice": {"amount": "100", "currencyCode": "USD"},
        "purchasedAt": "2024-01-02",
    }
    no_lot = client.run("AddInvestment", {"input": lot})["addInvestment"]
    assert no_lot["investment"] is None
    assert [e["code"] for e in no_lot["userErrors"]] == ["CUSTOMER_CLOSED"]
