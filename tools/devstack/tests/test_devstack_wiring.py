"""devstack.wiring: every subgraph topology.toml names gets its settings under its own prefix, every
consumer its event queue on the local SQS, and the relay reads every table and feeds every queue."""

from __future__ import annotations

from pathlib import Path

import pytest
from devstack import cli, processes, queues, wiring
from devstack.config import StackConfig
from devstack.topology import CONSUMERS, ROUTES, SUBGRAPH_NAMES, SUBGRAPHS, Subgraph

CONFIG = StackConfig(
    ports={"router": 5000, "dynamodb": 5100, "issuer": 5200, "sqs": 5300}
    | {s.name: 6000 + i for i, s in enumerate(SUBGRAPHS)},
    host="h.test",
    table_prefix="t-",
)
AUTH = {"AUTH_ISSUER": "http://h.test:5200"}


@pytest.mark.parametrize("subgraph", SUBGRAPHS, ids=SUBGRAPH_NAMES)
def test_a_subgraphs_settings_are_under_its_own_prefix(subgraph: Subgraph) -> None:
    env = wiring.subgraph_env(CONFIG, subgraph.name, auth=AUTH)
    prefix = subgraph.env_prefix
    assert env[f"{prefix}HOST"] == "h.test"
    assert env[f"{prefix}PORT"] == str(CONFIG.ports[subgraph.name])
    assert env[f"{prefix}DYNAMODB_ENDPOINT_URL"] == "http://h.test:5100"
    assert env[f"{prefix}TABLE_NAME"] == f"t-{subgraph.name}"
    assert env[f"{prefix}AWS_REGION"] == queues.REGION
    assert env["AUTH_ISSUER"] == AUTH["AUTH_ISSUER"]
    assert all(key.startswith(prefix) or key in AUTH for key in env), env


def test_every_consumer_polls_its_own_queue_on_the_local_sqs() -> None:
    assert set(CONSUMERS) == {route.consumer for route in ROUTES} == {"portfolios", "assets"}
    urls = set()
    for consumer in CONSUMERS:
        prefix = consumer.upper() + "_"
        env = wiring.subgraph_env(CONFIG, consumer, auth={})
        assert env[f"{prefix}SQS_ENDPOINT_URL"] == "http://h.test:5300"
        assert env[f"{prefix}EVENT_QUEUE_URL"] == f"http://h.test:5300/123456789012/t-{consumer}-events"
        urls.add(env[f"{prefix}EVENT_QUEUE_URL"])
    assert len(urls) == len(CONSUMERS)
    customers = wiring.subgraph_env(CONFIG, "customers", auth={})  # consumes nothing
    assert not any("QUEUE" in key or "SQS" in key for key in customers)
    # The HTTP push is gone: no subscriber URLs, no shared secret.
    for name in SUBGRAPH_NAMES:
        assert not any(
            "PUSH" in key or "SUBSCRIBERS" in key for key in wiring.subgraph_env(CONFIG, name, auth={})
        )


def test_the_relay_reads_every_table_and_feeds_every_consumers_queue(tmp_path: Path) -> None:
    command = wiring.relay_command(CONFIG, tmp_path)
    assert command[1:3] == ["-m", "devstack.relay"]
    assert [arg for arg in command if arg.startswith("--table=")] == [
        f"--table={name}=t-{name}" for name in SUBGRAPH_NAMES
    ]
    assert [arg for arg in command if arg.startswith("--queue=")] == [
        f"--queue={consumer}={queues.queue_url(CONFIG, consumer)}" for consumer in CONSUMERS
    ]
    assert "--dynamodb-url=http://h.test:5100" in command and "--sqs-url=http://h.test:5300" in command
    assert f"--checkpoints={tmp_path / 'checkpoints.json'}" in command


def test_the_router_finds_every_subgraph() -> None:
    urls = wiring.subgraph_urls(CONFIG)
    assert urls == {
        f"{name.upper()}_URL": f"http://h.test:{CONFIG.ports[name]}/graphql" for name in SUBGRAPH_NAMES
    }
    assert urls["CUSTOMERS_URL"] == f"http://h.test:{CONFIG.ports['customers']}/graphql"


def test_every_process_has_a_colour_of_its_own() -> None:
    names = ["dynamodb", "sqs", "relay", "router", *SUBGRAPH_NAMES]
    assert set(processes.COLOURS) == set(names)
    assert len(set(processes.COLOURS.values())) == len(names)


def test_the_banner_lists_every_subgraphs_url() -> None:
    class Started:
        config = CONFIG
        demo = None
        startup_seconds = 1.0

    banner = cli._banner(Started())  # type: ignore[arg-type]
    for name in SUBGRAPH_NAMES:
        assert f"{name} {CONFIG.url(name, '/graphql')}" in banner
    first = SUBGRAPH_NAMES[0]
    assert f"\n  Subgraphs:                      {first} http://h.test:6000/graphql\n" in banner
    assert f"\n{' ' * 34}{SUBGRAPH_NAMES[1]} http://h.test:6001/graphql\n" in banner
