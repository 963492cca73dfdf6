"""Issue 7 end to end, straight to each subgraph with A's token, on the session stack's access world
(access_world.py): each subgraph resolves A's own entities and refuses B's, beside A's or alone, with
FORBIDDEN and nothing of B in the response.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from devstack.client import GraphQLClient

from .access_world import GROWTH, INCOME, D, World, refused

pytestmark = pytest.mark.e2e

# -- straight to each subgraph with A's token ----------------------------------------------------------

PORTFOLIO_ENTITIES = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Portfolio {
      id name baseCurrency positions { quantity } investments { id } holdings { symbol quantity }
    }
  }
}"""
INVESTMENT_ENTITIES = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Investment { id quantity purchasePrice { amount } portfolio { id name } }
  }
}"""
CUSTOMER_ENTITIES = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Customer { id name email phone version } }
}"""
CUSTOMER_PORTFOLIOS_ENTITIES = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Customer { id portfolios { id name investments { id } } }
  }
}"""
VALUATION_ENTITIES = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Portfolio { id valuation { marketValue { amount currencyCode } costBasis { amount } } }
  }
}"""


def holdings(world: World, owner: str) -> tuple[str, list[dict[str, str]]]:
    """The Portfolio representation's holdings, as the router would send them to assets."""
    if owner == "A":
        return world.a_usd, [
            {"symbol": GROWTH, "quantity": "15", "costBasis": "1500"},
            {"symbol": INCOME, "quantity": "20", "costBasis": "900"},
        ]
    return world.b_portfolio, [{"symbol": GROWTH, "quantity": "7", "costBasis": "700"}]


def representation(world: World, kind: str, owner: str) -> dict[str, Any]:
    a, b = owner == "A", owner == "B"
    assert a or b
    if kind == "portfolio":
        return {"__typename": "Portfolio", "id": world.a_usd if a else world.b_portfolio}
    if kind == "investment":
        return {"__typename": "Investment", "id": world.a_lot if a else world.b_lot}
    if kind in ("customer", "customer portfolios"):
        return {"__typename": "Customer", "id": world.a_id if a else world.b_id}
    portfolio_id, held = holdings(world, owner)
    return {
        "__typename": "Portfolio",
        "id": portfolio_id,
        "baseCurrency": "USD",
        "holdings": held,
        "owner": {"id": world.a_id if a else world.b_id},
    }


ENTITY_CASES = {
    # kind: (the subgraph that resolves it, the document)
    "portfolio": ("portfolios", PORTFOLIO_ENTITIES),
    "investment": ("portfolios", INVESTMENT_ENTITIES),
    "customer": ("customers", CUSTOMER_ENTITIES),
    "customer portfolios": ("portfolios", CUSTOMER_PORTFOLIOS_ENTITIES),
    "valuation": ("assets", VALUATION_ENTITIES),
}


def check_own_entity(world: World, kind: str, entity: dict[str, Any]) -> None:
    if kind == "portfolio":
        assert (entity["id"], entity["name"], entity["baseCurrency"]) == (world.a_usd, "A growth", "USD")
        assert sorted((h["symbol"], D(h["quantity"])) for h in entity["holdings"]) == [
            (GROWTH, D(15)),
            (INCOME, D(20)),
        ]
        assert len(entity["investments"]) == 3
    elif kind == "investment":
        assert (entity["id"], D(entity["quantity"]), D(entity["purchasePrice"]["amount"])) == (
            world.a_lot,
            D(10),
            D(90),
        )
        assert entity["portfolio"] == {"id": world.a_usd, "name": "A growth"}
    elif kind == "customer":
        assert (entity["id"], entity["email"]) == (world.a_id, world.a_email)
    elif kind == "customer portfolios":
        assert entity["id"] == world.a_id
        assert sorted(p["name"] for p in entity["portfolios"]) == ["A abroad", "A growth"]
    else:
        # 15 x 120 + 20 x 60 = 3000 on a cost of 1500 + 900 = 2400
        assert entity["id"] == world.a_usd
        assert entity["valuation"]["marketValue"]["currencyCode"] == "USD"
        assert D(entity["valuation"]["marketValue"]["amount"]) == D(3000)
        assert D(entity["valuation"]["costBasis"]["amount"]) == D(2400)


@pytest.mark.parametrize("kind", list(ENTITY_CASES))
def test_a_subgraph_resolves_a_customers_own_entities(world: World, kind: str) -> None:
    subgraph, document = ENTITY_CASES[kind]
    api: GraphQLClient = world.subgraphs[subgraph]
    data = api.data(document, {"representations": [representation(world, kind, "A")]}, token=world.a_token)
    [entity] = data["_entities"]
    check_own_entity(world, kind, entity)


@pytest.mark.parametrize("kind", list(ENTITY_CASES))
def test_a_subgraph_refuses_another_customers_entity_beside_its_own(world: World, kind: str) -> None:
    subgraph, document = ENTITY_CASES[kind]
    api: GraphQLClient = world.subgraphs[subgraph]
    variables = {"representations": [representation(world, kind, "B"), representation(world, kind, "A")]}
    body = refused(api.query(document, variables, token=world.a_token), ["_entities", 0], world, variables)
    other, own = body["data"]["_entities"]
    assert other is None
    check_own_entity(world, kind, own)
    if kind == "valuation":
        # B's holdings (sent by the caller) valued at 7 x 120 = 840: not in the response either.
        assert "840" not in json.dumps(body)


PORTFOLIO_QUERY = "query($id: ID!) { portfolio(id: $id) { id name owner { id } investments { id } } }"
CUSTOMER_QUERY = "query($id: ID!) { customer(id: $id) { id name email } }"


@pytest.mark.parametrize("field", ["portfolio", "customer"])
def test_a_subgraph_refuses_a_direct_query_for_another_customers_data(world: World, field: str) -> None:
    api, document, sent = (
        (world.subgraphs["portfolios"], PORTFOLIO_QUERY, {"id": world.b_portfolio})
        if field == "portfolio"
        else (world.subgraphs["customers"], CUSTOMER_QUERY, {"id": world.b_id})
    )
    body = refused(api.query(document, sent, token=world.a_token), [field], world, sent)
    assert body["data"] == {field: None}
    own = api.data(document, {"id": world.a_usd if field == "portfolio" else world.a_id}, token=world.a_token)
    assert own[field]["id"] == (world.a_usd if field == "portfolio" else world.a_id)
