"""Straight to the customers app, bypassing the router: without a valid token nothing of GraphQL
runs (HTTP 401), `_entities` and mutations included, and nothing is read or written."""

from __future__ import annotations

import pytest
from kit_testing import ISSUER, REFUSALS, bearer
from ulid import ULID

READ = "query($id: ID!) { customer(id: $id) { id email } }"
ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id email } } }"
REGISTER = """mutation($input: RegisterCustomerInput!) {
  registerCustomer(input: $input) { customer { id } userErrors { code } } }"""


@pytest.fixture
def api(module_api):
    return module_api


ADA = str(ULID())
OPERATIONS = {
    "customer": (READ, {"id": ADA}),
    "_entities": (ENTITIES, {"r": [{"__typename": "Customer", "id": ADA}]}),
    "registerCustomer": (REGISTER, {"input": {"email": "mallory@example.com", "name": "Mallory"}}),
}


async def post(api, operation: str, headers: dict[str, str]):
    query, variables = OPERATIONS[operation]
    # Without the client's default admin token: only `headers` authenticate this request.
    api.http.headers.pop("Authorization", None)
    try:
        return await api.http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    finally:
        api.http.headers.update(bearer(ISSUER.admin()))


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("case", REFUSALS)
async def test_the_subgraph_refuses_a_request_without_a_valid_token(api, case, operation):
    """Every case of the kit's matrix, refused with the verifier's reason (which names no key material)."""
    before = await api.items()
    api.runtime.counter.reset()
    authorization = ISSUER.hostile.cases()[case]  # built per test: expiry is relative to now
    response = await post(
        api, operation, {"Authorization": authorization} if authorization is not None else {}
    )
    calls = dict(api.runtime.counter.calls)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}
    assert error["message"] == REFUSALS[case]
    assert "data" not in response.json()
    assert calls == {}  # nothing of the schema ran: no read, no write
    assert await api.items() == before


async def test_a_valid_token_without_a_known_role_is_forbidden(api):
    response = await post(api, "customer", bearer(ISSUER.token(ADA, ["auditor"])))
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"] == {"code": "FORBIDDEN"}


@pytest.mark.parametrize("operation", OPERATIONS)
async def test_a_valid_token_gets_through(api, operation):
    """The positive twin: the same requests with a valid token are answered by GraphQL."""
    response = await post(api, operation, bearer(ISSUER.operator()))
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body, body
    assert list(body["data"]) == [operation]


async def test_health_and_readiness_stay_open(api):
    api.http.headers.pop("Authorization", None)
    try:
        health, ready = await api.http.get("/health"), await api.http.get("/ready")
    finally:
        api.http.headers.update(bearer(ISSUER.admin()))
    assert (health.status_code, ready.status_code) == (200, 200)
