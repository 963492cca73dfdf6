"""docker-compose.yml describes the same system as the dev launcher (Docker cannot run here).

topology.toml names the subgraphs: each is a service built from subgraphs/Dockerfile with its name and
port. The launcher's own `subgraph_env` / `router_env` are the reference: every variable they set must
be in the compose file with the same value, translated to container addresses (the launcher's
host becomes 0.0.0.0 for listening, and `http://<host>:<port>` becomes `http://<service>:<port>`).
The event path (the local SQS, its queues, the relay): test_compose_events.py.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

import pytest
import yaml
from devstack import toolchain
from devstack.config import DEFAULT_PORTS
from devstack.stack import Stack
from devstack.topology import CONSUMERS, SUBGRAPH_NAMES, SUBGRAPHS, Subgraph, subgraph
from kit.web.settings import ServiceSettings

from .compose_support import GIVEN_BY_THE_OPERATOR, in_containers, launcher_stack, load_compose

INFRASTRUCTURE = {"dynamodb", "valkey", "jaeger", "otel-collector"}
# The launcher's event path (devstack.queues, devstack.relay), from tools/devstack/Dockerfile.
EVENT_PATH = {"sqs", "queues", "relay"}
TABLE_INITIALISERS = {f"{name}-table" for name in SUBGRAPH_NAMES}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


@pytest.fixture(scope="module")
def launcher() -> Stack:
    return launcher_stack()


def test_compose_file_has_every_launcher_process_and_the_container_extras(compose: dict[str, Any]) -> None:
    assert (
        set(compose["services"])
        == {"router", *SUBGRAPH_NAMES} | INFRASTRUCTURE | TABLE_INITIALISERS | EVENT_PATH
    )


@pytest.mark.parametrize("name", ["router", *SUBGRAPH_NAMES, "dynamodb", "sqs"])
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
        # Events go through the queues, never from one service to another: no subgraph waits for one.
        assert not set(services[name]["depends_on"]) & set(SUBGRAPH_NAMES), name
    # As the launcher: the queues before their consumers, the tables and queues before the relay,
    # and the router last, once the relay has found the streams.
    for consumer in CONSUMERS:
        assert services[consumer]["depends_on"]["queues"] == {"condition": "service_completed_successfully"}
    relay = services["relay"]["depends_on"]
    for initialiser in (*TABLE_INITIALISERS, "queues"):
        assert relay[initialiser] == {"condition": "service_completed_successfully"}
    assert services["queues"]["depends_on"]["sqs"] == {"condition": "service_healthy"}
    assert services["router"]["depends_on"]["relay"] == {"condition": "service_healthy"}


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
