"""Identity: the Cognito user pool that issues the tokens, its groups and frontend client, and how
every app container is told to verify those tokens; only the router is reachable from outside."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment
from aws_cdk.assertions import Match, Template
from infra.assembly import SynthesizedStack
from infra.config import environments
from infra.stacks.identity import IdentityStack
from kit.core.principal import Role
from kit.web.tokens import AuthSettings

from infra import nag

SUBGRAPHS = ("customers", "portfolios", "assets")
SERVICES = (*SUBGRAPHS, "router")
ENVIRONMENTS = ("dev", "prod")
POOL = "AWS::Cognito::UserPool"
CLIENT = "AWS::Cognito::UserPoolClient"
THIRTY_DAYS_IN_MINUTES = 30 * 24 * 60


# -- reading templates -------------------------------------------------------------------------------
def only(stack: SynthesizedStack, resource_type: str) -> str:
    """Logical id of the one resource of `resource_type` in `stack`."""
    (logical_id,) = stack.resources(resource_type)
    return logical_id


def app_environment(stack: SynthesizedStack, service: str) -> dict[str, Any]:
    (service_properties,) = [p for p in stack.properties("AWS::ECS::Service") if p["ServiceName"] == service]
    definition = stack.template["Resources"][service_properties["TaskDefinition"]["Ref"]]["Properties"]
    (app,) = [c for c in definition["ContainerDefinitions"] if c["Name"] == "app"]
    return {item["Name"]: item["Value"] for item in app.get("Environment", [])}


def resolve(stacks: dict[str, SynthesizedStack], value: Any) -> tuple[Any, set[str]]:
    """`value` with each Fn::GetStackOutput replaced by that output's value in the stack producing it,
    and the names of the stacks it came from."""
    by_name = {stack.stack_name: stack for stack in stacks.values()}
    producers: set[str] = set()

    def walk(item: Any) -> Any:
        if isinstance(item, dict) and set(item) == {"Fn::GetStackOutput"}:
            output = item["Fn::GetStackOutput"]
            producers.add(output["StackName"])
            return walk(by_name[output["StackName"]].template["Outputs"][output["OutputName"]]["Value"])
        if isinstance(item, dict):
            return {key: walk(inner) for key, inner in item.items()}
        if isinstance(item, list):
            return [walk(inner) for inner in item]
        return item

    return walk(value), producers


def render(expression: Any, names: dict[str, str]) -> str:
    """A CloudFormation string expression as text, each Ref written as `names[logical id]`."""
    if isinstance(expression, str):
        return expression
    if set(expression) == {"Ref"}:
        return names[expression["Ref"]]
    delimiter, parts = expression["Fn::Join"]
    return str(delimiter).join(render(part, names) for part in parts)


@pytest.fixture(scope="module")
def identity(stacks: dict[str, SynthesizedStack]) -> Callable[[str], SynthesizedStack]:
    return lambda env: stacks[f"{env}/identity"]


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


# -- every app container verifies tokens of that pool ------------------------------------------------
@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize("service", SERVICES)
def test_every_app_container_verifies_the_pools_id_tokens(
    env: str, service: str, stacks: dict[str, SynthesizedStack], identity: Callable[[str], SynthesizedStack]
) -> None:
    pool_stack = identity(env)
    pool, client = only(pool_stack, POOL), only(pool_stack, CLIENT)
    names = {pool: "<pool id>", client: "<client id>"}
    variables = app_environment(stacks[f"{env}/services"], service)
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
    dev = app_environment(stacks["dev/services"], "router")
    assert dev["ROUTER_CORS_ORIGINS"] == ",".join(given.dev_cors_origins)
    for variable, value in given.dev_router_limits:
        assert dev[variable] == str(value)


def test_without_configuration_the_router_admits_no_origin_and_keeps_its_own_limits(
    stacks: dict[str, SynthesizedStack],
) -> None:
    prod = app_environment(stacks["prod/services"], "router")
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
            for name, value in app_environment(stacks[f"{env}/services"], service).items():
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


# -- only the router is reachable from the internet ---------------------------------------------------
def _internet_ingress(stack: SynthesizedStack) -> set[str]:
    """Logical ids of the security groups in `stack` that admit any address on the internet."""

    def from_anywhere(rule: dict[str, Any]) -> bool:
        return rule.get("CidrIp") == "0.0.0.0/0" or rule.get("CidrIpv6") == "::/0"

    groups = {
        logical_id
        for logical_id, group in stack.resources("AWS::EC2::SecurityGroup").items()
        if any(from_anywhere(rule) for rule in group["Properties"].get("SecurityGroupIngress", []))
    }
    groups |= {
        rule["GroupId"]["Fn::GetAtt"][0]
        for rule in stack.properties("AWS::EC2::SecurityGroupIngress")
        if from_anywhere(rule)
    }
    return groups


def _is_private_subnet(network: SynthesizedStack, subnet: dict[str, Any]) -> bool:
    """No public IPs on launch, and the default route leaves through a NAT gateway, not the IGW."""
    resources = network.template["Resources"]
    properties = resources[subnet["Ref"]]["Properties"]
    (route_table,) = [
        association["RouteTableId"]
        for association in network.properties("AWS::EC2::SubnetRouteTableAssociation")
        if association["SubnetId"] == subnet
    ]
    (default_route,) = [
        route
        for route in network.properties("AWS::EC2::Route")
        if route["RouteTableId"] == route_table and route.get("DestinationCidrBlock") == "0.0.0.0/0"
    ]
    return (
        properties["MapPublicIpOnLaunch"] is False
        and "NatGatewayId" in default_route
        and ("GatewayId" not in default_route)
    )


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_only_the_router_is_reachable_from_the_internet(
    env: str, stacks: dict[str, SynthesizedStack]
) -> None:
    """The subgraphs trust no network path (each verifies every token), and no path from the internet
    reaches them anyway: the ALB is the only thing open to the internet, it forwards to the router
    alone, every task runs in a private subnet without a public IP, and each subgraph admits only the
    router's security group (through Service Connect, in a namespace without public DNS)."""
    services = stacks[f"{env}/services"]
    network = stacks[f"{env}/network"]
    (balancer,) = services.properties("AWS::ElasticLoadBalancingV2::LoadBalancer")
    (alb_group,) = [group["Fn::GetAtt"][0] for group in balancer["SecurityGroups"]]
    open_groups = {
        (stack.display_name, group)
        for stack in stacks.values()
        if stack.display_name.startswith(f"{env}/")
        for group in _internet_ingress(stack)
    }
    assert open_groups == {(f"{env}/services", alb_group)}

    (target_group,) = services.resources("AWS::ElasticLoadBalancingV2::TargetGroup")
    registered = {
        properties["ServiceName"]: [lb["TargetGroupArn"] for lb in properties["LoadBalancers"]]
        for properties in services.properties("AWS::ECS::Service")
    }
    assert registered == {"router": [{"Ref": target_group}], **{name: [] for name in SUBGRAPHS}}

    groups = {
        properties["ServiceName"]: properties["NetworkConfiguration"]["AwsvpcConfiguration"]
        for properties in services.properties("AWS::ECS::Service")
    }
    router_group = groups["router"]["SecurityGroups"][0]
    for name in SERVICES:
        placement = groups[name]
        assert placement["AssignPublicIp"] == "DISABLED", name
        for subnet in placement["Subnets"]:
            resolved, producers = resolve(stacks, subnet)
            assert producers == {f"portfolio-{env}-network"}
            assert _is_private_subnet(network, resolved), (name, resolved)
    for name in SUBGRAPHS:
        own = groups[name]["SecurityGroups"][0]["Fn::GetAtt"][0]
        rules = list(services.template["Resources"][own]["Properties"].get("SecurityGroupIngress", []))
        rules += [
            rule
            for rule in services.properties("AWS::EC2::SecurityGroupIngress")
            if rule["GroupId"] == {"Fn::GetAtt": [own, "GroupId"]}
        ]
        assert [rule.get("SourceSecurityGroupId") for rule in rules] == [router_group], name
        assert not any("CidrIp" in rule or "CidrIpv6" in rule for rule in rules), name
    assert services.resources("AWS::ServiceDiscovery::HttpNamespace")
    for stack in stacks.values():
        assert not stack.resources("AWS::ServiceDiscovery::PublicDnsNamespace"), stack.display_name


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
