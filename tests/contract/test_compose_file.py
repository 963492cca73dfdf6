"""docker-compose.yml describes the same system as the dev launcher (Docker cannot run here).

topology.toml names the subgraphs: each is a service built from subgraphs/Dockerfile with its name and
port. The launcher's own `subgraph_env` / `router_env` are the reference: every variable they set must
be in the compose file with the same value, translated to container addresses (the launcher's
host becomes 0.0.0.0 for listening, and `http://<host>:<port>` becomes `http://<service>:<port>`).
"""

from __future__ import annotations

import asyncio
import importlib
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from devstack import toolchain
from devstack.config import DEFAULT_PORTS, StackConfig
from devstack.stack import Stack
from devstack.topology import SUBGRAPH_NAMES, SUBGRAPHS, Subgraph, subgraph
from kit.aws.dynamo import dynamodb_client
from kit.web.settings import ServiceSettings
from kit_testing import unique_table_name

COMPOSE_FILE = toolchain.REPO_ROOT / "docker-compose.yml"
LAUNCHER_HOST = "launcher.invalid"  # a host no value of the compose file contains
SERVICE_AT_PORT = {port: name for name, port in DEFAULT_PORTS.items()}
INFRASTRUCTURE = {"dynamodb", "valkey", "jaeger", "otel-collector"}
TABLE_INITIALISERS = {f"{name}-table" for name in SUBGRAPH_NAMES}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return loaded


@pytest.fixture(scope="module")
def launcher() -> Stack:
    """The dev launcher with its default ports; nothing is started."""
    return Stack(StackConfig(ports=dict(DEFAULT_PORTS), host=LAUNCHER_HOST), echo=False, seed=False)


# What the launcher generates (its dev issuer, a random event secret, a fresh token) the compose
# file takes from whoever runs it: `${NAME:?...}` makes compose refuse to start without it.
GIVEN_BY_THE_OPERATOR = {
    "AUTH_ISSUER": "AUTH_ISSUER",
    "AUTH_AUDIENCE": "AUTH_AUDIENCE",
    "AUTH_JWKS_URL": "AUTH_JWKS_URL",
    "CUSTOMERS_EVENTS_PUSH_SECRET": "EVENTS_PUSH_SECRET",
    "PORTFOLIOS_EVENTS_PUSH_SECRET": "EVENTS_PUSH_SECRET",
}
OPTIONAL = {"ROUTER_GRAPHIQL_TOKEN": "${ROUTER_GRAPHIQL_TOKEN:-}"}


def in_containers(value: str, key: str = "") -> str:
    """A launcher value as the compose file must say it."""
    if key in GIVEN_BY_THE_OPERATOR:
        return "${" + GIVEN_BY_THE_OPERATOR[key] + ":?"
    if key in OPTIONAL:
        return OPTIONAL[key]
    if value == LAUNCHER_HOST:
        return "0.0.0.0"  # listen on the container's interfaces
    return re.sub(
        rf"http://{re.escape(LAUNCHER_HOST)}:(\d+)",
        lambda match: f"http://{SERVICE_AT_PORT[int(match.group(1))]}:{match.group(1)}",
        value,
    )


def test_compose_file_has_every_launcher_process_and_the_container_extras(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"router", *SUBGRAPH_NAMES} | INFRASTRUCTURE | TABLE_INITIALISERS


@pytest.mark.parametrize("name", ["router", *SUBGRAPH_NAMES, "dynamodb"])
def test_compose_file_publishes_every_service_on_its_launcher_port(
    name: str, compose: dict[str, Any]
) -> None:
    port = DEFAULT_PORTS[name]
    assert compose["services"][name]["ports"] == [f"{port}:{port}"]


@pytest.mark.parametrize("name", SUBGRAPH_NAMES)
def test_subgraph_environment_is_the_launchers(name: str, compose: dict[str, Any], launcher: Stack) -> None:
    expected = {key: in_containers(value, key) for key, value in launcher.subgraph_env(name).items()}
    environment = compose["services"][name]["environment"]
    assert {key: as_said(key, environment.get(key)) for key in expected} == expected
    # and nothing under the service's prefix that the service does not read
    settings = importlib_settings(name)
    prefix = subgraph(name).env_prefix
    assert settings.model_config.get("env_prefix") == prefix
    for key in environment:
        if key.startswith(prefix):
            assert key.removeprefix(prefix).lower() in settings.model_fields, key


def as_said(key: str, value: str | None) -> str | None:
    """A required `${NAME:?message}` compared without its message."""
    if key in GIVEN_BY_THE_OPERATOR and value is not None and ":?" in value:
        return value.split(":?", 1)[0] + ":?"
    return value


def test_authentication_is_required_of_every_service(compose: dict[str, Any]) -> None:
    for name in ("router", *SUBGRAPH_NAMES):
        environment = compose["services"][name]["environment"]
        for key in ("AUTH_ISSUER", "AUTH_AUDIENCE", "AUTH_JWKS_URL"):
            assert environment[key].startswith("${" + key + ":?"), (name, key)


def importlib_settings(name: str) -> type[ServiceSettings]:
    module = importlib.import_module(f"{name}.app")
    settings: type[ServiceSettings] = getattr(module, f"{name.capitalize()}Settings")
    return settings


def test_router_environment_is_the_launchers(compose: dict[str, Any], launcher: Stack) -> None:
    expected = {key: in_containers(value, key) for key, value in launcher.router_env().items()}
    environment = compose["services"]["router"]["environment"]
    assert {key: as_said(key, environment.get(key)) for key in expected} == expected
    assert expected["CUSTOMERS_URL"] == "http://customers:4001/graphql"  # the translation itself


def test_assets_uses_the_shared_valkey_cache(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["assets"]["environment"]["ASSETS_CACHE_URL"] == "redis://valkey:6379/0"
    assert services["assets"]["depends_on"]["valkey"] == {"condition": "service_healthy"}
    assert "valkey-cli" in services["valkey"]["healthcheck"]["test"]


def test_images_are_built_here_or_pinned(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        if "build" in service:
            dockerfile = toolchain.REPO_ROOT / service["build"]["dockerfile"]
            assert service["build"]["context"] == "."
            assert dockerfile.is_file(), name
        else:
            assert re.search(r":\d+\.\d+\.\d+$", service["image"]), (
                f"{name}: {service['image']} is not pinned"
            )


@pytest.mark.parametrize("entry", SUBGRAPHS, ids=SUBGRAPH_NAMES)
def test_each_subgraph_is_built_from_the_one_dockerfile_with_its_name_and_port(
    entry: Subgraph, compose: dict[str, Any]
) -> None:
    service = compose["services"][entry.name]
    assert service["build"] == {
        "context": ".",
        "dockerfile": "subgraphs/Dockerfile",
        "args": {"SERVICE": entry.name, "PORT": str(entry.port)},
    }
    assert service["image"] == f"portfolio-supergraph/{entry.name}:local"
    assert service["ports"] == [f"{entry.port}:{entry.port}"]
    assert service["environment"][f"{entry.env_prefix}PORT"] == str(entry.port)


def test_services_start_in_the_launchers_order(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in SUBGRAPH_NAMES:
        assert services[name]["depends_on"][f"{name}-table"] == {
            "condition": "service_completed_successfully"
        }
        assert services["router"]["depends_on"][name] == {"condition": "service_healthy"}
    # customers pushes its events to portfolios: portfolios first, as in the launcher
    assert services["customers"]["depends_on"]["portfolios"] == {"condition": "service_healthy"}


@pytest.mark.parametrize("name", SUBGRAPH_NAMES)
def test_each_table_initialiser_runs_in_its_services_image(
    name: str, compose: dict[str, Any], launcher: Stack
) -> None:
    initialiser = compose["services"][f"{name}-table"]
    service = compose["services"][name]
    assert initialiser["image"] == service["image"]
    assert initialiser["build"] == service["build"]
    assert initialiser["restart"] == "no"
    environment = initialiser["environment"]
    assert environment["SERVICE"] == name
    assert (
        environment["TABLE_NAME"]
        == launcher.config.table(name)
        == service["environment"][f"{subgraph(name).env_prefix}TABLE_NAME"]
    )
    assert environment["DYNAMODB_ENDPOINT_URL"] == in_containers(launcher.config.dynamodb_url)


def test_traces_flow_from_the_services_through_the_collector_to_jaeger(compose: dict[str, Any]) -> None:
    services = compose["services"]
    collector = yaml.safe_load(compose["configs"]["otel-collector"]["content"])
    pipeline = collector["service"]["pipelines"]["traces"]
    (exporter,) = pipeline["exporters"]
    assert collector["exporters"][exporter]["endpoint"] == "jaeger:4317"
    assert "16686:16686" in services["jaeger"]["ports"]
    for name in ("router", *SUBGRAPH_NAMES):
        environment = services[name]["environment"]
        assert environment["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector:4318"
        assert environment["OTEL_SERVICE_NAME"] == name


def test_the_table_initialiser_script_creates_each_services_table_once(
    compose: dict[str, Any], dynamodb_endpoint: str, tmp_path: Path
) -> None:
    """The script the initialisers run, run here against DynamoDB Local: created, then left alone."""
    script = tmp_path / "create_table.py"
    script.write_text(compose["configs"]["create-table"]["content"])
    names = {name: unique_table_name(name) for name in SUBGRAPH_NAMES}

    def run(name: str) -> str:
        env = {
            **os.environ,
            "SERVICE": name,
            "TABLE_NAME": names[name],
            "DYNAMODB_ENDPOINT_URL": dynamodb_endpoint,
        }
        done = subprocess.run(
            [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    for name in SUBGRAPH_NAMES:
        assert run(name) == f"created {names[name]}"
    assert run("portfolios") == f"exists {names['portfolios']}"  # a second `docker compose up`

    async def describe() -> dict[str, Any]:
        async with dynamodb_client(ServiceSettings(dynamodb_endpoint_url=dynamodb_endpoint)) as client:
            return {
                name: (await client.describe_table(TableName=table))["Table"] for name, table in names.items()
            }

    tables = asyncio.run(describe())
    for name, table in tables.items():
        definition = importlib_table_definition(name, names[name])
        assert table["KeySchema"] == definition["KeySchema"]
        indexes = sorted(index["IndexName"] for index in table.get("GlobalSecondaryIndexes", []))
        assert indexes == sorted(index["IndexName"] for index in definition.get("GlobalSecondaryIndexes", []))


def importlib_table_definition(name: str, table: str) -> dict[str, Any]:
    definition: dict[str, Any] = importlib.import_module(f"{name}.adapters.table").table_definition(table)
    return definition
