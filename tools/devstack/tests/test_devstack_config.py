"""devstack.config: ports and URLs of the local stack, overridable by environment variable."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from devstack.config import DEFAULT_PORTS, PORT_VARIABLES, StackConfig
from devstack.net import free_port, port_is_open
from devstack.topology import SUBGRAPH_NAMES, TOPOLOGY_FILE


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for variable in PORT_VARIABLES.values():
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.delenv("DEVSTACK_HOST", raising=False)
    return monkeypatch


def test_from_env_defaults(clean_env: pytest.MonkeyPatch) -> None:
    config = StackConfig.from_env(None)
    topology = tomllib.loads(TOPOLOGY_FILE.read_text(encoding="utf-8"))
    assert config.ports == {
        "router": 4000,
        **{entry["name"]: entry["port"] for entry in topology["subgraph"]},
        "issuer": 4004,
        "dynamodb": 8000,
        "sqs": 4566,
    }
    assert topology["router"]["port"] == 4000
    assert config.host == "127.0.0.1"
    assert config.data_dir is None
    assert config.router_graphql_url == "http://127.0.0.1:4000/graphql"
    assert config.dynamodb_url == "http://127.0.0.1:8000"
    assert config.sqs_url == "http://127.0.0.1:4566"


def test_from_env_honours_port_and_host_variables(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_env.setenv("ROUTER_PORT", "5000")
    clean_env.setenv("CUSTOMERS_PORT", "5001")
    clean_env.setenv("DYNAMODB_PORT", "8123")
    clean_env.setenv("DEVSTACK_HOST", "0.0.0.0")
    config = StackConfig.from_env(tmp_path)
    assert config.ports["router"] == 5000
    assert config.ports["customers"] == 5001
    assert config.ports["dynamodb"] == 8123
    assert config.ports["portfolios"] == 4002  # untouched
    assert config.ports["assets"] == 4003
    assert config.host == "0.0.0.0"
    assert config.data_dir == tmp_path
    assert config.router_graphql_url == "http://0.0.0.0:5000/graphql"
    assert config.url("customers", "/graphql") == "http://0.0.0.0:5001/graphql"
    assert config.dynamodb_url == "http://0.0.0.0:8123"


def test_each_subgraph_moves_with_its_own_settings_port_variable() -> None:
    """The variable that moves a subgraph is the one the service itself reads: <env_prefix>PORT."""
    topology = tomllib.loads(TOPOLOGY_FILE.read_text(encoding="utf-8"))
    for entry in topology["subgraph"]:
        assert PORT_VARIABLES[entry["name"]] == f"{entry['env_prefix']}PORT"
    assert PORT_VARIABLES["router"] == "ROUTER_PORT"
    assert PORT_VARIABLES["dynamodb"] == "DYNAMODB_PORT"


def test_from_env_refuses_a_port_that_is_not_a_number(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("ASSETS_PORT", "four thousand")
    with pytest.raises(ValueError):
        StackConfig.from_env(None)


def test_ephemeral_gives_distinct_free_ports() -> None:
    config = StackConfig.ephemeral()
    assert set(config.ports) == set(DEFAULT_PORTS)
    assert len(set(config.ports.values())) == len(DEFAULT_PORTS)
    assert not set(config.ports.values()) & set(DEFAULT_PORTS.values())
    assert all(1024 < port < 65536 for port in config.ports.values())
    assert not any(port_is_open(port) for port in config.ports.values())
    assert config.data_dir is None  # in memory
    assert StackConfig.ephemeral().ports != config.ports


def test_url_and_table_helpers() -> None:
    config = StackConfig(ports={"router": 1, "customers": 2, "dynamodb": 3}, host="h", table_prefix="test-")
    assert config.url("customers") == "http://h:2"
    assert config.url("customers", "/health") == "http://h:2/health"
    assert config.dynamodb_url == "http://h:3"
    assert config.router_graphql_url == "http://h:1/graphql"
    assert [config.table(s) for s in SUBGRAPH_NAMES] == [f"test-{s}" for s in SUBGRAPH_NAMES]
    assert config.table("portfolios") == "test-portfolios"
    assert StackConfig(ports={}).table("assets") == "assets"
    assert config.queue("portfolios") == "test-portfolios-events"
    assert StackConfig(ports={"sqs": 4}, host="h").sqs_url == "http://h:4"
    with pytest.raises(KeyError):
        config.url("assets")


def test_free_port_is_bindable() -> None:
    port = free_port()
    assert not port_is_open(port)
