"""One token issuer for every test: signed tokens for each role, and every way a token can be wrong."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.utils import base64url_encode
from kit.web.tokens import AuthSettings, JwksKeys, TokenVerifier, static_jwks

TEST_ISSUER = "https://issuer.test"
TEST_AUDIENCE = "portfolio-supergraph-tests"

# Every way a request's credentials can be wrong (HostileTokens.cases), and the whole message
# kit.web.authentication refuses it with (HTTP 401, UNAUTHENTICATED). No message names key material.
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
    """An issuer for tests: signs tokens with its ES256 key (and an RS256 one under `rsa_kid`, when
    given), and builds a verifier that trusts only its keys. A process under test that fetches its
    keys over HTTP (the router) gets them from `kit_testing.jwks.JwksServer`."""

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        issuer: str = TEST_ISSUER,
        audience: str = TEST_AUDIENCE,
        kid: str = "test-key",
        *,
        rsa_kid: str | None = None,
    ) -> None:
        self.issuer, self.audience, self.kid, self.rsa_kid = issuer, audience, kid, rsa_kid
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        public_jwk = jwt.algorithms.ECAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        keys = [{**public_jwk, "kid": kid, "alg": "ES256", "use": "sig"}]
        self.rsa_key = _rsa_key() if rsa_kid is not None else None
        if self.rsa_key is not None:
            rsa_jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.rsa_key.public_key(), as_dict=True)
            keys.append({**rsa_jwk, "kid": rsa_kid, "alg": "RS256", "use": "sig"})
        self.jwks = {"keys": keys}
        self.settings = AuthSettings(issuer=issuer, audience=audience, jwks_url=f"{issuer}/jwks.json")
        # Tokens its verifiers must refuse, each wrong in one way.
        self.hostile = HostileTokens(self.private_key, kid, issuer, audience)

    def verifier(self) -> TokenVerifier:
        return TokenVerifier(self.settings, JwksKeys(static_jwks(self.jwks)))

    def claims(
        self, subject: str | None = None, roles: Any = ("admin",), *, ttl: int = 300, **claims: Any
    ) -> dict[str, Any]:
        """Valid claims of `subject` (a fresh one when None: a subject of its own, as a rate limit per
        subject needs) with `roles` (as given, when not a tuple: a test may send a malformed claim),
        for `ttl` seconds. `claims` add or replace; one given as None is left out."""
        now = int(time.time())
        every = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject if subject is not None else f"subject-{uuid.uuid4()}",
            "roles": list(roles) if isinstance(roles, tuple) else roles,
            "iat": now,
            "exp": now + ttl,
            **claims,
        }
        return {name: value for name, value in every.items() if value is not None}

    def sign(
        self,
        claims: Mapping[str, Any],
        *,
        kid: str | None = None,
        key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | None = None,
        algorithm: str | None = None,
    ) -> str:
        """Signed under `kid` (the EC key's by default) with this issuer's key for it, or with `key`
        and `algorithm` instead: a forgery, or a key the issuer does not publish."""
        kid = self.kid if kid is None else kid
        own_algorithm, own_key = (
            ("RS256", self.rsa_key)
            if kid == self.rsa_kid and self.rsa_key is not None
            else ("ES256", self.private_key)
        )
        return jwt.encode(
            dict(claims), key or own_key, algorithm=algorithm or own_algorithm, headers={"kid": kid}
        )

    def token(
        self,
        subject: str | None = None,
        roles: Any = ("admin",),
        *,
        ttl: int = 300,
        kid: str | None = None,
        **claims: Any,
    ) -> str:
        return self.sign(self.claims(subject, roles, ttl=ttl, **claims), kid=kid)

    def customer(self, customer_id: str, **claims: Any) -> str:
        return self.token(customer_id, ["customer"], **claims)

    def operator(self, **claims: Any) -> str:
        return self.token("operator-1", ["operator"], **claims)

    def admin(self, **claims: Any) -> str:
        return self.token("admin-1", ["admin"], **claims)


# One key for a whole test session: generating keys per test would only cost time.
ISSUER = TestIssuer()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
