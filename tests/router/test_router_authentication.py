"""The router's JWT check: every refusal is HTTP 401 with extensions.code UNAUTHENTICATED, decided before
any subgraph is called; valid ES256 and RS256 tokens pass and are forwarded; probes stay open; and the
router does not start at all without its authentication settings."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from devstack import toolchain, trusted_documents

if TYPE_CHECKING:
    from conftest import Gateway, Issuer, StubSubgraph

QUERY = '{ instrument(symbol: "AAPL") { symbol name } }'
# The kept contract operation, served by id: production accepts nothing else.
INSTRUMENT_ID = trusted_documents.document_id(
    (toolchain.SCHEMA_DIR / "operations" / "Instrument.graphql").read_text()
)


def _b64(part: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


def unsigned(issuer: Issuer) -> str:
    """`alg: none`, with an empty signature, naming a key the issuer has."""
    return f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': 'es-key'})}.{_b64(issuer.claims())}."


def hs256_with_public_key(issuer: Issuer) -> str:
    """Key confusion: HMAC keyed with the issuer's public RSA key, as a naive verifier would accept."""
    public_pem = issuer.rs256.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = _b64({"alg": "HS256", "typ": "JWT", "kid": "rs-key"})
    body = _b64(issuer.claims())
    signature = hmac.new(public_pem, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


# Each case: how the Authorization header is made from the session's issuer.
REFUSED: dict[str, Callable[[Issuer], dict[str, str]]] = {
    "no token": lambda issuer: {},
    "garbage": lambda issuer: {"Authorization": "Bearer not-a-jwt"},
    "garbage in three parts": lambda issuer: {"Authorization": "Bearer aaa.bbb.ccc"},
    "not base64url": lambda issuer: {"Authorization": f"Bearer {issuer.token().replace('.', '=.', 1)}"},
    "bearer without a token": lambda issuer: {"Authorization": "Bearer"},
    "basic scheme": lambda issuer: {"Authorization": "Basic dXNlcjpwYXNz"},
    "token without scheme": lambda issuer: {"Authorization": issuer.token()},
    "expired": lambda issuer: {"Authorization": f"Bearer {issuer.token(ttl=-120)}"},
    "forged: another EC key, same kid": lambda issuer: {
        "Authorization": "Bearer "
        + issuer.sign(issuer.claims(), "es-key", key=ec.generate_private_key(ec.SECP256R1()), alg="ES256")
    },
    "forged: another RSA key, same kid": lambda issuer: {
        "Authorization": "Bearer "
        + issuer.sign(
            issuer.claims(),
            "rs-key",
            key=rsa.generate_private_key(public_exponent=65537, key_size=2048),
            alg="RS256",
        )
    },
    "unknown kid": lambda issuer: {
        "Authorization": "Bearer "
        + issuer.sign(issuer.claims(), "rotated-away", key=issuer.es256, alg="ES256")
    },
    "no kid": lambda issuer: {
        "Authorization": "Bearer " + jwt.encode(issuer.claims(), issuer.es256, algorithm="ES256")
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


def _swap_alg(token: str, alg: str) -> str:
    header, body, signature = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    return ".".join([_b64({**decoded, "alg": alg}), body, signature])


def assert_unauthenticated(response: Any) -> None:
    assert response.status_code == 401, response.text
    body = response.json()
    assert body.get("data") is None, body
    assert [error["extensions"]["code"] for error in body["errors"]] == ["UNAUTHENTICATED"], body
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_with_401_before_any_subgraph_call(
    case: str, production: Gateway, issuer: Issuer, stub: StubSubgraph
) -> None:
    before = len(stub.requests)
    response = production.post({"query": QUERY}, headers=REFUSED[case](issuer))
    assert_unauthenticated(response)
    assert stub.seen_since(before) == []


def test_refusal_reasons_name_no_key_material(production: Gateway, issuer: Issuer) -> None:
    forged = issuer.sign(issuer.claims(), "es-key", key=ec.generate_private_key(ec.SECP256R1()), alg="ES256")
    for headers in ({}, {"Authorization": f"Bearer {forged}"}, {"Authorization": "Bearer x.y.z"}):
        message = production.post({"query": QUERY}, headers=headers).json()["errors"][0]["message"]
        assert forged not in message and "BEGIN" not in message


def test_refused_also_by_document_id_and_by_get(production: Gateway, stub: StubSubgraph) -> None:
    before = len(stub.requests)
    assert_unauthenticated(production.post({"documentId": INSTRUMENT_ID, "variables": {"symbol": "AAPL"}}))
    by_get = httpx.get(
        production.url,
        params={"documentId": INSTRUMENT_ID, "variables": '{"symbol": "AAPL"}'},
        headers={"Accept": "application/json"},
    )
    assert_unauthenticated(by_get)
    assert stub.seen_since(before) == []


@pytest.mark.parametrize("kid", ["es-key", "rs-key"])
def test_valid_token_passes_and_is_forwarded(
    kid: str, production: Gateway, issuer: Issuer, stub: StubSubgraph
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


def test_a_token_within_the_leeway_still_passes(development: Gateway, issuer: Issuer) -> None:
    response = development.query(QUERY, issuer.token(ttl=-10))  # expired 10 s ago; leeway is 30 s
    assert response.status_code == 200, response.text


def test_development_needs_a_token_too(development: Gateway, issuer: Issuer) -> None:
    assert_unauthenticated(development.post({"query": QUERY}))
    assert_unauthenticated(development.post({"query": QUERY}, token=issuer.token(aud="another-api")))


@pytest.mark.parametrize("path", ["/healthcheck", "/readiness"])
def test_probes_need_no_token(path: str, production: Gateway) -> None:
    assert httpx.get(production.base_url + path).status_code == 200


def test_the_issuer_is_not_asked_again_for_a_known_key(production: Gateway, issuer: Issuer) -> None:
    production.query(QUERY, issuer.token())
    fetched = issuer.jwks_requests
    for _ in range(5):
        production.query(QUERY, issuer.token())
    assert issuer.jwks_requests == fetched
