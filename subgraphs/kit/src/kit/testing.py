"""Test helpers shared by the subgraphs' test suites (never imported by running services)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI
from ulid import ULID

from kit.dynamo import ensure_table
from kit.tokens import AuthSettings, JwksKeys, TokenVerifier, static_jwks

TEST_ISSUER = "https://issuer.test"
TEST_AUDIENCE = "portfolio-supergraph-tests"


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

    def verifier(self) -> TokenVerifier:
        return TokenVerifier(self.settings, JwksKeys(static_jwks(self.jwks)))

    def token(self, subject: str, roles: Iterable[str], *, ttl: int = 300, **claims: Any) -> str:
        now = int(time.time())
        payload = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "roles": list(roles),
            "iat": now,
            "exp": now + ttl,
            **claims,
        }
        return jwt.encode(payload, self.private_key, algorithm="ES256", headers={"kid": self.kid})

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

    `token` replaces the client's default bearer token for this one request."""
    headers = bearer(token) if token is not None else None
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    body: dict[str, Any] = response.json()
    return body
