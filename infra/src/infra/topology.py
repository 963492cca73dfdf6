"""The subgraphs and the router's port, read from the root topology.toml, where they are named once
(DESIGN.md "Layout"): infra does not restate them."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

TOPOLOGY_FILE = Path(__file__).resolve().parents[3] / "topology.toml"


@dataclass(frozen=True)
class Subgraph:
    name: str  # the Python package, the ECS service and its Service Connect name
    port: int
    env_prefix: str  # of its settings' environment variables, e.g. "CUSTOMERS_"

    @property
    def construct_prefix(self) -> str:
        """How the ids of its resources begin ("Customers"), as they always have."""
        return self.name.capitalize()


@dataclass(frozen=True)
class Topology:
    router_port: int
    subgraphs: tuple[Subgraph, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(subgraph.name for subgraph in self.subgraphs)


def load(path: Path = TOPOLOGY_FILE) -> Topology:
    document = tomllib.loads(path.read_text())
    return Topology(
        router_port=int(document["router"]["port"]),
        subgraphs=tuple(
            Subgraph(name=entry["name"], port=int(entry["port"]), env_prefix=entry["env_prefix"])
            for entry in document["subgraph"]
        ),
    )


TOPOLOGY = load()
