"""Price cache and configuration stacks: the cache admits only its clients; settings and API keys
live in SSM and Secrets Manager, not in images."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from assets.adapters.api_keys import parse_api_keys
from assets.adapters.providers import HTTP_PROVIDERS
from aws_cdk.assertions import Match, Template
from infra.assembly import SynthesizedStack

ENVIRONMENTS = ("dev", "prod")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_a_serverless_valkey_cache_in_the_private_subnets(
    env: str, template: Callable[[str], Template]
) -> None:
    template(f"{env}/cache").has_resource_properties(
        "AWS::ElastiCache::ServerlessCache",
        {
            "ServerlessCacheName": f"portfolio-{env}-prices",
            "Engine": "valkey",
            "SubnetIds": Match.array_with(
                [{"Fn::GetStackOutput": Match.object_like({"StackName": f"portfolio-{env}-network"})}]
            ),
        },
    )


def test_the_cache_admits_only_its_client_group_on_the_valkey_port(
    stacks: dict[str, SynthesizedStack],
) -> None:
    cache = stacks["prod/cache"]
    groups = {
        p["GroupDescription"]: logical_id
        for logical_id, r in cache.resources("AWS::EC2::SecurityGroup").items()
        for p in [r["Properties"]]
    }
    cache_group = groups["Price cache: Valkey from its clients only"]
    client_group = groups["Price cache clients (assets tasks)"]
    (serverless,) = cache.properties("AWS::ElastiCache::ServerlessCache")
    assert serverless["SecurityGroupIds"] == [{"Fn::GetAtt": [cache_group, "GroupId"]}]
    rules = [
        r
        for r in cache.properties("AWS::EC2::SecurityGroupIngress")
        if r["GroupId"] == {"Fn::GetAtt": [cache_group, "GroupId"]}
    ]
    rules += cache.template["Resources"][cache_group]["Properties"].get("SecurityGroupIngress", [])
    assert [(r.get("SourceSecurityGroupId"), r["FromPort"], r["ToPort"]) for r in rules] == [
        ({"Fn::GetAtt": [client_group, "GroupId"]}, 6379, 6379)
    ]


def test_only_the_assets_tasks_carry_the_cache_client_group(stacks: dict[str, SynthesizedStack]) -> None:
    carriers = []
    for service in stacks["prod/services"].properties("AWS::ECS::Service"):
        for group in service["NetworkConfiguration"]["AwsvpcConfiguration"]["SecurityGroups"]:
            output = group.get("Fn::GetStackOutput", {})
            if output.get("StackName") == "portfolio-prod-cache":
                carriers.append(service["ServiceName"])
    assert carriers == ["assets"]


def _parameters(stack: SynthesizedStack) -> dict[str, dict[str, Any]]:
    return {p["Name"]: p for p in stack.properties("AWS::SSM::Parameter")}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_non_secret_settings_are_ssm_parameters(env: str, stacks: dict[str, SynthesizedStack]) -> None:
    parameters = _parameters(stacks[f"{env}/configuration"])
    prefix = f"/portfolio-{env}"
    assert {name: p["Value"] for name, p in parameters.items() if name.endswith("log-level")} == {
        f"{prefix}/customers/log-level": "INFO",
        f"{prefix}/portfolios/log-level": "INFO",
        f"{prefix}/assets/log-level": "INFO",
        f"{prefix}/router/log-level": "info",
    }
    assert parameters[f"{prefix}/assets/price-providers"]["Value"] == "simulated"
    assert parameters[f"{prefix}/assets/fx-provider"]["Value"] == "simulated"
    assert parameters[f"{prefix}/assets/quote-ttl-seconds"]["Value"] == "15"
    assert all(p["Type"] == "String" for p in parameters.values())


def test_the_collector_config_sends_otlp_traces_to_xray_only(stacks: dict[str, SynthesizedStack]) -> None:
    config = yaml.safe_load(
        _parameters(stacks["prod/configuration"])["/portfolio-prod/otel/collector-config"]["Value"]
    )
    assert set(config["exporters"]) == {"awsxray"}
    traces = config["service"]["pipelines"]["traces"]
    assert traces["receivers"] == ["otlp"] and traces["exporters"] == ["awsxray"]
    # Only the task's own loopback: nothing outside the task can send spans in.
    endpoints = [protocol["endpoint"] for protocol in config["receivers"]["otlp"]["protocols"].values()]
    assert endpoints == ["127.0.0.1:4317", "127.0.0.1:4318"]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_market_data_secret_starts_with_an_empty_key_per_provider(
    env: str, stacks: dict[str, SynthesizedStack]
) -> None:
    configuration = stacks[f"{env}/configuration"]
    (secret,) = configuration.resources("AWS::SecretsManager::Secret").values()
    assert secret["Properties"]["Name"] == f"portfolio-{env}/assets/market-data-api-keys"
    assert secret["DeletionPolicy"] == "Retain"
    template = json.loads(secret["Properties"]["GenerateSecretString"]["SecretStringTemplate"])
    assert template == {"finnhub": "", "twelvedata": "", "coingecko": ""}
    # in the format the assets service reads: provider names it knows, empty meaning "no key"
    assert set(template) <= set(HTTP_PROVIDERS)
    assert parse_api_keys(json.dumps({**template, "_generated": "x"})) == {"_generated": "x"}
