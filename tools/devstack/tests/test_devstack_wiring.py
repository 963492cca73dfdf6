"""devstack.wiring: every subgraph topology.toml names gets its settings under its own prefix, the
event routes' ends share the secret, and a subscriber starts before its publisher."""

from __future__ import annotations

import pytest
from devstack import cli, processes, wiring
from devstack.config import StackConfig
from devstack.topology import SUBGRAPH_NAMES, SUBGRAPHS, Subgraph

CONFIG = StackConfig(
    ports={"router": 5000, "dynamodb": 5100, "issuer": 5200}
    | {s.name: 6000 + i for i, s in enumerate(SUBGRAPHS)},
    host="h.test",
    table_prefix="t-",
)
AUTH = {"AUTH_ISSUER": "http://h.test:5200"}


@pytest.mark.parametrize("subgraph", SUBGRAPHS, ids=SUBGRAPH_NAMES)
def test_a_subgraphs_settings_are_under_its_own_prefix(subgraph: Subgraph) -> None:
    env = wiring.subgraph_env(CONFIG, subgraph.name, auth=AUTH, events_push_secret="s3cret")
    prefix = subgraph.env_prefix
    assert env[f"{prefix}HOST"] == "h.test"
    assert env[f"{prefix}PORT"] == str(CONFIG.ports[subgraph.name])
    assert env[f"{prefix}DYNAMODB_ENDPOINT_URL"] == "http://h.test:5100"
    assert env[f"{prefix}TABLE_NAME"] == f"t-{subgraph.name}"
    assert env["AUTH_ISSUER"] == AUTH["AUTH_ISSUER"]
    assert all(key.startswith(prefix) or key in AUTH for key in env), env


def test_customers_pushes_its_events_to_portfolios_with_the_shared_secret() -> None:
    customers = wiring.subgraph_env(CONFIG, "customers", auth={}, events_push_secret="s3cret")
    portfolios = wiring.subgraph_env(CONFIG, "portfolios", auth={}, events_push_secret="s3cret")
    assets = wiring.subgraph_env(CONFIG, "assets", auth={}, events_push_secret="s3cret")
    assert customers["CUSTOMERS_EVENT_SUBSCRIBERS"] == f"http://h.test:{CONFIG.ports['portfolios']}/events"
    assert (
        customers["CUSTOMERS_EVENTS_PUSH_SECRET"] == portfolios["PORTFOLIOS_EVENTS_PUSH_SECRET"] == "s3cret"
    )
    assert not any("EVENT" in key for key in assets)  # no route: no secret handed out


def test_every_subgraph_starts_once_and_a_subscriber_before_its_publisher() -> None:
    order = wiring.start_order()
    assert sorted(order) == sorted(SUBGRAPH_NAMES)
    for publisher, subscribers in wiring.EVENT_ROUTES.items():
        assert all(order.index(to) < order.index(publisher) for to in subscribers)
    assert order.index("portfolios") < order.index("customers")  # customers pushes to portfolios


def test_the_router_finds_every_subgraph() -> None:
    urls = wiring.subgraph_urls(CONFIG)
    assert urls == {
        f"{name.upper()}_URL": f"http://h.test:{CONFIG.ports[name]}/graphql" for name in SUBGRAPH_NAMES
    }
    assert urls["CUSTOMERS_URL"] == f"http://h.test:{CONFIG.ports['customers']}/graphql"


def test_every_process_has_a_colour_of_its_own() -> None:
    names = ["dynamodb", "router", *SUBGRAPH_NAMES]
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
