"""topology.toml's [[route]] entries as infra reads them (infra.topology.ROUTES): who consumes what,
named once; a route that names no subgraph, or the same one twice, stops synthesis."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from infra.topology import ROUTES, TOPOLOGY, TOPOLOGY_FILE, Route, TopologyError, bus_source, load

SUBGRAPHS = """
[router]
port = 4000
[[subgraph]]
name = "customers"
port = 4001
env_prefix = "CUSTOMERS_"
[[subgraph]]
name = "portfolios"
port = 4002
env_prefix = "PORTFOLIOS_"
"""


def test_routes_are_the_route_entries_of_topology_toml() -> None:
    document = tomllib.loads(TOPOLOGY_FILE.read_text())
    assert [(r.source, r.consumer, list(r.types)) for r in ROUTES] == [
        (entry["source"], entry["consumer"], entry["types"]) for entry in document["route"]
    ]
    assert ROUTES
    assert TOPOLOGY.routes is ROUTES


def test_the_routes_of_topology_toml() -> None:
    """A change to topology.toml's routes shows here first."""
    assert set(ROUTES) == {
        Route("customers", "portfolios", ("CustomerRegistered", "CustomerUpdated", "CustomerClosed")),
        Route("portfolios", "assets", ("PortfolioOpened", "ActivityRecorded", "ActivityCorrected")),
        Route("assets", "portfolios", ("FxRatesStored",)),
    }
    assert TOPOLOGY.producers == ("customers", "portfolios", "assets")
    assert TOPOLOGY.consumers == ("portfolios", "assets")


def test_events_on_the_bus_have_the_source_portfolio_dot_subgraph() -> None:
    assert bus_source("customers") == "portfolio.customers"
    assert [route.bus_source for route in ROUTES] == [f"portfolio.{route.source}" for route in ROUTES]


@pytest.mark.parametrize(
    ("route", "refusal"),
    [
        ('source = "ledger"\nconsumer = "portfolios"\ntypes = ["X"]', "not 'ledger' -> 'portfolios'"),
        ('source = "customers"\nconsumer = "customers"\ntypes = ["X"]', "to itself"),
        ('source = "customers"\nconsumer = "portfolios"\ntypes = []', "names its event types"),
        ('source = "customers"\nconsumer = "portfolios"\ntypes = ["X", "X"]', "an event type twice"),
    ],
)
def test_a_route_that_does_not_join_two_subgraphs_is_refused(
    route: str, refusal: str, tmp_path: Path
) -> None:
    path = tmp_path / "topology.toml"
    path.write_text(f"{SUBGRAPHS}\n[[route]]\n{route}\n")
    with pytest.raises(TopologyError, match=refusal):
        load(path)


def test_one_route_per_source_and_consumer(tmp_path: Path) -> None:
    path = tmp_path / "topology.toml"
    route = '[[route]]\nsource = "customers"\nconsumer = "portfolios"\n'
    path.write_text(f'{SUBGRAPHS}\n{route}types = ["A"]\n{route}types = ["B"]\n')
    with pytest.raises(TopologyError, match="one \\[\\[route\\]\\] per source and consumer"):
        load(path)


def test_a_topology_without_routes_has_no_producers_or_consumers(tmp_path: Path) -> None:
    path = tmp_path / "topology.toml"
    path.write_text(SUBGRAPHS)
    topology = load(path)
    assert (topology.routes, topology.producers, topology.consumers) == ((), (), ())
