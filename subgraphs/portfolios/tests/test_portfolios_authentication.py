"""Straight to the portfolios subgraph, bypassing the router (issue 7): no valid token, no GraphQL.

Every bad token gets HTTP 401 with extensions.code UNAUTHENTICATED before anything of the schema
runs (no DynamoDB call, nothing written), for queries, mutations and `_entities` alike.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from kit.testing import ISSUER, TestIssuer, bearer
from ulid import ULID

QUERY = "query($id: ID!) { portfolio(id: $id) { id name } }"
ENTITIES = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Portfolio { id name } }
}"""
MUTATION = """
mutation($input: CreatePortfolioInput!) { createPortfolio(input: $input) { portfolio { id } } }"""


def _segment(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def _claims(**overrides: object) -> dict:
    now = int(time.time())
    claims = {
        "iss": ISSUER.issuer,
        "aud": ISSUER.audience,
        "sub": "admin-1",
        "roles": ["admin"],
        "iat": now,
        "exp": now + 300,
    }
    return {**claims, **overrides}


def alg_none_token() -> str:
    """Unsigned: `alg: none`, the trusted kid, an empty signature."""
    header = {"alg": "none", "typ": "JWT", "kid": ISSUER.kid}
    return f"{_segment(header)}.{_segment(_claims())}."


def hs256_with_public_key_token() -> str:
    """Key confusion: HMAC-SHA256 keyed with the issuer's public key (PEM), as a verifier that
    took the algorithm from the token would check it."""
    public_pem = ISSUER.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = f"{_segment({'alg': 'HS256', 'typ': 'JWT', 'kid': ISSUER.kid})}.{_segment(_claims())}"
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


BAD_AUTHORIZATION = {
    "no header": None,
    "empty bearer": "Bearer ",
    "not bearer": f"Basic {base64.b64encode(b'admin:admin').decode()}",
    "garbage": "Bearer not-a-jwt",
    "expired": f"Bearer {ISSUER.admin(exp=int(time.time()) - 120)}",
    "wrong issuer": f"Bearer {ISSUER.admin(iss='https://elsewhere.test')}",
    "wrong audience": f"Bearer {ISSUER.admin(aud='another-api')}",
    "forged key": f"Bearer {TestIssuer().admin()}",  # same issuer, audience and kid; another key
    "alg none": f"Bearer {alg_none_token()}",
    "hs256 with the public key": f"Bearer {hs256_with_public_key_token()}",
    "no kid": f"Bearer {jwt.encode(_claims(), ISSUER.private_key, algorithm='ES256')}",
    "oversized": f"Bearer {'a' * 9000}",
}


@pytest.fixture(scope="module")
async def bare(api) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the same running app that sends no Authorization header of its own."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api.app), base_url="http://subgraph"
    ) as client:
        yield client


@pytest.mark.parametrize("case", list(BAD_AUTHORIZATION))
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
async def test_a_bad_token_gets_401_and_runs_nothing(api, bare, case, document, variables):
    authorization = BAD_AUTHORIZATION[case]
    headers = {"Authorization": authorization} if authorization is not None else {}
    api.runtime.counter.reset()
    response = await bare.post("/graphql", json={"query": document, "variables": variables}, headers=headers)
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}
    assert "data" not in response.json()
    assert api.calls == {}  # nothing of the schema ran: not even a read


async def test_the_ide_and_sdl_are_behind_the_token_too(api, bare):
    assert (await bare.get("/graphql")).status_code == 401
    response = await bare.post("/graphql", json={"query": "{ _service { sdl } }"})
    assert response.status_code == 401


async def test_a_token_without_a_known_role_gets_403(api, bare):
    token = ISSUER.token("someone", ["auditor"])
    response = await bare.post(
        "/graphql", json={"query": QUERY, "variables": {"id": "x"}}, headers=bearer(token)
    )
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_valid_token_of_each_role_gets_through(api, bare):
    customer_id = str(ULID())
    for token in (ISSUER.admin(), ISSUER.operator(), ISSUER.customer(customer_id)):
        response = await bare.post(
            "/graphql",
            json={
                "query": ENTITIES,
                "variables": {"representations": [{"__typename": "Customer", "id": customer_id}]},
            },
            headers=bearer(token),
        )
        assert response.status_code == 200
        assert response.json()["data"]["_entities"] == [{}]  # a Customer: no Portfolio fields asked


async def test_health_and_ready_stay_open(bare):
    assert (await bare.get("/health")).status_code == 200
    assert (await bare.get("/ready")).status_code == 200
