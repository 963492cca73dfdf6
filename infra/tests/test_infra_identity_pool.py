"""Identity: the Cognito user pool that issues the tokens, its groups and its frontend client."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from aws_cdk import App, Environment
from aws_cdk.assertions import Match, Template
from infra.assembly import SynthesizedStack, only, render
from infra.config import environments
from infra.stacks.identity import IdentityStack
from kit.core.principal import Role

from infra import nag

ENVIRONMENTS = ("dev", "prod")
POOL = "AWS::Cognito::UserPool"
CLIENT = "AWS::Cognito::UserPoolClient"
THIRTY_DAYS_IN_MINUTES = 30 * 24 * 60


# -- the user pool -----------------------------------------------------------------------------------
@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_one_user_pool_signing_in_by_email_with_a_strong_password_policy(
    env: str, template: Callable[[str], Template]
) -> None:
    pools = template(f"{env}/identity")
    pools.resource_count_is(POOL, 1)
    pools.has_resource_properties(
        POOL,
        {
            "UserPoolName": f"portfolio-{env}-users",
            "UsernameAttributes": ["email"],  # the e-mail address is the sign-in name
            "UsernameConfiguration": {"CaseSensitive": False},
            "AutoVerifiedAttributes": ["email"],
            "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": ["email"]},
            "Schema": [{"Name": "email", "Required": True, "Mutable": True}],
            "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": False},  # self sign-up: customers
            "Policies": {
                "PasswordPolicy": {
                    "MinimumLength": 12,
                    "RequireLowercase": True,
                    "RequireUppercase": True,
                    "RequireNumbers": True,
                    "RequireSymbols": True,
                    "PasswordHistorySize": 5,
                    "TemporaryPasswordValidityDays": 3,
                }
            },
            "AccountRecoverySetting": {"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]},
        },
    )


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_mfa_is_optional_and_totp_only(env: str, template: Callable[[str], Template]) -> None:
    template(f"{env}/identity").has_resource_properties(
        POOL, {"MfaConfiguration": "OPTIONAL", "EnabledMfas": ["SOFTWARE_TOKEN_MFA"]}
    )
    # no SMS: no role for Cognito to send texts with
    template(f"{env}/identity").resource_count_is("AWS::IAM::Role", 0)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_pool_is_on_essentials_without_paid_threat_protection_by_default(
    env: str, identity: Callable[[str], SynthesizedStack]
) -> None:
    (pool,) = identity(env).properties(POOL)
    assert pool["UserPoolTier"] == "ESSENTIALS"  # password history needs it; free to 10,000 MAU
    assert "UserPoolAddOns" not in pool  # threat protection is the Plus plan's


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_pool_survives_like_the_tables(env: str, template: Callable[[str], Template]) -> None:
    """Self-registered customers' ids in the (retained) tables are the pool's `sub`s."""
    template(f"{env}/identity").has_resource(
        POOL,
        {
            "Properties": Match.object_like({"DeletionProtection": "ACTIVE"}),
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )
    template(f"{env}/data").has_resource(
        "AWS::DynamoDB::GlobalTable",
        {
            "Properties": Match.object_like(
                {"Replicas": [Match.object_like({"DeletionProtectionEnabled": True})]}
            ),
            "DeletionPolicy": "Retain",
        },
    )


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_three_groups_are_the_roles_the_services_know(
    env: str, identity: Callable[[str], SynthesizedStack]
) -> None:
    stack = identity(env)
    pool = only(stack, POOL)
    groups = {p["GroupName"]: p for p in stack.properties("AWS::Cognito::UserPoolGroup")}
    assert set(groups) == {"customer", "operator", "admin"} == {role.value for role in Role}
    for group in groups.values():
        assert group["UserPoolId"] == {"Ref": pool}
        assert "RoleArn" not in group  # groups are roles in our tokens, not AWS credentials


# -- the frontend client -----------------------------------------------------------------------------
@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_one_public_frontend_client_signing_in_with_srp(
    env: str, template: Callable[[str], Template], identity: Callable[[str], SynthesizedStack]
) -> None:
    clients = template(f"{env}/identity")
    clients.resource_count_is(CLIENT, 1)
    clients.has_resource_properties(
        CLIENT,
        {
            "ClientName": f"portfolio-{env}-frontend",
            "UserPoolId": {"Ref": only(identity(env), POOL)},
            "GenerateSecret": False,  # it runs in the browser: a secret there is no secret
            "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            "AllowedOAuthFlowsUserPoolClient": False,  # no hosted UI, no implicit flow
            "SupportedIdentityProviders": ["COGNITO"],
            "PreventUserExistenceErrors": "ENABLED",
            "EnableTokenRevocation": True,
        },
    )
    (client,) = identity(env).properties(CLIENT)
    assert "AllowedOAuthFlows" not in client and "CallbackURLs" not in client


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_tokens_live_an_hour_and_refresh_tokens_thirty_days(
    env: str, identity: Callable[[str], SynthesizedStack]
) -> None:
    (client,) = identity(env).properties(CLIENT)
    units = client["TokenValidityUnits"]
    to_minutes = {"minutes": 1, "hours": 60, "days": 24 * 60}
    id_token = client["IdTokenValidity"] * to_minutes[units["IdToken"]]
    access_token = client["AccessTokenValidity"] * to_minutes[units["AccessToken"]]
    refresh_token = client["RefreshTokenValidity"] * to_minutes[units["RefreshToken"]]
    assert 5 <= id_token <= 60
    assert 5 <= access_token <= 60
    assert refresh_token == THIRTY_DAYS_IN_MINUTES


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_outputs_name_the_pool_the_client_and_the_issuer(
    env: str, template: Callable[[str], Template], identity: Callable[[str], SynthesizedStack]
) -> None:
    stack = identity(env)
    pool, client = only(stack, POOL), only(stack, CLIENT)
    outputs = template(f"{env}/identity")
    outputs.has_output("UserPoolId", {"Value": {"Ref": pool}})
    outputs.has_output("UserPoolClientId", {"Value": {"Ref": client}})
    issuer = stack.template["Outputs"]["IssuerUrl"]["Value"]
    assert render(issuer, {pool: "<pool id>"}) == "https://cognito-idp.us-east-1.amazonaws.com/<pool id>"


# -- threat protection, when an operator chooses the Plus plan ----------------------------------------
def test_threat_protection_moves_the_pool_to_plus_and_enforces_it(tmp_path: Path) -> None:
    config = dataclasses.replace(environments({})["prod"], threat_protection=True, self_sign_up=False)
    app = App(outdir=str(tmp_path))
    stack = IdentityStack(
        app, "identity", config=config, env=Environment(account="111111111111", region="us-east-1")
    )
    nag.apply(app)
    app.synth()
    pools = Template.from_stack(stack)
    pools.has_resource_properties(
        POOL,
        {
            "UserPoolTier": "PLUS",
            "UserPoolAddOns": {"AdvancedSecurityMode": "ENFORCED"},
            "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True},
        },
    )
    report = json.loads((tmp_path / "validation-report.json").read_text())
    (solutions,) = [p for p in report["pluginReports"] if p["pluginName"] == "AwsSolutions"]
    assert solutions["violations"] == []
    # on Plus, the plan needs no acknowledgment: only optional MFA remains a decision
    assert [v["ruleName"] for v in solutions["suppressedViolations"]] == ["AwsSolutions-COG2"]
