"""Issue 7 end to end: no valid token, no GraphQL, at the router and at every subgraph.

Each bad token of the matrix is refused with HTTP 401 and extensions.code UNAUTHENTICATED, by each
of the three subgraphs when called directly (a query and `_entities`) and by the router, with no
data in the answer and nothing written. A valid token of the stack's dev issuer gets through the
same requests; health and readiness stay open without one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from devstack.client import operation
from devstack.dev_issuer import DevIssuer
from devstack.stack import Stack
from ulid import ULID

pytestmark = pytest.mark.e2e

SUBGRAPHS = ("customers", "portfolios", "assets")
ENTITIES = "query($representations: [_Any!]!) { _entities(representations: $representations) { __typename } }"
# Per subgraph: a query of its own and a representation of an entity it resolves.
REQUESTS: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    "customers": (
        "query { customers(first: 1) { edges { node { id } } } }",
        {},
        {"__typename": "Customer", "id": "01J00000000000000000000000"},
    ),
    "portfolios": (
        "query($id: ID!) { portfolio(id: $id) { id name } }",
        {"id": "01J00000000000000000000000"},
        {"__typename": "Portfolio", "id": "01J00000000000000000000000"},
    ),
    "assets": (
        'query { instrument(symbol: "AAPL") { symbol } }',
        {},
        {"__typename": "Instrument", "symbol": "AAPL"},
    ),
}

# Every way a token can be wrong; None: no Authorization header at all.
BAD_TOKENS = (
    "no token",
    "garbage",
    "not bearer",
    "expired",
    "wrong issuer",
    "wrong audience",
    "forged key",
    "unknown kid",
    "alg none",
    "HS256 with the public key",
    "no sub",
    "no exp",
)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hand_signed(header: dict[str, Any], claims: dict[str, Any], sign: Any) -> str:
    """A compact JWS put together by hand, for algorithms no library would sign with."""
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
    return f"{signing_input}.{sign(signing_input.encode())}"


def bad_authorizations(issuer: DevIssuer) -> dict[str, str | None]:
    """The Authorization header of each case of BAD_TOKENS: an admin's claims, wrong in one way."""
    kid, key = issuer.keys.signing_key()
    now = int(time.time())

    def claims(**changes: Any) -> dict[str, Any]:
        base = {
            "iss": issuer.issuer,
            "aud": issuer.audience,
            "sub": "e2e-access-intruder",
            "roles": ["admin"],
            "iat": now,
            "exp": now + 600,
            **changes,
        }
        return {name: value for name, value in base.items() if value is not None}

    def es256(payload: dict[str, Any], signer: ec.EllipticCurvePrivateKey = key, key_id: str = kid) -> str:
        return jwt.encode(payload, signer, algorithm="ES256", headers={"kid": key_id})

    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    tokens = {
        "garbage": "garbage",
        # beyond the 30 s leeway
        "expired": es256(claims(iat=now - 900, exp=now - 300)),
        "wrong issuer": es256(claims(iss="https://issuer.example.com")),
        "wrong audience": es256(claims(aud="someone-else")),
        # a fresh key under the published kid: the signature cannot match
        "forged key": es256(claims(), signer=ec.generate_private_key(ec.SECP256R1())),
        "unknown kid": es256(claims(), key_id=str(ULID())),
        "alg none": hand_signed({"alg": "none", "typ": "JWT", "kid": kid}, claims(), lambda _: ""),
        # key confusion: the public key (which anyone can fetch) used as an HMAC secret
        "HS256 with the public key": hand_signed(
            {"alg": "HS256", "typ": "JWT", "kid": kid},
            claims(),
            lambda data: b64url(hmac.new(public_pem, data, hashlib.sha256).digest()),
        ),
        "no sub": es256(claims(sub=None)),
        "no exp": es256(claims(exp=None)),
    }
    headers: dict[str, str | None] = {name: f"Bearer {token}" for name, token in tokens.items()}
    headers["no token"] = None
    headers["not bearer"] = f"Basic {issuer.admin()}"  # a valid token, under the wrong scheme
    assert set(headers) == set(BAD_TOKENS)
    return headers


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30.0) as client:
        yield client


@pytest.fixture(scope="module")
def bad(stack: Stack) -> dict[str, str | None]:
    return bad_authorizations(stack.issuer)


@pytest.fixture(scope="module")
def roleless(stack: Stack) -> str:
    """Valid in every way, but with no role this API knows."""
    return f"Bearer {stack.issuer.token('e2e-access-nobody', ['auditor'])}"


def post(
    http: httpx.Client, url: str, document: str, variables: dict[str, Any], authorization: str | None
) -> httpx.Response:
    headers = {"Authorization": authorization} if authorization is not None else {}
    return http.post(url, json={"query": document, "variables": variables}, headers=headers)


def assert_unauthenticated(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    body = response.json()
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert isinstance(error["message"], str) and error["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def subgraph_requests(subgraph: str) -> dict[str, tuple[str, dict[str, Any]]]:
    query, variables, representation = REQUESTS[subgraph]
    return {"query": (query, variables), "_entities": (ENTITIES, {"representations": [representation]})}


# -- straight to each subgraph -----------------------------------------------------------------------


@pytest.mark.parametrize("subgraph", SUBGRAPHS)
def test_every_subgraph_answers_a_valid_token(stack: Stack, http: httpx.Client, subgraph: str) -> None:
    url, operator = stack.config.url(subgraph, "/graphql"), f"Bearer {stack.issuer.operator()}"
    for document, variables in subgraph_requests(subgraph).values():
        response = post(http, url, document, variables, operator)
        assert response.status_code == 200, response.text
        assert "errors" not in response.json()


@pytest.mark.parametrize("case", BAD_TOKENS)
@pytest.mark.parametrize("subgraph", SUBGRAPHS)
def test_every_subgraph_refuses_a_bad_token_for_queries_and_entities(
    stack: Stack, http: httpx.Client, bad: dict[str, str | None], subgraph: str, case: str
) -> None:
    url = stack.config.url(subgraph, "/graphql")
    for document, variables in subgraph_requests(subgraph).values():
        assert_unauthenticated(post(http, url, document, variables, bad[case]))


@pytest.mark.parametrize("subgraph", SUBGRAPHS)
def test_a_valid_token_without_a_known_role_is_forbidden_at_every_subgraph(
    stack: Stack, http: httpx.Client, roleless: str, subgraph: str
) -> None:
    for document, variables in subgraph_requests(subgraph).values():
        response = post(http, stack.config.url(subgraph, "/graphql"), document, variables, roleless)
        assert response.status_code == 403, response.text
        assert response.json() == {
            "errors": [
                {"message": "The token carries no role this API knows.", "extensions": {"code": "FORBIDDEN"}}
            ]
        }


def test_the_clock_skew_leeway_is_the_same_at_the_router_and_every_subgraph(
    stack: Stack, http: httpx.Client
) -> None:
    """A token that expired 10 s ago is still inside the 30 s leeway everywhere."""
    kid, key = stack.issuer.keys.signing_key()
    now = int(time.time())
    claims = {
        "iss": stack.issuer.issuer,
        "aud": stack.issuer.audience,
        "sub": "e2e-access-late",
        "roles": ["operator"],
        "iat": now - 600,
        "exp": now - 10,
    }
    late = f"Bearer {jwt.encode(claims, key, algorithm='ES256', headers={'kid': kid})}"
    for subgraph in SUBGRAPHS:
        query, variables, _ = REQUESTS[subgraph]
        response = post(http, stack.config.url(subgraph, "/graphql"), query, variables, late)
        assert response.status_code == 200, (subgraph, response.text)
    response = post(
        http, stack.config.router_graphql_url, 'query { instrument(symbol: "AAPL") { symbol } }', {}, late
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"instrument": {"symbol": "AAPL"}}


@pytest.mark.parametrize(
    ("service", "path"),
    [("router", "/healthcheck"), ("router", "/readiness")]
    + [(subgraph, path) for subgraph in SUBGRAPHS for path in ("/health", "/ready")],
)
def test_health_and_readiness_stay_open_without_a_token(
    stack: Stack, http: httpx.Client, service: str, path: str
) -> None:
    assert http.get(stack.config.url(service, path)).status_code == 200
    # A bad token does not close them either: they never look at it.
    garbage = http.get(stack.config.url(service, path), headers={"Authorization": "Bearer garbage"})
    assert garbage.status_code == 200


# -- through the router ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def customer(stack: Stack, http: httpx.Client) -> dict[str, str]:
    """A customer registered by an admin of this module, to ask the router about."""
    admin = stack.issuer.token(f"e2e-access-tokens-admin-{ULID()}", ["admin"])
    variables = {"input": {"email": f"tokens-{str(ULID()).lower()}@example.com", "name": f"Tess {ULID()}"}}
    response = post(
        http, stack.config.router_graphql_url, operation("RegisterCustomer"), variables, f"Bearer {admin}"
    )
    payload = response.json()["data"]["registerCustomer"]
    assert payload["userErrors"] == []
    return {"id": payload["customer"]["id"], "name": payload["customer"]["name"], "admin": admin}


@pytest.mark.parametrize("case", BAD_TOKENS)
def test_the_router_refuses_a_bad_token_with_401(
    stack: Stack, http: httpx.Client, bad: dict[str, str | None], customer: dict[str, str], case: str
) -> None:
    url = stack.config.router_graphql_url
    response = post(http, url, operation("Dashboard"), {"customerId": customer["id"]}, bad[case])
    assert_unauthenticated(response)
    assert customer["name"] not in response.text
    # A mutation is refused the same way, and writes nothing: the email is still free afterwards.
    email = f"intruder-{str(ULID()).lower()}@example.com"
    register = {"input": {"email": email, "name": "Intruder"}}
    assert_unauthenticated(post(http, url, operation("RegisterCustomer"), register, bad[case]))
    registered = post(http, url, operation("RegisterCustomer"), register, f"Bearer {customer['admin']}")
    assert registered.json()["data"]["registerCustomer"]["userErrors"] == []


def test_the_router_answers_the_same_requests_with_a_valid_token(
    stack: Stack, http: httpx.Client, customer: dict[str, str]
) -> None:
    response = post(
        http,
        stack.config.router_graphql_url,
        operation("Dashboard"),
        {"customerId": customer["id"]},
        f"Bearer {stack.issuer.customer(customer['id'])}",
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["customer"]["name"] == customer["name"]


def test_the_router_passes_on_the_refusal_of_a_token_without_a_known_role(
    stack: Stack, http: httpx.Client, roleless: str, customer: dict[str, str]
) -> None:
    response = post(
        http,
        stack.config.router_graphql_url,
        operation("Dashboard"),
        {"customerId": customer["id"]},
        roleless,
    )
    body = response.json()
    assert body.get("data") is None
    assert [error["extensions"]["code"] for error in body["errors"]] == ["FORBIDDEN"]
    assert customer["name"] not in response.text
