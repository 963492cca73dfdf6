"""Network stack: two AZs, private subnets for tasks, endpoints that keep AWS traffic off the NAT."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from aws_cdk.assertions import Match, Template
from infra.assembly import SynthesizedStack

ENVIRONMENTS = ("dev", "prod")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_vpc_has_public_and_private_subnets_in_two_zones(
    env: str, stacks: dict[str, SynthesizedStack]
) -> None:
    subnets = stacks[f"{env}/network"].properties("AWS::EC2::Subnet")
    by_kind: dict[bool, set[str]] = {True: set(), False: set()}
    for subnet in subnets:
        by_kind[subnet["MapPublicIpOnLaunch"]].add(subnet["AvailabilityZone"])
    assert by_kind == {True: {"us-east-1a", "us-east-1b"}, False: {"us-east-1a", "us-east-1b"}}
    assert len(subnets) == 4


def test_prod_has_a_nat_gateway_per_zone_and_dev_shares_one(template: Callable[[str], Template]) -> None:
    template("prod/network").resource_count_is("AWS::EC2::NatGateway", 2)
    template("dev/network").resource_count_is("AWS::EC2::NatGateway", 1)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_gateway_endpoints_for_dynamodb_and_s3_on_the_private_route_tables(
    env: str, stacks: dict[str, SynthesizedStack]
) -> None:
    network = stacks[f"{env}/network"]
    private_tables = {
        logical_id
        for logical_id, resource in network.resources("AWS::EC2::RouteTable").items()
        if "/privateSubnet" in str(resource["Properties"]["Tags"])
    }
    gateways = {}
    for endpoint in network.properties("AWS::EC2::VPCEndpoint"):
        if "RouteTableIds" in endpoint:
            service = endpoint["ServiceName"]["Fn::Join"][1][-1]  # "com.amazonaws." + region + ".dynamodb"
            gateways[service] = {ref["Ref"] for ref in endpoint["RouteTableIds"]}
    assert gateways == {".dynamodb": private_tables, ".s3": private_tables}
    assert len(private_tables) == 2


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_interface_endpoints_admit_https_from_the_vpc_only(
    env: str, stacks: dict[str, SynthesizedStack]
) -> None:
    network = stacks[f"{env}/network"]
    cidr = network.properties("AWS::EC2::VPC")[0]["CidrBlock"]
    groups = network.resources("AWS::EC2::SecurityGroup")
    services = set()
    for endpoint in network.properties("AWS::EC2::VPCEndpoint"):
        if endpoint.get("VpcEndpointType") == "Gateway" or "RouteTableIds" in endpoint:
            continue
        services.add(endpoint["ServiceName"])
        assert endpoint["PrivateDnsEnabled"] is True
        (group_ref,) = endpoint["SecurityGroupIds"]
        ingress = groups[group_ref["Fn::GetAtt"][0]]["Properties"]["SecurityGroupIngress"]
        assert [(rule["CidrIp"], rule["FromPort"], rule["ToPort"]) for rule in ingress] == [(cidr, 443, 443)]
    assert services == {
        "com.amazonaws.us-east-1.ecr.api",
        "com.amazonaws.us-east-1.ecr.dkr",
        "com.amazonaws.us-east-1.logs",
        "com.amazonaws.us-east-1.secretsmanager",
    }


def test_flow_logs_go_to_a_log_group_with_retention(template: Callable[[str], Template]) -> None:
    network = template("prod/network")
    network.has_resource_properties(
        "AWS::EC2::FlowLog",
        {"ResourceType": "VPC", "TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs"},
    )
    network.has_resource_properties(
        "AWS::Logs::LogGroup", {"LogGroupName": "/portfolio-prod/vpc-flow-logs", "RetentionInDays": 90}
    )


def test_environments_get_separate_address_ranges(template: Callable[[str], Template]) -> None:
    template("dev/network").has_resource_properties("AWS::EC2::VPC", {"CidrBlock": "10.40.0.0/16"})
    template("prod/network").has_resource_properties("AWS::EC2::VPC", {"CidrBlock": "10.41.0.0/16"})
    template("prod/network").has_resource_properties(
        "AWS::EC2::VPC", {"Tags": Match.array_with([{"Key": "environment", "Value": "prod"}])}
    )
