"""Services stack: what each task is told (environment and secrets, named as the services' own
settings), which image it runs, its tracing sidecar and where it logs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from assets.app import AssetsSettings
from customers.app import CustomersSettings
from devstack.config import DEFAULT_PORTS
from devstack.topology import SUBGRAPH_NAMES
from infra.assembly import SynthesizedStack, container, environment, secrets, task_definition
from infra.config import ROUTER_LIMIT_VARIABLES
from infra.topology import TOPOLOGY
from portfolios.app import PortfoliosSettings

SUBGRAPHS = TOPOLOGY.names
SERVICES = (*SUBGRAPHS, "router")
ENVIRONMENTS = ("dev", "prod")
SETTINGS = {"customers": CustomersSettings, "portfolios": PortfoliosSettings, "assets": AssetsSettings}
GATEWAY_CONFIG = Path(__file__).resolve().parents[2] / "router" / "gateway.config.ts"


# -- environment and secrets -----------------------------------------------------------------------
@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize("name", SUBGRAPHS)
def test_subgraph_environment_names_are_the_services_own_settings(
    env: str, name: str, stacks: dict[str, SynthesizedStack]
) -> None:
    stack = stacks[f"{env}/services"]
    variables = environment(stack, name)
    prefix = name.upper()
    assert variables[f"{prefix}_HOST"] == "0.0.0.0"
    assert variables[f"{prefix}_PORT"] == str(DEFAULT_PORTS[name])
    assert variables[f"{prefix}_TABLE_NAME"] == f"portfolio-{env}-{name}"
    assert variables[f"{prefix}_AWS_REGION"] == "us-east-1"
    assert f"{prefix}_DYNAMODB_ENDPOINT_URL" not in variables  # the SDK's own endpoint in AWS
    assert f"{prefix}_LOG_LEVEL" in secrets(stack, name)
    # Every variable the task sets for these settings is a field the service reads.
    fields = set(SETTINGS[name].model_fields)
    for variable in ("HOST", "PORT", "TABLE_NAME", "AWS_REGION", "GRAPHIQL", "LOG_LEVEL"):
        assert variable.lower() in fields, variable


def test_subgraph_graphiql_is_on_in_dev_and_off_in_prod(
    dev: SynthesizedStack, prod: SynthesizedStack
) -> None:
    for name in SUBGRAPHS:
        assert environment(dev, name)[f"{name.upper()}_GRAPHIQL"] == "true"
        assert environment(prod, name)[f"{name.upper()}_GRAPHIQL"] == "false"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_router_runs_its_production_profile_in_every_environment(
    env: str, stacks: dict[str, SynthesizedStack]
) -> None:
    """The profile switches GraphiQL, introspection and suggestions off and applies the router's
    limits; trusted documents only is part of it and also said explicitly."""
    variables = environment(stacks[f"{env}/services"], "router")
    assert variables["ROUTER_PROFILE"] == "production"
    assert variables["ROUTER_TRUSTED_DOCUMENTS_ONLY"] == "true"
    assert "ROUTER_GRAPHIQL" not in variables  # the profile decides; nothing relaxes it in AWS


def test_router_environment_uses_the_names_the_gateway_config_reads(prod: SynthesizedStack) -> None:
    variables = environment(prod, "router")
    assert variables["ROUTER_HOST"] == "0.0.0.0"
    assert variables["ROUTER_PORT"] == "4000"
    config = GATEWAY_CONFIG.read_text()
    for name in (
        "ROUTER_HOST",
        "ROUTER_PORT",
        "ROUTER_PROFILE",
        "ROUTER_TRUSTED_DOCUMENTS_ONLY",
        "AUTH_ISSUER",
        "AUTH_AUDIENCE",
        "AUTH_JWKS_URL",
    ):
        assert name in variables
        assert f"'{name}'" in config, f"gateway.config.ts no longer reads {name}"
    # <NAME>_URL for each subgraph the supergraph composes (router/src/env.ts, envSubgraphUrls)
    for subgraph in SUBGRAPH_NAMES:
        assert f"{subgraph.upper()}_URL" in variables
    assert "`${subgraph.toUpperCase()}_URL`" in (GATEWAY_CONFIG.parent / "src" / "env.ts").read_text()
    # HOST and PORT would override the config file in the hive-gateway CLI: never set them.
    assert "HOST" not in variables and "PORT" not in variables


def test_cors_origins_and_every_limit_the_stack_may_set_are_read_by_the_gateway_config() -> None:
    config = GATEWAY_CONFIG.read_text()
    for name in ("ROUTER_CORS_ORIGINS", *ROUTER_LIMIT_VARIABLES):
        assert f"'{name}'" in config, f"gateway.config.ts does not read {name}"


def test_assets_gets_its_cache_settings_and_the_key_secrets_id_not_the_keys(prod: SynthesizedStack) -> None:
    variables = environment(prod, "assets")
    cache_url = variables["ASSETS_CACHE_URL"]["Fn::Join"][1]
    assert cache_url[0] == "rediss://"  # ElastiCache Serverless speaks TLS only
    assert cache_url[1]["Fn::GetStackOutput"]["StackName"] == "portfolio-prod-cache"
    secret_id = variables["ASSETS_API_KEYS_SECRET_ID"]["Fn::GetStackOutput"]
    assert secret_id["StackName"] == "portfolio-prod-configuration"
    assert "MarketDataApiKeys" in secret_id["OutputName"]
    wired = secrets(prod, "assets")
    for variable in ("ASSETS_PRICE_PROVIDERS", "ASSETS_FX_PROVIDER", "ASSETS_QUOTE_TTL_SECONDS"):
        assert wired[variable]["Fn::Join"][1][0] == "arn:aws:ssm:us-east-1:222222222222:parameter"
    for variable in [*wired, "ASSETS_API_KEYS_SECRET_ID", "ASSETS_CACHE_URL"]:
        assert variable.removeprefix("ASSETS_").lower() in AssetsSettings.model_fields, variable
    assert not [variable for variable in [*variables, *wired] if variable.endswith("_API_KEY")]


def test_task_definitions_take_only_ssm_parameters_as_secrets(prod: SynthesizedStack) -> None:
    """API keys are read by the assets service itself; ECS injects only SSM settings."""
    for name in SERVICES:
        for definition in task_definition(prod, name)["ContainerDefinitions"]:
            for secret in definition.get("Secrets", []):
                assert secret["ValueFrom"]["Fn::Join"][1][0].startswith("arn:aws:ssm:"), (
                    name,
                    secret["Name"],
                )


@pytest.mark.parametrize("name", SERVICES)
def test_images_come_from_the_services_repository_at_the_given_tag(
    name: str, prod: SynthesizedStack, given: Any
) -> None:
    image = container(prod, name)["Image"]["Fn::Join"][1]
    assert image[0] == "222222222222.dkr.ecr.us-east-1."
    assert image[-1] == f"/portfolio-{name}:{given.image_tag}"


@pytest.mark.parametrize("name", SERVICES)
def test_every_task_has_an_adot_sidecar_sending_traces(name: str, prod: SynthesizedStack) -> None:
    sidecar = container(prod, name, "otel-collector")
    assert re.fullmatch(
        r"public\.ecr\.aws/aws-observability/aws-otel-collector:v\d+\.\d+\.\d+", sidecar["Image"]
    )
    assert sidecar["Essential"] is False
    assert [item["Name"] for item in sidecar["Secrets"]] == ["AOT_CONFIG_CONTENT"]
    app = container(prod, name)
    assert {"Condition": "START", "ContainerName": "otel-collector"} in app["DependsOn"]
    assert environment(prod, name)["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://127.0.0.1:4318"
    assert environment(prod, name)["OTEL_SERVICE_NAME"] == name


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_container_logs_to_its_services_log_group_with_retention(
    env: str, stacks: dict[str, SynthesizedStack]
) -> None:
    stack = stacks[f"{env}/services"]
    retention = {"dev": 14, "prod": 90}[env]
    groups = {
        logical_id: resource["Properties"]
        for logical_id, resource in stack.resources("AWS::Logs::LogGroup").items()
    }
    for name in SERVICES:
        for definition in task_definition(stack, name)["ContainerDefinitions"]:
            options = definition["LogConfiguration"]["Options"]
            group = groups[options["awslogs-group"]["Ref"]]
            assert group["LogGroupName"] == f"/portfolio-{env}/{name}"
            assert group["RetentionInDays"] == retention
