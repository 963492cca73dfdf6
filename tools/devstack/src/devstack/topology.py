"""The subgraphs and the event routes as `topology.toml` names them, once, for the launcher and the
tests.

Run as a script (`python3 tools/devstack/src/devstack/topology.py`, standard library only) it prints
one line per subgraph, `name port env_prefix`, for shell loops such as the image builds in CI.
"""

from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

TOPOLOGY_FILE = Path(__file__).resolve().parents[4] / "topology.toml"


@dataclass(frozen=True)
class Subgraph:
    name: str
    port: int
    env_prefix: str


@dataclass(frozen=True)
class Route:
    """Events of `types` from the `source` subgraph's table stream go to the `consumer`'s queue."""

    source: str
    consumer: str
    types: tuple[str, ...]

    def carries(self, source: str, event_type: str) -> bool:
        return source == self.source and event_type in self.types


def _load(path: Path = TOPOLOGY_FILE) -> tuple[int, tuple[Subgraph, ...], tuple[Route, ...]]:
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    subgraphs = tuple(
        Subgraph(name=entry["name"], port=int(entry["port"]), env_prefix=entry["env_prefix"])
        for entry in document["subgraph"]
    )
    routes = tuple(
        Route(source=entry["source"], consumer=entry["consumer"], types=tuple(entry["types"]))
        for entry in document.get("route", [])
    )
    names = {subgraph.name for subgraph in subgraphs}
    for route in routes:
        if {route.source, route.consumer} - names:
            raise ValueError(f"{path}: a route names a subgraph it does not list: {route}")
    return int(document["router"]["port"]), subgraphs, routes


ROUTER_PORT, SUBGRAPHS, ROUTES = _load()
SUBGRAPH_NAMES: tuple[str, ...] = tuple(subgraph.name for subgraph in SUBGRAPHS)
# The subgraphs that consume events, in topology.toml's order: each gets a queue (and its DLQ).
CONSUMERS: tuple[str, ...] = tuple(
    name for name in SUBGRAPH_NAMES if any(route.consumer == name for route in ROUTES)
)


def consumers_of(source: str, event_type: str) -> tuple[str, ...]:
    """Whose queues an event of `event_type` from `source` goes to."""
    return tuple(route.consumer for route in ROUTES if route.carries(source, event_type))


def subgraph(name: str) -> Subgraph:
    """The subgraph called `name`; KeyError for a name topology.toml does not list."""
    for candidate in SUBGRAPHS:
        if candidate.name == name:
            return candidate
    raise KeyError(name)


if __name__ == "__main__":
    sys.stdout.writelines(f"{s.name} {s.port} {s.env_prefix}\n" for s in SUBGRAPHS)
