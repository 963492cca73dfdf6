"""devstack.topology reads the root topology.toml: the one list of subgraphs and of
event routes."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from devstack.topology import (
    CONSUMERS,
    ROUTER_PORT,
    ROUTES,
    SUBGRAPH_NAMES,
    SUBGRAPHS,
    TOPOLOGY_FILE,
    _load,
    consumers_of,
)


def test_the_topology_is_the_files_list_in_its_order() -> None:
    document = tomllib.loads(TOPOLOGY_FILE.read_text(encoding="utf-8"))
    assert tuple(entry["name"] for entry in document["subgraph"]) == SUBGRAPH_NAMES
    assert [s.port for s in SUBGRAPHS] == [entry["port"] for entry in document["subgraph"]]
    assert document["router"]["port"] == ROUTER_PORT


def test_every_subgraph_has_its_own_port_and_prefix() -> None:
    assert len({s.port for s in SUBGRAPHS} | {ROUTER_PORT}) == len(SUBGRAPHS) + 1
    assert all(s.env_prefix == f"{s.name.upper()}_" for s in SUBGRAPHS)


def test_the_routes_are_the_files_routes_in_its_order() -> None:
    document = tomllib.loads(TOPOLOGY_FILE.read_text(encoding="utf-8"))
    assert [(r.source, r.consumer, list(r.types)) for r in ROUTES] == [
        (entry["source"], entry["consumer"], entry["types"]) for entry in document["route"]
    ]
    assert tuple(name for name in SUBGRAPH_NAMES if name in {r.consumer for r in ROUTES}) == CONSUMERS


def test_an_event_goes_to_the_consumers_routed_by_source_and_type() -> None:
    assert consumers_of("customers", "CustomerClosed") == ("portfolios",)
    assert consumers_of("portfolios", "ActivityRecorded") == ("assets",)
    assert consumers_of("portfolios", "PortfolioRenamed") == ()  # no route carries it
    assert consumers_of("assets", "CustomerClosed") == ()  # the type, but not from that source


def test_a_route_naming_an_unknown_subgraph_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "topology.toml"
    broken.write_text(
        TOPOLOGY_FILE.read_text(encoding="utf-8")
        + '\n[[route]]\nsource = "customers"\nconsumer = "ledgers"\ntypes = ["CustomerClosed"]\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="ledgers"):
        _load(broken)
