"""kit.tokens: which tokens become a Principal, and why every other one is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import httpx
import jwt
import pytest
import respx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from kit.principal import Role
from kit.testing import ISSUER, TestIssuer
from kit.tokens import AuthSettings, InvalidToken, JwksKeys, TokenVerifier, remote_jwks, static_jwks

SUB = "01J0CUSTOMER0000000000000A"


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {"iss": ISSUER.issuer, "aud": ISSUER.audience, "sub": SUB, "roles": ["customer"]}
    return {**base, "iat": now, "exp": now + 300, **overrides}


async def refused(token: str, match: str, verifier: TokenVerifier | None = None) -> None:
    with pytest.raises(InvalidToken, match=match):
        await (verifier or ISSUER.verifier()).verify(token)


async def test_a_valid_token_gives_its_subject_and_roles() -> None:
    principal = await ISSUER.verifier().verify(ISSUER.customer(SUB))
    assert principal.subject == SUB
    assert principal.roles == {Role.CUSTOMER}
    assert principal.customer_id == SUB


async def test_expired_tokens_are_refused_beyond_the_leeway() -> None:
    await refused(ISSUER.token(SUB, ["customer"], ttl=-31), "expired")
    # Within the 30 s leeway a token still passes: clocks drift.
    assert (await ISSUER.verifier().verify(ISSUER.token(SUB, ["customer"], ttl=-5))).subject == SUB


async def test_wrong_issuer_and_wrong_audience_are_refused() -> None:
    await refused(ISSUER.token(SUB, ["customer"], iss="https://evil.test"), "issuer")
    await refused(ISSUER.token(SUB, ["customer"], aud="another-api"), "not meant for this API")


async def test_a_token_signed_by_another_key_with_the_same_kid_is_refused() -> None:
    forger = TestIssuer()  # same issuer, audience and kid; its own private key
    await refused(forger.customer(SUB), "signature")


async def test_alg_none_is_refused_before_any_key_lookup() -> None:
    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT', 'kid': ISSUER.kid})}.{b64(claims())}."
    await refused(unsigned, "algorithm")


async def test_hs256_signed_with_the_public_key_is_refused() -> None:
    public_pem = jwt.PyJWK.from_dict(ISSUER.jwks["keys"][0]).key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # Built by hand: PyJWT itself refuses to use a public key as an HMAC secret.
    signing_input = f"{b64({'alg': 'HS256', 'typ': 'JWT', 'kid': ISSUER.kid})}.{b64(claims())}"
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    forged = f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    await refused(forged, "algorithm")


async def test_garbage_missing_kid_unknown_kid_and_oversize_are_refused() -> None:
    await refused("not-a-jwt", "malformed")
    await refused(jwt.encode(claims(), ISSUER.private_key, algorithm="ES256"), "names no signing key")
    other_kid = jwt.encode(claims(), ISSUER.private_key, algorithm="ES256", headers={"kid": "nope"})
    await refused(other_kid, "unknown key")
    await refused("a" * 9000, "too large")


async def test_required_claims_must_be_present() -> None:
    for missing in ("exp", "iat", "sub", "aud", "iss"):
        payload = {k: v for k, v in claims().items() if k != missing}
        token = jwt.encode(payload, ISSUER.private_key, algorithm="ES256", headers={"kid": ISSUER.kid})
        await refused(token, "not valid|not meant|issuer|expired")
    blank_subject = ISSUER.token(" ", ["customer"])
    await refused(blank_subject, "no subject")


async def test_an_rs256_token_from_an_rsa_key_verifies() -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
    verifier = TokenVerifier(
        ISSUER.settings, JwksKeys(static_jwks({"keys": [{**public, "kid": "rsa", "alg": "RS256"}]}))
    )
    token = jwt.encode(claims(roles=["operator"]), private, algorithm="RS256", headers={"kid": "rsa"})
    assert (await verifier.verify(token)).is_staff
    # The same key announced as ES256 in the header: the algorithm must match the key.
    header = {"kid": "rsa", "alg": "ES256"}
    mismatched = jwt.encode(claims(), ISSUER.private_key, algorithm="ES256", headers=header)
    await refused(mismatched, "does not match", verifier)


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        (["admin", "unknown"], {Role.ADMIN}),
        ("operator customer", {Role.OPERATOR, Role.CUSTOMER}),
        (42, set()),
        (None, set()),
    ],
)
async def test_roles_come_from_a_list_or_a_space_separated_string(claim: Any, expected: set[Role]) -> None:
    token = jwt.encode(
        claims(roles=claim), ISSUER.private_key, algorithm="ES256", headers={"kid": ISSUER.kid}
    )
    assert (await ISSUER.verifier().verify(token)).roles == expected


async def test_cognito_groups_and_a_default_role() -> None:
    settings = ISSUER.settings.model_copy(
        update={"roles_claim": "cognito:groups", "default_role": Role.CUSTOMER}
    )
    verifier = TokenVerifier(settings, JwksKeys(static_jwks(ISSUER.jwks)))
    signed = lambda **extra: jwt.encode(  # noqa: E731
        claims(roles=None, **extra), ISSUER.private_key, algorithm="ES256", headers={"kid": ISSUER.kid}
    )
    assert (await verifier.verify(signed(**{"cognito:groups": ["operator"]}))).roles == {Role.OPERATOR}
    assert (await verifier.verify(signed())).roles == {Role.CUSTOMER}


async def test_remote_keys_are_cached_and_an_unknown_kid_refetches_at_most_once_per_interval() -> None:
    url = "https://issuer.test/jwks.json"
    with respx.mock() as mock:
        route = mock.get(url).respond(200, json=ISSUER.jwks)
        async with httpx.AsyncClient() as http:
            keys = JwksKeys(remote_jwks(url, http), min_refetch_seconds=60)
            verifier = TokenVerifier(ISSUER.settings, keys)
            for _ in range(3):
                await verifier.verify(ISSUER.admin())
            assert route.call_count == 1
            for _ in range(3):  # forged kids do not turn into a request each
                await refused(
                    jwt.encode(claims(), ISSUER.private_key, algorithm="ES256", headers={"kid": "x"}),
                    "unknown key",
                    verifier,
                )
            assert route.call_count == 1


async def test_an_unreachable_issuer_refuses_tokens_without_leaking_details() -> None:
    url = "https://issuer.test/jwks.json"
    with respx.mock() as mock:
        mock.get(url).mock(side_effect=httpx.ConnectError("connection refused"))
        async with httpx.AsyncClient() as http:
            verifier = TokenVerifier(ISSUER.settings, JwksKeys(remote_jwks(url, http)))
            await refused(ISSUER.admin(), "keys are unavailable", verifier)


def test_missing_configuration_is_named() -> None:
    assert AuthSettings(issuer="https://i", audience="", jwks_url="").missing() == [
        "AUTH_AUDIENCE",
        "AUTH_JWKS_URL",
    ]
