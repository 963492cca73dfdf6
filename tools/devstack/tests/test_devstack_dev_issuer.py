"""devstack.dev_issuer: generated keys, their JWKS on loopback, tokens the services accept."""

from __future__ import annotations

import stat
import subprocess
import time
from pathlib import Path

import httpx
import jwt
import pytest
from devstack import cli
from devstack.dev_issuer import AUDIENCE, DevIssuer, DevKeys, IssuerServer
from devstack.net import free_port
from kit.core.principal import Role
from kit.web.tokens import AuthSettings, InvalidToken, JwksKeys, TokenVerifier, remote_jwks


@pytest.fixture
def issuer(tmp_path: Path) -> DevIssuer:
    return DevIssuer.in_data_dir(tmp_path, "http://127.0.0.1:4999")


def verifier_for(issuer: DevIssuer, http: httpx.AsyncClient) -> TokenVerifier:
    settings = AuthSettings(issuer=issuer.issuer, audience=AUDIENCE, jwks_url=issuer.jwks_url)
    return TokenVerifier(settings, JwksKeys(remote_jwks(issuer.jwks_url, http), min_refetch_seconds=0))


def test_keys_are_generated_once_and_readable_by_their_owner_only(issuer: DevIssuer) -> None:
    issuer.keys.ensure()
    [key_file] = issuer.keys.directory.glob("*.pem")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(issuer.keys.directory.stat().st_mode) == 0o700
    issuer.keys.ensure()
    assert list(issuer.keys.directory.glob("*.pem")) == [key_file]
    assert "PRIVATE" not in str(issuer.keys.jwks())  # only public halves are published
    assert set(issuer.keys.jwks()["keys"][0]) == {"kty", "crv", "x", "y", "kid", "alg", "use"}


def test_rotation_publishes_the_new_and_the_previous_key_only(issuer: DevIssuer) -> None:
    first = issuer.keys.rotate()
    time.sleep(0.002)  # distinct ULID milliseconds keep the order unambiguous
    second = issuer.keys.rotate()
    time.sleep(0.002)
    third = issuer.keys.rotate()
    kids = [key["kid"] for key in issuer.keys.jwks()["keys"]]
    assert kids == [second, third]
    assert first not in kids
    assert jwt.get_unverified_header(issuer.admin())["kid"] == third


async def test_tokens_verify_against_the_served_jwks_for_every_role(issuer: DevIssuer) -> None:
    port = free_port()
    issuer = DevIssuer(issuer.keys, f"http://127.0.0.1:{port}")
    server = IssuerServer(issuer, "127.0.0.1", port)
    issuer.keys.ensure()
    server.start()
    try:
        async with httpx.AsyncClient() as http:
            discovery = (await http.get(f"{issuer.issuer}/.well-known/openid-configuration")).json()
            assert discovery["jwks_uri"] == issuer.jwks_url
            assert discovery["issuer"] == issuer.issuer
            verifier = verifier_for(issuer, http)
            customer = await verifier.verify(issuer.customer("01J0CUSTOMER0000000000000A"))
            assert customer.customer_id == "01J0CUSTOMER0000000000000A"
            assert (await verifier.verify(issuer.operator())).roles == {Role.OPERATOR}
            assert (await verifier.verify(issuer.admin())).is_admin
            # A token signed before a rotation still verifies (its key is still published),
            # and one signed after it verifies too (the unknown kid triggers a refetch).
            before = issuer.admin()
            issuer.keys.rotate()
            assert (await verifier.verify(before)).is_admin
            assert (await verifier.verify(issuer.admin())).is_admin
            with pytest.raises(InvalidToken, match="expired"):
                await verifier.verify(_expired(issuer))
    finally:
        server.stop()


def _expired(issuer: DevIssuer) -> str:
    kid, key = issuer.keys.signing_key()
    now = int(time.time())
    claims = {"iss": issuer.issuer, "aud": AUDIENCE, "sub": "x", "roles": ["admin"], "iat": now - 600}
    return jwt.encode({**claims, "exp": now - 300}, key, algorithm="ES256", headers={"kid": kid})


def test_a_non_positive_ttl_is_refused(issuer: DevIssuer) -> None:
    with pytest.raises(ValueError, match="ttl"):
        issuer.admin(ttl=0)


def test_token_command_prints_the_token_alone_on_its_last_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli.toolchain, "DATA_DIR", tmp_path)
    monkeypatch.setenv("ISSUER_PORT", "4999")
    assert cli.main(["token", "--customer", "01J0CUSTOMER0000000000000A", "--ttl", "120"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    key = DevKeys(tmp_path / "auth" / "keys").signing_key()[1].public_key()
    claims = jwt.decode(token, key, algorithms=["ES256"], audience=AUDIENCE, issuer="http://127.0.0.1:4999")
    assert claims["sub"] == "01J0CUSTOMER0000000000000A"
    assert claims["roles"] == ["customer"]
    assert claims["exp"] - claims["iat"] == 120
    for flag, role in (("--operator", "operator"), ("--admin", "admin")):
        assert cli.main(["token", flag]) == 0
        token = capsys.readouterr().out.strip().splitlines()[-1]
        assert jwt.decode(token, options={"verify_signature": False})["roles"] == [role]


@pytest.mark.parametrize(
    "argv", [["token"], ["token", "--admin", "--operator"], ["token", "--admin", "--ttl", "0"]]
)
def test_token_command_refuses_unclear_requests(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2


def test_the_dev_keys_can_never_be_committed() -> None:
    """They live under .data/, which git ignores: `git add -A` cannot pick them up."""
    from devstack import toolchain

    key_file = toolchain.DATA_DIR / "auth" / "keys" / "01J0EXAMPLE.pem"
    ignored = subprocess.run(
        ["git", "check-ignore", "--quiet", str(key_file)], cwd=toolchain.REPO_ROOT, check=False
    )
    assert ignored.returncode == 0
