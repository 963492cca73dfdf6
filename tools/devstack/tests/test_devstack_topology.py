"""devstack.topology reads the root topology.toml: the one list of subgraphs."""

from __future__ import annotations

import tomllib

from devstack.topology import ROUTER_PORT, SUBGRAPH_NAMES, SUBGRAPHS, TOPOLOGY_FILE


def test_the_topology_is_the_files_list_in_its_order() -> None:
    document = tomllib.loads(TOPOLOGY_FILE.read_text(encoding="utf-8"))
    assert tuple(entry["name"] for entry in document["subgraph"]) == SUBGRAPH_NAMES
    assert [s.port for s in SUBGRAPHS] == [entry["port"] for entry in document["subgraph"]]
    assert document["router"]["port"] == ROUTER_PORT


def test_every_subgraph_has_its_own_port_and_prefix() -> None:
    assert len({s.port for s in SUBGRAPHS} | {ROUTER_PORT}) == len(SUBGRAPHS) + 1
    assert all(s.env_prefix == f"{s.name.upper()}_" for s in SUBGRAPHS)
