"""Only the API is reachable from the internet: no security group admits the internet, the router's
ALB is internal and admits the API's VPC link alone, it forwards to the router alone, every task
runs in a private subnet, and each subgraph admits the router only."""

from __future__ import annotations

from typing import Any

import pytest
from infra.assembly import SynthesizedStack, resolve
from infra.topology import TOPOLOGY

SUBGRAPHS = TOPOLOGY.names
SERVICES = (*SUBGRAPHS, "router")
ENVIRONMENTS = ("dev", "prod")


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
def test_only_the_api_is_reachable_from_the_internet(env: str, stacks: dict[str, SynthesizedStack]) -> None:
    """The subgraphs trust no network path (each verifies every token), and no path from the internet
    reaches them anyway: no security group admits the internet, the only load balancer is internal
    and forwards to the router alone, every task runs in a private subnet without a public IP, and
    each subgraph admits only the router's security group (through Service Connect, in a namespace
    without public DNS). The public entrance is API Gateway (test_infra_edge.py)."""
    services = stacks[f"{env}/services"]
    network = stacks[f"{env}/network"]
    open_groups = {
        (stack.display_name, group)
        for stack in stacks.values()
        if stack.display_name.startswith(f"{env}/")
        for group in _internet_ingress(stack)
    }
    assert open_groups == set()
    balancers = [
        (stack.display_name, balancer.get("Scheme"))
        for stack in stacks.values()
        if stack.display_name.startswith(f"{env}/")
        for balancer in stack.properties("AWS::ElasticLoadBalancingV2::LoadBalancer")
    ]
    assert balancers == [(f"{env}/services", "internal")]

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
