"""Called directly (not through the router), the customers subgraph bounds what one request makes it
resolve (kit.graphql.cost): a page is counted at the size asked for, before any read."""

from __future__ import annotations

from kit.graphql.cost import COST_CODE
from kit.graphql.schema import MAX_COST

LIST = """
query($first: Int!) {
  customers(first: $first) { edges { node { id name } } pageInfo { hasNextPage } }
}"""


async def test_a_page_above_the_bound_is_refused_before_any_read(module_api) -> None:
    module_api.runtime.counter.reset()
    body = await module_api.graphql(LIST, {"first": 100_000})
    assert body.get("data") is None, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == COST_CODE
    # customers 1 + pageInfo 1 + 100,000 x (edge 1 + node 1)
    assert error["extensions"]["cost"] == {"estimated": 2 + 100_000 * 2, "max": MAX_COST}
    assert dict(module_api.runtime.counter.calls) == {}


async def test_the_largest_page_and_many_customer_references_run(module_api) -> None:
    customers = [await module_api.register(email=f"c{n}@example.com", name=f"C {n}") for n in range(3)]
    body = await module_api.graphql(LIST, {"first": 100})
    assert "errors" not in body, body
    representations = [{"__typename": "Customer", "id": c["id"]} for c in customers] * 100
    document = """
    query($representations: [_Any!]!) {
      _entities(representations: $representations) { ... on Customer { id name email } }
    }"""
    body = await module_api.graphql(document, {"representations": representations})
    assert "errors" not in body, body
    assert len(body["data"]["_entities"]) == 300
