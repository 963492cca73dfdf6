"""The router's JWT check: every refusal is HTTP 401 with extensions.code UNAUTHENTICATED, decided before
any subgraph is called; valid ES256 and RS256 tokens pass and are forwarded; probes stay open; and the
router does not start at all without its authentication settings."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.utils import base64url_decode, base64url_encode
from kit_testing import JwksServer, TestIssuer, compact_jws

from .gateway import INSTRUMENT_ID, Gateway
from .stub import StubSubgraph

QUERY = '{ instrument(symbol: "AAPL") { symbol name } }'


def unsigned(issuer: TestIssuer) -> str:
    """`alg: none`, with an empty signature, naming a key the issuer has."""
    return compact_jws({"alg": "none", "typ": "JWT", "kid": "es-key"}, issuer.claims(), lambda _: b"")


def hs256_with_public_key(issuer: TestIssuer) -> str:
    """Key confusion: HMAC keyed with the issuer's public RSA key, as a naive verifier would accept."""
    assert issuer.rsa_key is not None
    public_pem = issuer.rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return compact_jws(
        {"alg": "HS256", "typ": "JWT", "kid": "rs-key"},
        issuer.claims(),
        lambda data: hmac.new(public_pem, data, hashlib.sha256).digest(),
    )


def _swap_alg(token: str, alg: str) -> str:
    header, body, signature = token.split(".")
    decoded = json.loads(base64url_decode(header))
    return ".".join(
        [base64url_encode(json.dumps({**decoded, "alg": alg}).encode()).decode(), body, signature]
    )


def _forged(issuer: TestIssuer, kid: str, key: Any, algorithm: str) -> dict[str, str]:
    return {"Authorization": "Bearer " + issuer.sign(issuer.claims(), kid=kid, key=key, algorithm=algorithm)}


# Each case: how the Authorization header is made from the session's issuer.
REFUSED: dict[str, Callable[[TestIssuer], dict[str, str]]] = {
    "no token": lambda issuer: {},
    "garbage": lambda issuer: {"Authorization": "Bearer not-a-jwt"},
    "garbage in three parts": lambda issuer: {"Authorization": "Bearer aaa.bbb.ccc"},
    "not base64url": lambda issuer: {"Authorization": f"Bearer {issuer.token().replace('.', '=.', 1)}"},
    "bearer without a token": lambda issuer: {"Authorization": "Bearer"},
    "basic scheme": lambda issuer: {"Authorization": "Basic dXNlcjpwYXNz"},
    "token without scheme": lambda issuer: {"Authorization": issuer.token()},
    "expired": lambda issuer: {"Authorization": f"Bearer {issuer.token(ttl=-120)}"},
    "forged: another EC key, same kid": lambda issuer: _forged(
        issuer, "es-key", ec.generate_private_key(ec.SECP256R1()), "ES256"
    ),
    "forged: another RSA key, same kid": lambda issuer: _forged(
        issuer, "rs-key", rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS256"
    ),
    "unknown kid": lambda issuer: _forged(issuer, "rotated-away", issuer.private_key, "ES256"),
    "no kid": lambda issuer: {
        "Authorization": "Bearer " + issuer.hostile.signed(issuer.claims(), headers={})
    },
    "wrong issuer": lambda issuer: {
        "Authorization": f"Bearer {issuer.token(iss='https://issuer.evil.example')}"
    },
    "wrong audience": lambda issuer: {"Authorization": f"Bearer {issuer.token(aud='another-api')}"},
    "alg none": lambda issuer: {"Authorization": f"Bearer {unsigned(issuer)}"},
    "HS256 keyed with the public key": lambda issuer: {
        "Authorization": f"Bearer {hs256_with_public_key(issuer)}"
    },
    "ES256 token claiming RS256": lambda issuer: {
        "Authorization": "Bearer " + _swap_alg(issuer.token(kid="es-key"), "RS256")
    },
    "no exp": lambda issuer: {"Authorization": f"Bearer {issuer.token(exp=None)}"},
    "no sub": lambda issuer: {"Authorization": f"Bearer {issuer.token(sub=None)}"},
    "blank sub": lambda issuer: {"Authorization": f"Bearer {issuer.sign(issuer.claims() | {'sub': '  '})}"},
    "oversized": lambda issuer: {"Authorization": f"Bearer {issuer.token(padding='x' * 9000)}"},
}


def assert_unauthenticated(response: Any) -> None:
    assert response.status_code == 401, response.text
    body = response.json()
    assert body.get("data") is None, body
    assert [error["extensions"]["code"] for error in body["errors"]] == ["UNAUTHENTICATED"], body
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_with_401_before_any_subgraph_call(
    case: str, production: Gateway, issuer: TestIssuer, stub: StubSubgraph
) -> None:
    before = len(stub.requests)
    response = production.post({"query": QUERY}, headers=REFUSED[case](issuer))
    assert_unauthenticated(response)
    assert stub.seen_since(before) == []


def test_refusal_reasons_name_no_key_material(production: Gateway, issuer: TestIssuer) -> None:
    forged = issuer.sign(
        issuer.claims(), kid="es-key", key=ec.generate_private_key(ec.SECP256R1()), algorithm="ES256"
    )
    for headers in ({}, {"Authorization": f"Bearer {forged}"}, {"Authorization": "Bearer x.y.z"}):
        message = production.post({"query": QUERY}, headers=headers).json()["errors"][0]["message"]
        assert forged not in message and "BEGIN" not in message


def test_refused_also_by_document_id_and_by_get(production: Gateway, stub: StubSubgraph) -> None:
    before = len(stub.requests)
    assert_unauthenticated(production.post({"documentId": INSTRUMENT_ID, "variables": {"symbol": "AAPL"}}))
    by_get = production.get(
        {"documentId": INSTRUMENT_ID, "variables": '{"symbol": "AAPL"}'},
        headers={"Accept": "application/json"},
    )
    assert_unauthenticated(by_get)
    assert stub.seen_since(before) == []


@pytest.mark.parametrize("kid", ["es-key", "rs-key"])
def test_valid_token_passes_and_is_forwarded(
    kid: str, production: Gateway, issuer: TestIssuer, stub: StubSubgraph
) -> None:
    token = issuer.token(kid=kid)
    before = len(stub.requests)
    response = production.post({"documentId": INSTRUMENT_ID, "variables": {"symbol": "AAPL"}}, token=token)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    assert (body["data"]["instrument"]["symbol"], body["data"]["instrument"]["quote"]["price"]) == (
        "AAPL",
        {"amount": "187.2500", "currencyCode": "USD"},
    )
    (forwarded,) = stub.seen_since(before)
    assert forwarded["headers"]["authorization"] == f"Bearer {token}"


def test_a_token_within_the_leeway_still_passes(development: Gateway, issuer: TestIssuer) -> None:
    response = development.query(QUERY, token=issuer.token(ttl=-10))  # expired 10 s ago; leeway is 30 s
    assert response.status_code == 200, response.text


def test_development_needs_a_token_too(development: Gateway, issuer: TestIssuer) -> None:
    assert_unauthenticated(development.post({"query": QUERY}))
    assert_unauthenticated(development.post({"query": QUERY}, token=issuer.token(aud="another-api")))


@pytest.mark.parametrize("path", ["/healthcheck", "/readiness"])
def test_probes_need_no_token(path: str, production: Gateway) -> None:
    assert httpx.get(production.base_url + path).status_code == 200


def test_the_issuer_is_not_asked_again_for_a_known_key(
    production: Gateway, issuer: TestIssuer, jwks: JwksServer
) -> None:
    production.query(QUERY, token=issuer.token())
    fetched = jwks.requests
    for _ in range(5):
        production.query(QUERY, token=issuer.token())
    assert jwks.requests == fetched
