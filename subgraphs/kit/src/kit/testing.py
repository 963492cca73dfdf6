"""Test helpers shared by the subgraphs' test suites (never imported by running services)."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from functools import cache
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import FastAPI
from jwt.utils import base64url_encode
from ulid import ULID

from kit.dynamo import ensure_table
from kit.tokens import AuthSettings, JwksKeys, TokenVerifier, static_jwks

TEST_ISSUER = "https://issuer.test"
TEST_AUDIENCE = "portfolio-supergraph-tests"

# Every way a request's credentials can be wrong (HostileTokens.cases), and the whole message
# kit.authentication refuses it with (HTTP 401, UNAUTHENTICATED). No message names key material.
REFUSALS: dict[str, str] = {
    "no token": "A bearer token is required.",
    "empty bearer": "A bearer token is required.",
    "basic scheme": "A bearer token is required.",
    "not bearer": "A bearer token is required.",
    "garbage": "The token is malformed.",
    "oversized": "The token is too large.",
    "expired": "The token has expired.",
    "wrong issuer": "The token comes from an issuer this API does not trust.",
    "wrong audience": "The token is not meant for this API.",
    "forged key": "The token's signature is not valid.",
    "unknown kid": "The token is signed with an unknown key.",
    "no kid": "The token names no signing key.",
    "alg none": "The token's signing algorithm is not accepted.",
    "hs256 with the public key": "The token's signing algorithm is not accepted.",
    "rs256 under the kid": "The token's algorithm does not match its key.",
    "blank subject": "The token has no subject.",
    "no subject": "The token is not valid.",
    "no exp": "The token is not valid.",
}


@cache
def _rsa_key() -> rsa.RSAPrivateKey:
    # One per session: an RSA key takes tens of milliseconds to generate.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def compact_jws(header: Mapping[str, Any], claims: Mapping[str, Any], sign: Callable[[bytes], bytes]) -> str:
    """A JWS in compact form put together by hand, for what no library would sign."""
    segments = (base64url_encode(json.dumps(part).encode()).decode() for part in (header, claims))
    signing_input = ".".join(segments)
    return f"{signing_input}.{base64url_encode(sign(signing_input.encode())).decode()}"


class HostileTokens:
    """Tokens a verifier that trusts `private_key` (published under `kid`) must refuse.

    Each is a valid token of `subject` with `roles` (an admin's by default) that is wrong in one
    way. `cases()` gives them all, with the malformed requests, as Authorization headers.
    """

    def __init__(
        self,
        private_key: ec.EllipticCurvePrivateKey,
        kid: str,
        issuer: str,
        audience: str,
        *,
        subject: str = "admin-1",
        roles: Iterable[str] = ("admin",),
    ) -> None:
        self.private_key, self.kid, self.issuer, self.audience = private_key, kid, issuer, audience
        self.subject, self.roles = subject, list(roles)

    def claims(self, *without: str, **overrides: Any) -> dict[str, Any]:
        """Valid claims for five minutes, with `overrides`, less the claims named in `without`."""
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": self.subject,
            "roles": self.roles,
            "iat": now,
            "exp": now + 300,
            **overrides,
        }
        return {name: value for name, value in claims.items() if name not in without}

    def signed(
        self,
        claims: Mapping[str, Any] | None = None,
        *,
        key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | None = None,
        algorithm: str = "ES256",
        headers: Mapping[str, Any] | None = None,
    ) -> str:
        """Signed with the trusted key under its kid, unless told otherwise (`headers={}`: no kid)."""
        return jwt.encode(
            dict(self.claims() if claims is None else claims),
            self.private_key if key is None else key,
            algorithm=algorithm,
            headers={"kid": self.kid} if headers is None else dict(headers),
        )

    def valid(self) -> str:
        return self.signed()

    def expired(self, seconds_ago: int = 120) -> str:
        """Expired `seconds_ago`: by default well past the verifiers' 30 s leeway."""
        now = int(time.time())
        return self.signed(self.claims(iat=now - seconds_ago - 300, exp=now - seconds_ago))

    def wrong_issuer(self) -> str:
        return self.signed(self.claims(iss="https://evil.example"))

    def wrong_audience(self) -> str:
        return self.signed(self.claims(aud="another-api"))

    def forged_key(self) -> str:
        """Same issuer, audience and kid; another EC key, so the signature cannot match."""
        return self.signed(key=ec.generate_private_key(ec.SECP256R1()))

    def unknown_kid(self) -> str:
        return self.signed(headers={"kid": "no-such-key"})

    def no_kid(self) -> str:
        return self.signed(headers={})

    def alg_none(self) -> str:
        """Unsigned: `alg: none` under the trusted kid, an empty signature."""
        return compact_jws({"alg": "none", "typ": "JWT", "kid": self.kid}, self.claims(), lambda _: b"")

    def hs256_with_public_key(self) -> str:
        """Key confusion: HMAC-SHA256 keyed with the public key's PEM, which anyone can fetch, as a
        verifier that took the algorithm from the token would check it. PyJWT refuses to build it."""
        public_pem = self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return compact_jws(
            {"alg": "HS256", "typ": "JWT", "kid": self.kid},
            self.claims(),
            lambda data: hmac.new(public_pem, data, hashlib.sha256).digest(),
        )

    def rs256_under_the_kid(self) -> str:
        """Well signed by an RSA key, but naming the trusted (EC) key: the algorithm must match it."""
        return self.signed(key=_rsa_key(), algorithm="RS256")

    def tokens(self) -> dict[str, str]:
        """The bearer tokens among the cases of REFUSALS. Built when called: expiry is relative to now."""
        return {
            "garbage": "not-a-jwt",
            "oversized": self.signed(self.claims(padding="x" * 9000)),
            "expired": self.expired(),
            "wrong issuer": self.wrong_issuer(),
            "wrong audience": self.wrong_audience(),
            "forged key": self.forged_key(),
            "unknown kid": self.unknown_kid(),
            "no kid": self.no_kid(),
            "alg none": self.alg_none(),
            "hs256 with the public key": self.hs256_with_public_key(),
            "rs256 under the kid": self.rs256_under_the_kid(),
            "blank subject": self.signed(self.claims(sub=" ")),
            "no subject": self.signed(self.claims("sub")),
            "no exp": self.signed(self.claims("exp")),
        }

    def cases(self) -> dict[str, str | None]:
        """The Authorization header of every case of REFUSALS, in its order (None: no header at all)."""
        cases: dict[str, str | None] = {
            "no token": None,
            "empty bearer": "Bearer ",
            "basic scheme": "Basic YWRtaW46YWRtaW4=",  # admin:admin
            "not bearer": f"Basic {self.valid()}",  # a valid token under the wrong scheme
            **{name: f"Bearer {token}" for name, token in self.tokens().items()},
        }
        return {name: cases[name] for name in REFUSALS}


class TestIssuer:
    """An ES256 issuer for tests: signs tokens, and builds a verifier that trusts only its key."""

    __test__ = False  # not a pytest test class

    def __init__(
        self, issuer: str = TEST_ISSUER, audience: str = TEST_AUDIENCE, kid: str = "test-key"
    ) -> None:
        self.issuer, self.audience, self.kid = issuer, audience, kid
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        public_jwk = jwt.algorithms.ECAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        self.jwks = {"keys": [{**public_jwk, "kid": kid, "alg": "ES256", "use": "sig"}]}
        self.settings = AuthSettings(issuer=issuer, audience=audience, jwks_url=f"{issuer}/jwks.json")
        # Tokens its verifiers must refuse, each wrong in one way.
        self.hostile = HostileTokens(self.private_key, kid, issuer, audience)

    def verifier(self) -> TokenVerifier:
        return TokenVerifier(self.settings, JwksKeys(static_jwks(self.jwks)))

    def token(self, subject: str, roles: Iterable[str], *, ttl: int = 300, **claims: Any) -> str:
        expiry = int(time.time()) + ttl
        return self.hostile.signed(self.hostile.claims(sub=subject, roles=list(roles), exp=expiry, **claims))

    def customer(self, customer_id: str, **claims: Any) -> str:
        return self.token(customer_id, ["customer"], **claims)

    def operator(self, **claims: Any) -> str:
        return self.token("operator-1", ["operator"], **claims)

    def admin(self, **claims: Any) -> str:
        return self.token("admin-1", ["admin"], **claims)


# One key for a whole test session: generating keys per test would only cost time.
ISSUER = TestIssuer()


# Decimal inputs every mutation must refuse (kit.core.money.parse_decimal: BAD_USER_INPUT), by name.
HOSTILE_DECIMALS: dict[str, object] = {
    "tiny exponent": "1E-1000100",
    "huge exponent": "1E+1000100",
    "billion exponent": "1E-999999999",
    "exponent notation": "1e5",
    "29 digits": "1" * 29,
    "19 places": "0." + "0" * 18 + "1",
    "10^18": "1" + "0" * 18,
    "NaN": "NaN",
    "Infinity": "Infinity",
    "-Infinity": "-Infinity",
    "negative zero": "-0",
    "leading space": " 1",
    "trailing space": "1 ",
    "underscore": "1_000",
    "Arabic-Indic digits": "\u0661\u0662",
    "full-width digit": "\uff11",
    "100000 digits": "1" * 100_000,
    "JSON float": 1.5,
    "JSON bool": True,
    "huge JSON integer": 10**30,
    "object": {"amount": "1"},
}

# What an answer must never show: a stack trace, a file path, an exception's class or module.
INTERNALS = re.compile(
    r"Traceback|File \"|\.py\b|site-packages|InvalidOperation|DivisionByZero|decimal\.|"
    r"\b\w+(Error|Exception)\b(?<!userErrors)|INTERNAL_SERVER_ERROR"
)


def refusal_codes(body: Mapping[str, Any]) -> list[str]:
    """The `extensions.code` of every error in a GraphQL answer, after checking that no message
    shows internals (`INTERNALS`) and that every error has a code."""
    text = json.dumps(body)
    leak = INTERNALS.search(text)
    assert leak is None, f"the answer shows internals ({leak.group(0)!r}): {text[:500]}"
    codes = [str((error.get("extensions") or {}).get("code")) for error in body.get("errors") or []]
    assert "None" not in codes, body
    return codes


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def unique_table_name(prefix: str) -> str:
    return f"{prefix}-{str(ULID()).lower()}"


async def create_table(client: Any, definition: dict[str, Any]) -> None:
    await ensure_table(client, definition)


@asynccontextmanager
async def running_app(
    app: FastAPI, *, issuer: TestIssuer = ISSUER, token: str | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan entered, behind an in-process HTTP client.

    The app trusts `issuer`; the client sends `token` (an admin's by default) on every request.
    A test sends another with `headers=bearer(...)`, or none by removing the header.
    """
    app.state.runtime.use_verifier(issuer.verifier())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        headers = bearer(token if token is not None else issuer.admin())
        async with httpx.AsyncClient(
            transport=transport, base_url="http://subgraph", headers=headers
        ) as client:
            yield client


async def execute(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = None,
) -> dict[str, Any]:
    """POST a GraphQL document to /graphql and return the JSON body (data and errors).

    `token` replaces the client's default bearer token for this one request. The body is ASCII
    JSON (as json.dumps writes it), so that a test can send what UTF-8 cannot carry: a lone
    surrogate travels as the escape "\\ud800", as a hostile client writes it."""
    headers = {"content-type": "application/json", **(bearer(token) if token is not None else {})}
    sent = json.dumps({"query": query, "variables": variables or {}})
    response = await client.post("/graphql", content=sent.encode("ascii"), headers=headers)
    body: dict[str, Any] = response.json()
    return body
