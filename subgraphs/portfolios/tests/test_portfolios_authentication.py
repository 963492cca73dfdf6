"""Straight to the portfolios subgraph, bypassing the router (issue 7): no valid token, no GraphQL.

Every bad token gets HTTP 401 with extensions.code UNAUTHENTICATED before anything of the schema
runs (no DynamoDB call, nothing written), for queries, mutations and `_entities` alike.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from kit_testing import ISSUER, REFUSALS, bearer
from ulid import ULID

QUERY = "query($id: ID!) { portfolio(id: $id) { id name } }"
ENTITIES = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Portfolio { id name } }
}"""
MUTATION = """
mutation($input: CreatePortfolioInput!) { createPortfolio(input: $input) { portfolio { id } } }"""


async def send(
    api, method: str, path: str, authorization: str | None = None, json: Any = None
) -> httpx.Response:
    """A request through the one test client (`kit_testing.running_app`) with `authorization` in
    place of its admin token; None: no Authorization header at all."""
    request = api.http.build_request(method, path, json=json)
    if authorization is None:
        del request.headers["Authorization"]
    else:
        request.headers["Authorization"] = authorization
    return await api.http.send(request)


@pytest.mark.parametrize("case", REFUSALS)
@pytest.mark.parametrize(
    ("document", "variables"),
    [
        (QUERY, {"id": "01J00000000000000000000000"}),
        (ENTITIES, {"representations": [{"__typename": "Portfolio", "id": "01J00000000000000000000000"}]}),
        (
            MUTATION,
            {
                "input": {
                    "customerId": "01J00000000000000000000000",
                    "name": "x",
                    "kind": "IRA",
                    "baseCurrency": "USD",
                }
            },
        ),
    ],
    ids=["query", "_entities", "mutation"],
)
async def test_a_bad_token_gets_401_and_runs_nothing(api, case, document, variables):
    authorization = ISSUER.hostile.cases()[case]  # built per test: expiry is relative to now
    api.runtime.counter.reset()
    response = await send(api, "POST", "/graphql", authorization, {"query": document, "variables": variables})
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}
    assert "data" not in response.json()
    assert api.calls == {}  # nothing of the schema ran: not even a read


async def test_the_ide_and_sdl_are_behind_the_token_too(api):
    assert (await send(api, "GET", "/graphql")).status_code == 401
    response = await send(api, "POST", "/graphql", json={"query": "{ _service { sdl } }"})
    assert response.status_code == 401


async def test_a_token_without_a_known_role_gets_403(api):
    token = ISSUER.token("someone", ["auditor"])
    response = await send(
        api, "POST", "/graphql", bearer(token)["Authorization"], {"query": QUERY, "variables": {"id": "x"}}
    )
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_valid_token_of_each_role_gets_through(api):
    customer_id = str(ULID())
    for token in (ISSUER.admin(), ISSUER.operator(), ISSUER.customer(customer_id)):
        response = await send(
            api,
            "POST",
            "/graphql",
            bearer(token)["Authorization"],
            {
                "query": ENTITIES,
                "variables": {"representations": [{"__typename": "Customer", "id": customer_id}]},
            },
        )
        assert response.status_code == 200
        assert response.json()["data"]["_entities"] == [{}]  # a Customer: no Portfolio fields asked


async def test_health_and_ready_stay_open(api):
    assert (await send(api, "GET", "/health")).status_code == 200
    assert (await send(api, "GET", "/ready")).status_code == 200
