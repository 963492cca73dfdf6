"""The edge: an API Gateway HTTP API is the public entrance. It checks the Cognito token the router
checks again, throttles, logs every request as JSON with the id the router logs, admits the
router's browser origins, and reaches the router's internal ALB through a VPC link only."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template
from infra.assembly import SynthesizedStack, environment, ingress_to, only, resolve
from infra.config import DEFAULTS, environments

ENVIRONMENTS = ("dev", "prod")
GRAPHQL_ROUTES = ("POST /graphql", "GET /graphql")
PROBE_ROUTES = ("GET /healthcheck", "GET /readiness")


def _routes(stack: SynthesizedStack) -> dict[str, dict[str, Any]]:
    return {route["RouteKey"]: route for route in stack.properties("AWS::ApiGatewayV2::Route")}


def _stage(stack: SynthesizedStack) -> dict[str, Any]:
    (stage,) = stack.properties("AWS::ApiGatewayV2::Stage")
    return stage


# -- routes and the authorizer -------------------------------------------------------------------
@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_graphql_needs_a_cognito_token_and_the_probes_do_not(
    env: str, stacks: dict[str, SynthesizedStack]
) -> None:
    services = stacks[f"{env}/services"]
    authorizer_id = only(services, "AWS::ApiGatewayV2::Authorizer")
    routes = _routes(services)
    assert set(routes) == {*GRAPHQL_ROUTES, *PROBE_ROUTES}  # no $default, no ANY /{proxy+}
    for key in GRAPHQL_ROUTES:
        assert routes[key]["AuthorizationType"] == "JWT", key
        assert routes[key]["AuthorizerId"] == {"Ref": authorizer_id}, key
    for key in PROBE_ROUTES:
        assert routes[key]["AuthorizationType"] == "NONE", key
        assert "AuthorizerId" not in routes[key], key


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_authorizer_trusts_the_issuer_and_audience_the_router_trusts(
    env: str, stacks: dict[str, SynthesizedStack]
) -> None:
    services = stacks[f"{env}/services"]
    (authorizer,) = services.properties("AWS::ApiGatewayV2::Authorizer")
    assert authorizer["AuthorizerType"] == "JWT"
    assert authorizer["IdentitySource"] == ["$request.header.Authorization"]
    jwt, producers = resolve(stacks, authorizer["JwtConfiguration"])
    assert producers == {f"portfolio-{env}-identity"}
    router = environment(services, "router")
    assert jwt["Issuer"] == resolve(stacks, router["AUTH_ISSUER"])[0]
    assert jwt["Audience"] == [resolve(stacks, router["AUTH_AUDIENCE"])[0]]
    # the issuer is the identity stack's user pool, the audience its app client
    identity = stacks[f"{env}/identity"]
    assert jwt["Issuer"] == {
        "Fn::Join": [
            "",
            [
                "https://cognito-idp.us-east-1.amazonaws.com/",
                {"Ref": only(identity, "AWS::Cognito::UserPool")},
            ],
        ]
    }
    assert jwt["Audience"] == [{"Ref": only(identity, "AWS::Cognito::UserPoolClient")}]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_route_goes_to_the_internal_alb_through_the_vpc_link_with_the_request_id(
    env: str, stacks: dict[str, SynthesizedStack]
) -> None:
    services = stacks[f"{env}/services"]
    integration_id = only(services, "AWS::ApiGatewayV2::Integration")
    integration = services.template["Resources"][integration_id]["Properties"]
    assert integration["ConnectionType"] == "VPC_LINK"
    assert integration["ConnectionId"] == {"Ref": only(services, "AWS::ApiGatewayV2::VpcLink")}
    assert integration["IntegrationUri"] == {"Ref": only(services, "AWS::ElasticLoadBalancingV2::Listener")}
    # the router logs x-request-id: the same id as the access log's requestId
    assert integration["RequestParameters"] == {"overwrite:header.x-request-id": "$context.requestId"}
    for key, route in _routes(services).items():
        assert route["Target"] == {"Fn::Join": ["", ["integrations/", {"Ref": integration_id}]]}, key


# -- throttling and access logs ---------------------------------------------------------------------
@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_stage_throttles_every_route_and_graphql_more(
    env: str, stacks: dict[str, SynthesizedStack]
) -> None:
    config = DEFAULTS[env]
    stage = _stage(stacks[f"{env}/services"])
    assert (stage["StageName"], stage["AutoDeploy"]) == ("$default", True)
    assert stage["DefaultRouteSettings"] == {
        "ThrottlingBurstLimit": config.edge_burst_limit,
        "ThrottlingRateLimit": config.edge_rate_limit,
    }
    graphql = {
        "ThrottlingBurstLimit": config.graphql_burst_limit,
        "ThrottlingRateLimit": config.graphql_rate_limit,
    }
    assert stage["RouteSettings"] == dict.fromkeys(GRAPHQL_ROUTES, graphql)
    assert config.graphql_rate_limit < config.edge_rate_limit
    assert config.graphql_burst_limit < config.edge_burst_limit


def test_throttling_comes_from_configuration() -> None:
    configs = environments(
        {"dev.graphqlRateLimit": "7", "dev.graphqlBurstLimit": "9", "dev.edgeRateLimit": "11"}
    )
    assert (configs["dev"].graphql_rate_limit, configs["dev"].graphql_burst_limit) == (7, 9)
    assert configs["dev"].edge_rate_limit == 11


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_access_logs_are_json_lines_with_the_request_ids_and_timings(
    env: str, stacks: dict[str, SynthesizedStack]
) -> None:
    services = stacks[f"{env}/services"]
    settings = _stage(services)["AccessLogSettings"]
    (log_group_id,) = [
        logical_id
        for logical_id in services.resources("AWS::Logs::LogGroup")
        if logical_id.startswith("EdgeAccessLogs")
    ]
    assert settings["DestinationArn"] == {"Fn::GetAtt": [log_group_id, "Arn"]}
    line = json.loads(settings["Format"])
    assert line["requestId"] == "$context.requestId"
    assert line["extendedRequestId"] == "$context.extendedRequestId"
    assert line["ip"] == "$context.identity.sourceIp"
    assert line["routeKey"] == "$context.routeKey"
    assert line["status"] == "$context.status"
    assert line["latency"] == "$context.responseLatency"
    assert line["integrationLatency"] == "$context.integrationLatency"
    # why the edge refused (a bad token) is in the line too
    assert line["authorizerError"] == "$context.authorizer.error"
    retention = services.template["Resources"][log_group_id]["Properties"]["RetentionInDays"]
    assert retention == DEFAULTS[env].log_retention_days


# -- CORS ------------------------------------------------------------------------------------------
def test_cors_admits_the_routers_origins_exactly(stacks: dict[str, SynthesizedStack], given: Any) -> None:
    services = stacks["dev/services"]
    (api,) = services.properties("AWS::ApiGatewayV2::Api")
    router_origins = environment(services, "router")["ROUTER_CORS_ORIGINS"].split(",")
    cors = api["CorsConfiguration"]
    assert cors["AllowOrigins"] == router_origins == list(given.dev_cors_origins)
    assert cors["AllowMethods"] == ["GET", "POST"]
    assert cors["AllowCredentials"] is False  # bearer tokens, never cookies, as at the router
    assert cors["ExposeHeaders"] == ["x-request-id"]
    # a browser's preflight for a token-bearing JSON POST is admitted
    assert {"authorization", "content-type"} <= set(cors["AllowHeaders"])
    assert cors["MaxAge"] == 600
    assert "*" not in json.dumps(cors)


def test_without_origins_no_browser_origin_is_admitted(stacks: dict[str, SynthesizedStack]) -> None:
    services = stacks["prod/services"]
    (api,) = services.properties("AWS::ApiGatewayV2::Api")
    assert "CorsConfiguration" not in api
    assert "ROUTER_CORS_ORIGINS" not in environment(services, "router")


# -- the custom domain -----------------------------------------------------------------------------
def test_prod_serves_its_custom_domain_with_the_configured_certificate(
    template: Callable[[str], Template], stacks: dict[str, SynthesizedStack], given: Any
) -> None:
    template("prod/services").has_resource_properties(
        "AWS::ApiGatewayV2::DomainName",
        {
            "DomainName": given.prod_domain,
            "DomainNameConfigurations": [
                Match.object_like(
                    {
                        "CertificateArn": given.prod_certificate,
                        "EndpointType": "REGIONAL",
                        "SecurityPolicy": "TLS_1_2",
                    }
                )
            ],
        },
    )
    services = stacks["prod/services"]
    (mapping,) = services.properties("AWS::ApiGatewayV2::ApiMapping")
    assert mapping["Stage"] == "$default"
    assert mapping["DomainName"] == {"Ref": only(services, "AWS::ApiGatewayV2::DomainName")}
    outputs = services.template["Outputs"]
    assert outputs["ApiUrl"]["Value"] == f"https://{given.prod_domain}"
    assert outputs["GraphqlUrl"]["Value"] == f"https://{given.prod_domain}/graphql"


def test_dev_has_no_custom_domain_and_outputs_the_execute_api_url(
    stacks: dict[str, SynthesizedStack],
) -> None:
    services = stacks["dev/services"]
    assert not services.resources("AWS::ApiGatewayV2::DomainName")
    assert not services.resources("AWS::ApiGatewayV2::ApiMapping")
    endpoint = {"Fn::GetAtt": [only(services, "AWS::ApiGatewayV2::Api"), "ApiEndpoint"]}
    outputs = services.template["Outputs"]
    assert outputs["ApiUrl"]["Value"] == endpoint
    assert outputs["GraphqlUrl"]["Value"] == {"Fn::Join": ["", [endpoint, "/graphql"]]}


# -- nothing else is public ------------------------------------------------------------------------
@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_alb_is_internal_and_admits_the_vpc_link_alone(
    env: str, stacks: dict[str, SynthesizedStack]
) -> None:
    services = stacks[f"{env}/services"]
    (balancer,) = services.properties("AWS::ElasticLoadBalancingV2::LoadBalancer")
    assert balancer["Scheme"] == "internal"
    subnets, _ = resolve(stacks, balancer["Subnets"])
    (link,) = services.properties("AWS::ApiGatewayV2::VpcLink")
    assert subnets == resolve(stacks, link["SubnetIds"])[0]  # the private subnets
    (alb_group,) = [group["Fn::GetAtt"][0] for group in balancer["SecurityGroups"]]
    (link_group,) = [group["Fn::GetAtt"][0] for group in link["SecurityGroupIds"]]
    rules = ingress_to(services, alb_group)
    assert [(rule.get("SourceSecurityGroupId"), rule.get("CidrIp"), rule["FromPort"]) for rule in rules] == [
        ({"Fn::GetAtt": [link_group, "GroupId"]}, None, 80)
    ]
    # the link's interfaces may call the ALB's listener and nothing else
    egress = services.template["Resources"][link_group]["Properties"].get("SecurityGroupEgress", [])
    assert all(rule.get("CidrIp") != "0.0.0.0/0" for rule in egress)
    link_egress = [
        rule
        for rule in services.properties("AWS::EC2::SecurityGroupEgress")
        if rule["GroupId"] == {"Fn::GetAtt": [link_group, "GroupId"]}
    ]
    assert [(rule["DestinationSecurityGroupId"], rule["FromPort"]) for rule in link_egress] == [
        ({"Fn::GetAtt": [alb_group, "GroupId"]}, 80)
    ]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_api_is_the_only_public_entrance(env: str, stacks: dict[str, SynthesizedStack]) -> None:
    in_env = [stack for stack in stacks.values() if stack.display_name.startswith(f"{env}/")]
    apis = [
        (stack.display_name, api["ProtocolType"])
        for stack in in_env
        for api in stack.properties("AWS::ApiGatewayV2::Api")
    ]
    assert apis == [(f"{env}/services", "HTTP")]
    for stack in in_env:
        for balancer in stack.properties("AWS::ElasticLoadBalancingV2::LoadBalancer"):
            assert balancer["Scheme"] == "internal", stack.display_name
        assert not stack.resources("AWS::ApiGateway::RestApi"), stack.display_name
        assert not stack.resources("AWS::CloudFront::Distribution"), stack.display_name
        if stack.display_name != f"{env}/network":  # the NAT gateways' addresses are outbound only
            assert not stack.resources("AWS::EC2::EIP"), stack.display_name
