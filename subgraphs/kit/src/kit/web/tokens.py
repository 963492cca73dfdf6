"""Verifying the OIDC access tokens clients send: RS256 or ES256 JWTs signed by a key in the issuer's
JWKS, for our audience, unexpired. Every subgraph verifies for itself (defence in depth), so a
request that bypasses the router gets no further than one through it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx
import jwt
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from kit.core.principal import Principal, Role

ALGORITHMS = ("RS256", "ES256")
# Far above any real token (Cognito's are ~1-2 KB); stops a huge header from reaching the parser.
MAX_TOKEN_BYTES = 8192


class AuthSettings(BaseSettings):
    """One set for every service and the router: AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL, ..."""

    model_config = SettingsConfigDict(env_prefix="AUTH_", extra="ignore")

    issuer: str = Field(default="", description="Expected `iss`, e.g. the Cognito user pool URL")
    audience: str = Field(default="", description="Expected `aud` (the app client id in Cognito)")
    jwks_url: str = Field(default="", description="Where the issuer publishes its signing keys")
    roles_claim: str = Field(default="roles", description="Claim holding the roles ('cognito:groups')")
    default_role: Role | None = Field(default=None, description="Role of a token whose claim has none")
    jwks_refresh_seconds: float = Field(default=600, gt=0, description="How long fetched keys are kept")
    leeway_seconds: int = Field(default=30, ge=0, le=300, description="Clock skew allowed on exp/iat/nbf")

    def missing(self) -> list[str]:
        return [
            f"AUTH_{name.upper()}" for name in ("issuer", "audience", "jwks_url") if not getattr(self, name)
        ]


class InvalidToken(Exception):
    """The request carries no usable token; the message is safe to show (it names no key material)."""


KeysFetcher = Callable[[], Awaitable[Mapping[str, Any]]]


class JwksKeys:
    """The issuer's keys by `kid`, fetched lazily and kept for a while. A stale set or an unknown
    `kid` (the issuer rotated its keys) triggers a fetch, at most one every `min_refetch_seconds`
    whether it succeeded or not, so neither forged kids nor an issuer that is down turn every
    request into a call to the issuer."""

    def __init__(
        self, fetch: KeysFetcher, *, refresh_seconds: float = 600, min_refetch_seconds: float = 10
    ) -> None:
        self._fetch = fetch
        self._refresh_seconds = refresh_seconds
        self._min_refetch_seconds = min_refetch_seconds
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")
        self._attempted_at = float("-inf")
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> jwt.PyJWK:
        now = time.monotonic()
        wanted = kid not in self._keys or now - self._fetched_at > self._refresh_seconds
        if wanted and now - self._attempted_at > self._min_refetch_seconds:
            await self._refetch(since=self._attempted_at)
        if not self._keys:
            raise InvalidToken("The token issuer's keys are unavailable.")
        try:
            return self._keys[kid]
        except KeyError:
            raise InvalidToken("The token is signed with an unknown key.") from None

    async def _refetch(self, since: float) -> None:
        async with self._lock:
            if self._attempted_at != since:  # another request fetched while we waited
                return
            self._attempted_at = time.monotonic()
            try:
                document = await self._fetch()
                keys = jwt.PyJWKSet.from_dict(dict(document)).keys
            except (httpx.HTTPError, ValueError, jwt.PyJWKSetError):
                return  # keep the keys we have (if any); the issuer may be back by the next attempt
            self._keys = {key.key_id: key for key in keys if key.key_id}
            self._fetched_at = self._attempted_at


def remote_jwks(url: str, http: httpx.AsyncClient) -> KeysFetcher:
    async def fetch() -> Mapping[str, Any]:
        response = await http.get(url)
        response.raise_for_status()
        document: Mapping[str, Any] = response.json()
        return document

    return fetch


def static_jwks(document: Mapping[str, Any]) -> KeysFetcher:
    """Keys known in advance (tests, or a deployment that pins its issuer's keys)."""

    async def fetch() -> Mapping[str, Any]:
        return document

    return fetch


class TokenVerifier:
    def __init__(self, settings: AuthSettings, keys: JwksKeys) -> None:
        self._settings = settings
        self._keys = keys

    async def verify(self, token: str) -> Principal:
        if len(token) > MAX_TOKEN_BYTES:
            raise InvalidToken("The token is too large.")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidToken("The token is malformed.") from None
        algorithm, kid = header.get("alg"), header.get("kid")
        # Checked before any key is looked up: `none` and HMAC (key confusion) never get further.
        if algorithm not in ALGORITHMS:
            raise InvalidToken("The token's signing algorithm is not accepted.")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("The token names no signing key.")
        key = await self._keys.key(kid)
        if key.algorithm_name != algorithm:
            raise InvalidToken("The token's algorithm does not match its key.")
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                audience=self._settings.audience,
                issuer=self._settings.issuer,
                leeway=self._settings.leeway_seconds,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("The token has expired.") from None
        except jwt.InvalidAudienceError:
            raise InvalidToken("The token is not meant for this API.") from None
        except jwt.InvalidIssuerError:
            raise InvalidToken("The token comes from an issuer this API does not trust.") from None
        except jwt.InvalidSignatureError:
            raise InvalidToken("The token's signature is not valid.") from None
        except jwt.PyJWTError:
            raise InvalidToken("The token is not valid.") from None
        return self._principal(claims)

    def _principal(self, claims: Mapping[str, Any]) -> Principal:
        subject = claims["sub"]
        if not isinstance(subject, str) or not subject.strip():
            raise InvalidToken("The token has no subject.")
        roles = _role_names(claims.get(self._settings.roles_claim))
        known = {Role(name) for name in roles if name in Role._value2member_map_}
        if not known and self._settings.default_role is not None:
            known = {self._settings.default_role}
        return Principal(subject, frozenset(known))


def _role_names(claim: Any) -> list[str]:
    """A list of names (Cognito groups, our dev issuer) or one space-separated string (OAuth scope
    style). Anything else carries no role."""
    if isinstance(claim, str):
        return claim.split()
    if isinstance(claim, list):
        return [name for name in claim if isinstance(name, str)]
    return []


def verifier_for(settings: AuthSettings, http: httpx.AsyncClient) -> TokenVerifier:
    missing = settings.missing()
    if missing:
        raise RuntimeError(f"Authentication is not configured: set {', '.join(missing)}")
    keys = JwksKeys(remote_jwks(settings.jwks_url, http), refresh_seconds=settings.jwks_refresh_seconds)
    return TokenVerifier(settings, keys)
