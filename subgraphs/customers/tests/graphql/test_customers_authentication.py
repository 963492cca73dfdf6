"""Straight to the customers app, bypassing the router: without a valid token nothing of GraphQL
runs (HTTP 401), `_entities` and mutations included, and nothing is read or written."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from kit.testing import ISSUER, TestIssuer, bearer
from ulid import ULID

READ = "query($id: ID!) { customer(id: $id) { id email } }"
ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id email } } }"
REGISTER = """mutation($input: RegisterCustomerInput!) {
  registerCustomer(input: $input) { customer { id } userErrors { code } } }"""


@pytest.fixture
def api(module_api):
    return module_api


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def claims() -> dict:
    """The claims of a valid admin token (read, not verified)."""
    return jwt.decode(ISSUER.admin(), options={"verify_signature": False})


def hand_made(header: dict, sign: Callable[[bytes], bytes]) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims()).encode())}"
    return f"{signing_input}.{b64(sign(signing_input.encode()))}"


def alg_none() -> str:
    return hand_made({"alg": "none", "typ": "JWT", "kid": ISSUER.kid}, lambda _: b"")


def hs256_with_the_public_key() -> str:
    """Key confusion: HMAC keyed with the issuer's public key, which anyone can fetch."""
    public_pem = ISSUER.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hand_made(
        {"alg": "HS256", "typ": "JWT", "kid": ISSUER.kid},
        lambda data: hmac.new(public_pem, data, hashlib.sha256).digest(),
    )


def rs256_under_the_es256_kid() -> str:
    """A well-signed RS256 token that names the issuer's (EC) key: the algorithm must match it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims(), key, algorithm="RS256", headers={"kid": ISSUER.kid})


ADA = str(ULID())
NO_TOKEN = "A bearer token is required."
# case -> (the request's headers, why it is refused: the verifier's reason, which names no key material)
REFUSED: dict[str, tuple[Callable[[], dict[str, str]], str]] = {
    "no token": (lambda: {}, NO_TOKEN),
    "basic scheme": (lambda: {"Authorization": "Basic YWRtaW46YWRtaW4="}, NO_TOKEN),
    "empty bearer": (lambda: {"Authorization": "Bearer "}, NO_TOKEN),
    "garbage": (lambda: bearer("not.a.token"), "malformed"),
    "expired": (lambda: bearer(ISSUER.customer(ADA, ttl=-120)), "expired"),  # past the 30 s leeway
    "wrong issuer": (lambda: bearer(ISSUER.token(ADA, ["customer"], iss="https://evil.test")), "issuer"),
    "wrong audience": (lambda: bearer(ISSUER.token(ADA, ["customer"], aud="another-api")), "not meant"),
    "no subject": (lambda: bearer(ISSUER.token("", ["admin"])), "no subject"),
    # Same issuer, audience and kid; another key.
    "forged key": (lambda: bearer(TestIssuer().admin()), "signature is not valid"),
    "alg none": (lambda: bearer(alg_none()), "algorithm is not accepted"),
    "hs256 keyed with the public key": (
        lambda: bearer(hs256_with_the_public_key()),
        "algorithm is not accepted",
    ),
    "rs256 under the es256 key": (lambda: bearer(rs256_under_the_es256_kid()), "does not match its key"),
    "oversized": (lambda: bearer(ISSUER.admin(padding="x" * 9000)), "too large"),
}
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
@pytest.mark.parametrize("case", REFUSED)
async def test_the_subgraph_refuses_a_request_without_a_valid_token(api, case, operation):
    before = await api.items()
    api.runtime.counter.reset()
    headers, reason = REFUSED[case]
    response = await post(api, operation, headers())
    calls = dict(api.runtime.counter.calls)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}
    assert reason in error["message"]
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
