"""The subgraphs, the router's port and the event routes, read from the root topology.toml, where
they are named once (DESIGN.md "Layout", decision 12): infra does not restate them."""

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


# Every event on the bus has the source `portfolio.<subgraph>` (the Pipe of that subgraph's table
# sets it); a rule selects a route's events by it.
BUS_SOURCE_PREFIX = "portfolio."


def bus_source(subgraph: str) -> str:
    """The `source` of the events the `subgraph`'s table stream puts on the bus."""
    return f"{BUS_SOURCE_PREFIX}{subgraph}"


@dataclass(frozen=True)
class Route:
    """Events of `types` written by the `source` subgraph go to the `consumer` subgraph's queue."""

    source: str
    consumer: str
    types: tuple[str, ...]

    @property
    def bus_source(self) -> str:
        return bus_source(self.source)


class TopologyError(ValueError):
    pass


@dataclass(frozen=True)
class Topology:
    router_port: int
    subgraphs: tuple[Subgraph, ...]
    routes: tuple[Route, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(subgraph.name for subgraph in self.subgraphs)

    @property
    def producers(self) -> tuple[str, ...]:
        """The subgraphs whose table stream carries events someone consumes, in topology order."""
        sources = {route.source for route in self.routes}
        return tuple(name for name in self.names if name in sources)

    @property
    def consumers(self) -> tuple[str, ...]:
        """The subgraphs with a queue of events, in topology order."""
        consumers = {route.consumer for route in self.routes}
        return tuple(name for name in self.names if name in consumers)


def _route(entry: dict[str, object], names: tuple[str, ...]) -> Route:
    source, consumer, types = entry.get("source"), entry.get("consumer"), entry.get("types")
    if source not in names or consumer not in names:
        raise TopologyError(
            f"a [[route]] joins two subgraphs of {list(names)}, not {source!r} -> {consumer!r}"
        )
    if source == consumer:
        raise TopologyError(f"a [[route]] from {source!r} to itself: a subgraph reads its own table")
    if not isinstance(types, list) or not types or not all(isinstance(t, str) and t for t in types):
        raise TopologyError(f"the [[route]] {source} -> {consumer} names its event types (a list of names)")
    if len(set(types)) != len(types):
        raise TopologyError(f"the [[route]] {source} -> {consumer} names an event type twice")
    return Route(source=str(source), consumer=str(consumer), types=tuple(types))


def load(path: Path = TOPOLOGY_FILE) -> Topology:
    document = tomllib.loads(path.read_text())
    subgraphs = tuple(
        Subgraph(name=entry["name"], port=int(entry["port"]), env_prefix=entry["env_prefix"])
        for entry in document["subgraph"]
    )
    names = tuple(subgraph.name for subgraph in subgraphs)
    routes = tuple(_route(entry, names) for entry in document.get("route", []))
    pairs = [(route.source, route.consumer) for route in routes]
    if len(set(pairs)) != len(pairs):
        raise TopologyError("one [[route]] per source and consumer: list every type there")
    return Topology(router_port=int(document["router"]["port"]), subgraphs=subgraphs, routes=routes)


TOPOLOGY = load()
ROUTES = TOPOLOGY.routes
