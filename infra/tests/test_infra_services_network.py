"""Services stack: who can reach whom (security groups, the ALB and its listeners), how each task is
checked, and how the router finds the subgraphs (Service Connect)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from aws_cdk.assertions import Match, Template
from devstack.config import DEFAULT_PORTS
from infra.assembly import SynthesizedStack, container, environment, ingress_to, local_group, services_of
from infra.topology import TOPOLOGY

SUBGRAPHS = TOPOLOGY.names
SERVICES = (*SUBGRAPHS, "router")
ENVIRONMENTS = ("dev", "prod")


# -- exposure --------------------------------------------------------------------------------------
@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_subgraphs_have_no_load_balancer_and_no_public_ip(
    env: str, stacks: dict[str, SynthesizedStack]
) -> None:
    services = services_of(stacks[f"{env}/services"])
    assert set(services) == set(SERVICES)
    for name in SUBGRAPHS:
        assert services[name]["LoadBalancers"] == [], name
        assert services[name]["NetworkConfiguration"]["AwsvpcConfiguration"]["AssignPublicIp"] == "DISABLED"
        assert services[name]["LaunchType"] == "FARGATE"
    router = services["router"]
    assert router["NetworkConfiguration"]["AwsvpcConfiguration"]["AssignPublicIp"] == "DISABLED"
    assert [(lb["ContainerName"], lb["ContainerPort"]) for lb in router["LoadBalancers"]] == [("app", 4000)]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_each_subgraph_admits_only_the_router_on_its_own_port(
    env: str, stacks: dict[str, SynthesizedStack]
) -> None:
    stack = stacks[f"{env}/services"]
    router_group = local_group(stack, "router")
    for name in SUBGRAPHS:
        rules = ingress_to(stack, local_group(stack, name))
        assert [
            (rule.get("SourceSecurityGroupId"), rule.get("CidrIp"), rule["FromPort"], rule["ToPort"])
            for rule in rules
        ] == [({"Fn::GetAtt": [router_group, "GroupId"]}, None, DEFAULT_PORTS[name], DEFAULT_PORTS[name])], (
            name
        )


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_router_admits_only_the_load_balancer(env: str, stacks: dict[str, SynthesizedStack]) -> None:
    stack = stacks[f"{env}/services"]
    (balancer,) = stack.properties("AWS::ElasticLoadBalancingV2::LoadBalancer")
    assert balancer["Scheme"] == "internal"
    (alb_group,) = balancer["SecurityGroups"]
    rules = ingress_to(stack, local_group(stack, "router"))
    assert [(rule["SourceSecurityGroupId"], rule["FromPort"], rule["ToPort"]) for rule in rules] == [
        (alb_group, 4000, 4000)
    ]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_internal_alb_serves_http_alone_tls_ends_at_the_api(
    env: str, template: Callable[[str], Template]
) -> None:
    """A certificate (prod's) goes on the API's custom domain, never on the internal ALB."""
    services = template(f"{env}/services")
    services.resource_count_is("AWS::ElasticLoadBalancingV2::Listener", 1)
    services.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {
            "Port": 80,
            "Protocol": "HTTP",
            "Certificates": Match.absent(),
            "DefaultActions": [Match.object_like({"Type": "forward"})],
        },
    )


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_alb_logs_access_and_drops_invalid_headers(env: str, template: Callable[[str], Template]) -> None:
    template(f"{env}/services").has_resource_properties(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {
            "LoadBalancerAttributes": Match.array_with(
                [
                    {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"},
                    {"Key": "access_logs.s3.enabled", "Value": "true"},
                ]
            )
        },
    )


# -- health checks ---------------------------------------------------------------------------------
@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_load_balancer_checks_the_routers_readiness(
    env: str, template: Callable[[str], Template]
) -> None:
    template(f"{env}/services").has_resource_properties(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        {"HealthCheckPath": "/readiness", "Matcher": {"HttpCode": "200"}, "Port": 4000, "TargetType": "ip"},
    )


@pytest.mark.parametrize("name", SUBGRAPHS)
def test_subgraph_containers_check_their_health_endpoint(name: str, prod: SynthesizedStack) -> None:
    command = container(prod, name)["HealthCheck"]["Command"]
    assert command[:2] == ["CMD", "python"]
    assert f"http://127.0.0.1:{DEFAULT_PORTS[name]}/health'" in command[-1]


def test_router_container_checks_its_liveness(prod: SynthesizedStack) -> None:
    (check,) = container(prod, "router")["HealthCheck"]["Command"][1:]
    assert "curl -fsS http://127.0.0.1:4000/healthcheck" in check


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_failed_deployments_roll_back(env: str, stacks: dict[str, SynthesizedStack]) -> None:
    for name, service in services_of(stacks[f"{env}/services"]).items():
        configuration = service["DeploymentConfiguration"]
        assert configuration["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}, name
        assert configuration["MinimumHealthyPercent"] == 100


# -- service connect -------------------------------------------------------------------------------
@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_subgraphs_are_named_in_service_connect_and_the_router_is_a_client(
    env: str, stacks: dict[str, SynthesizedStack]
) -> None:
    services = services_of(stacks[f"{env}/services"])
    for name in SUBGRAPHS:
        connect = services[name]["ServiceConnectConfiguration"]
        assert connect["Enabled"] is True
        (advertised,) = connect["Services"]
        assert advertised["PortName"] == "http"
        assert advertised["ClientAliases"] == [{"DnsName": name, "Port": DEFAULT_PORTS[name]}]
    router = services["router"]["ServiceConnectConfiguration"]
    assert router["Enabled"] is True
    assert "Services" not in router


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_router_reaches_each_subgraph_by_its_service_connect_name(
    env: str, stacks: dict[str, SynthesizedStack]
) -> None:
    stack = stacks[f"{env}/services"]
    services = services_of(stack)
    router_env = environment(stack, "router")
    for name in SUBGRAPHS:
        (alias,) = services[name]["ServiceConnectConfiguration"]["Services"][0]["ClientAliases"]
        assert router_env[f"{name.upper()}_URL"] == f"http://{alias['DnsName']}:{alias['Port']}/graphql"
