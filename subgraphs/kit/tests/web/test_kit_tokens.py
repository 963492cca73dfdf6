"""kit.web.tokens: which tokens become a Principal, and why every other one is refused."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import jwt
import pytest
import respx
from cryptography.hazmat.primitives.asymmetric import rsa
from kit.core.principal import Role
from kit.web.tokens import AuthSettings, InvalidToken, JwksKeys, TokenVerifier, remote_jwks, static_jwks
from kit_testing import ISSUER, REFUSALS, HostileTokens, TestIssuer

SUB = "01J0CUSTOMER0000000000000A"
# A customer's tokens from the session's test issuer, wrong in one way or another.
HOSTILE = HostileTokens(
    ISSUER.private_key, ISSUER.kid, ISSUER.issuer, ISSUER.audience, subject=SUB, roles=["customer"]
)


async def refused(token: str, match: str, verifier: TokenVerifier | None = None) -> None:
    with pytest.raises(InvalidToken, match=match):
        await (verifier or ISSUER.verifier()).verify(token)


async def test_a_valid_token_gives_its_subject_and_roles() -> None:
    principal = await ISSUER.verifier().verify(ISSUER.customer(SUB))
    assert principal.subject == SUB
    assert principal.roles == {Role.CUSTOMER}
    assert principal.customer_id == SUB


async def test_expired_tokens_are_refused_beyond_the_leeway() -> None:
    await refused(HOSTILE.expired(seconds_ago=31), "expired")
    # Within the 30 s leeway a token still passes: clocks drift.
    assert (await ISSUER.verifier().verify(HOSTILE.expired(seconds_ago=5))).subject == SUB


async def test_wrong_issuer_and_wrong_audience_are_refused() -> None:
    await refused(HOSTILE.wrong_issuer(), "issuer")
    await refused(HOSTILE.wrong_audience(), "not meant for this API")


async def test_a_token_signed_by_another_key_with_the_same_kid_is_refused() -> None:
    await refused(HOSTILE.forged_key(), "signature")
    forger = TestIssuer()  # same issuer, audience and kid; its own private key
    await refused(forger.customer(SUB), "signature")


async def test_alg_none_is_refused_before_any_key_lookup() -> None:
    await refused(HOSTILE.alg_none(), "algorithm")


async def test_hs256_signed_with_the_public_key_is_refused() -> None:
    await refused(HOSTILE.hs256_with_public_key(), "algorithm")


async def test_garbage_missing_kid_unknown_kid_and_oversize_are_refused() -> None:
    await refused("not-a-jwt", "malformed")
    await refused(HOSTILE.no_kid(), "names no signing key")
    await refused(HOSTILE.unknown_kid(), "unknown key")
    await refused("a" * 9000, "too large")


async def test_required_claims_must_be_present() -> None:
    for missing in ("exp", "iat", "sub", "aud", "iss"):
        await refused(HOSTILE.signed(HOSTILE.claims(missing)), "not valid|not meant|issuer|expired")
    blank_subject = ISSUER.token(" ", ["customer"])
    await refused(blank_subject, "no subject")


async def test_an_rs256_token_from_an_rsa_key_verifies() -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
    verifier = TokenVerifier(
        ISSUER.settings, JwksKeys(static_jwks({"keys": [{**public, "kid": "rsa", "alg": "RS256"}]}))
    )
    token = HOSTILE.signed(
        HOSTILE.claims(roles=["operator"]), key=private, algorithm="RS256", headers={"kid": "rsa"}
    )
    assert (await verifier.verify(token)).is_staff
    # The same key announced as ES256 in the header: the algorithm must match the key.
    await refused(HOSTILE.signed(headers={"kid": "rsa"}), "does not match", verifier)


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
    token = HOSTILE.signed(HOSTILE.claims(roles=claim))
    assert (await ISSUER.verifier().verify(token)).roles == expected


async def test_cognito_groups_and_a_default_role() -> None:
    settings = ISSUER.settings.model_copy(
        update={"roles_claim": "cognito:groups", "default_role": Role.CUSTOMER}
    )
    verifier = TokenVerifier(settings, JwksKeys(static_jwks(ISSUER.jwks)))
    groups = HOSTILE.claims(roles=None, **{"cognito:groups": ["operator"]})
    assert (await verifier.verify(HOSTILE.signed(groups))).roles == {Role.OPERATOR}
    assert (await verifier.verify(HOSTILE.signed(HOSTILE.claims(roles=None)))).roles == {Role.CUSTOMER}


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
                await refused(HOSTILE.signed(headers={"kid": "x"}), "unknown key", verifier)
            assert route.call_count == 1


async def test_an_unreachable_issuer_refuses_tokens_without_leaking_details() -> None:
    url = "https://issuer.test/jwks.json"
    with respx.mock() as mock:
        mock.get(url).mock(side_effect=httpx.ConnectError("connection refused"))
        async with httpx.AsyncClient() as http:
            verifier = TokenVerifier(ISSUER.settings, JwksKeys(remote_jwks(url, http)))
            await refused(ISSUER.admin(), "keys are unavailable", verifier)


@pytest.mark.parametrize("case", list(ISSUER.hostile.tokens()))
async def test_every_hostile_token_is_refused_with_its_reason(case: str) -> None:
    """The matrix of bad tokens the subgraphs' tests send, at the verifier: each refusal says why."""
    await refused(ISSUER.hostile.tokens()[case], f"^{re.escape(REFUSALS[case])}$")


def test_missing_configuration_is_named() -> None:
    assert AuthSettings(issuer="https://i", audience="", jwks_url="").missing() == [
        "AUTH_AUDIENCE",
        "AUTH_JWKS_URL",
    ]


async def test_an_issuer_that_goes_down_is_asked_at_most_once_per_interval() -> None:
    url = "https://issuer.test/jwks.json"
    with respx.mock() as mock:
        route = mock.get(url).respond(200, json=ISSUER.jwks)
        async with httpx.AsyncClient() as http:
            keys = JwksKeys(remote_jwks(url, http), refresh_seconds=0.01, min_refetch_seconds=0.5)
            verifier = TokenVerifier(ISSUER.settings, keys)
            await verifier.verify(ISSUER.admin())
            route.mock(side_effect=httpx.ConnectError("down"))
            await asyncio.sleep(0.6)  # the keys are stale, and another attempt is allowed
            for _ in range(5):  # still served from the keys it has, after one failed attempt
                assert (await verifier.verify(ISSUER.admin())).is_admin
            assert route.call_count == 2
