"""Identity: every app container is told to verify the pool's ID tokens, and no secret or token is
a plain environment variable or a logged request."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from infra.assembly import SynthesizedStack, environment, only, render, resolve
from infra.topology import TOPOLOGY
from kit.core.principal import Role
from kit.web.tokens import AuthSettings

SUBGRAPHS = TOPOLOGY.names
SERVICES = (*SUBGRAPHS, "router")
ENVIRONMENTS = ("dev", "prod")
POOL = "AWS::Cognito::UserPool"
CLIENT = "AWS::Cognito::UserPoolClient"


# -- every app container verifies tokens of that pool ------------------------------------------------
@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize("service", SERVICES)
def test_every_app_container_verifies_the_pools_id_tokens(
    env: str, service: str, stacks: dict[str, SynthesizedStack], identity: Callable[[str], SynthesizedStack]
) -> None:
    pool_stack = identity(env)
    pool, client = only(pool_stack, POOL), only(pool_stack, CLIENT)
    names = {pool: "<pool id>", client: "<client id>"}
    variables = environment(stacks[f"{env}/services"], service)
    auth = {name: value for name, value in variables.items() if name.startswith("AUTH_")}
    # exactly the settings kit.web.tokens.AuthSettings reads (its defaults cover the rest)
    assert {name.removeprefix("AUTH_").lower() for name in auth} <= set(AuthSettings.model_fields)

    issuer, producers = resolve(stacks, auth["AUTH_ISSUER"])
    jwks_url, _ = resolve(stacks, auth["AUTH_JWKS_URL"])
    audience, audience_producers = resolve(stacks, auth["AUTH_AUDIENCE"])
    # CloudFormation references to this environment's pool and client, not literals
    assert producers == audience_producers == {f"portfolio-{env}-identity"}
    assert issuer == pool_stack.template["Outputs"]["IssuerUrl"]["Value"]
    assert render(issuer, names) == "https://cognito-idp.us-east-1.amazonaws.com/<pool id>"
    assert render(jwks_url, names) == f"{render(issuer, names)}/.well-known/jwks.json"
    assert audience == {"Ref": client}  # the ID token's `aud`
    assert auth["AUTH_ROLES_CLAIM"] == "cognito:groups"
    assert auth["AUTH_DEFAULT_ROLE"] == "customer" == Role.CUSTOMER.value
    assert set(auth) == {
        "AUTH_ISSUER",
        "AUTH_JWKS_URL",
        "AUTH_AUDIENCE",
        "AUTH_ROLES_CLAIM",
        "AUTH_DEFAULT_ROLE",
    }


def test_the_services_stack_deploys_after_the_identity_stack(cloud_assembly: Path) -> None:
    for env in ENVIRONMENTS:
        manifest = json.loads((cloud_assembly / f"assembly-{env}" / "manifest.json").read_text())
        artifacts = manifest["artifacts"]
        (services,) = [a for a in artifacts.values() if a.get("displayName") == f"{env}/services"]
        (identity_id,) = [key for key, a in artifacts.items() if a.get("displayName") == f"{env}/identity"]
        assert identity_id in services["dependencies"]


# -- the router: production profile, CORS and limits from configuration ------------------------------
def test_cors_origins_and_limits_given_for_an_environment_reach_its_router(
    stacks: dict[str, SynthesizedStack], given: Any
) -> None:
    dev = environment(stacks["dev/services"], "router")
    assert dev["ROUTER_CORS_ORIGINS"] == ",".join(given.dev_cors_origins)
    for variable, value in given.dev_router_limits:
        assert dev[variable] == str(value)


def test_without_configuration_the_router_admits_no_origin_and_keeps_its_own_limits(
    stacks: dict[str, SynthesizedStack],
) -> None:
    prod = environment(stacks["prod/services"], "router")
    assert "ROUTER_CORS_ORIGINS" not in prod
    assert sorted(name for name in prod if name.startswith("ROUTER_")) == [
        "ROUTER_HOST",
        "ROUTER_PORT",
        "ROUTER_PROFILE",
        "ROUTER_TRUSTED_DOCUMENTS_ONLY",
    ]


# -- no secrets, no logged tokens ----------------------------------------------------------------------
def test_no_secret_or_token_is_a_plain_environment_variable(stacks: dict[str, SynthesizedStack]) -> None:
    jwt = re.compile(r"eyJ[\w-]+\.[\w-]+\.")
    checked = 0
    for env in ENVIRONMENTS:
        for service in SERVICES:
            for name, value in environment(stacks[f"{env}/services"], service).items():
                checked += 1
                assert not jwt.search(json.dumps(value)), (env, service, name)
                if re.search(r"SECRET|PASSWORD|TOKEN|KEY", name):
                    # only the id (ARN) of a secret, as a reference the service resolves itself
                    assert name.endswith("_SECRET_ID") and isinstance(value, dict), (env, service, name)
    assert checked > 80


def test_no_proxy_logs_requests(stacks: dict[str, SynthesizedStack]) -> None:
    """Service Connect's Envoy proxies log their own events only: no access log of requests."""
    for env in ENVIRONMENTS:
        services = stacks[f"{env}/services"].properties("AWS::ECS::Service")
        assert len(services) == 4
        for service in services:
            connect = service["ServiceConnectConfiguration"]
            assert "AccessLogConfiguration" not in connect, service["ServiceName"]
