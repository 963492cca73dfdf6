"""The subgraphs as `topology.toml` names them, once, for the launcher and the tests."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

TOPOLOGY_FILE = Path(__file__).resolve().parents[4] / "topology.toml"


@dataclass(frozen=True)
class Subgraph:
    name: str
    port: int
    env_prefix: str


def _load(path: Path = TOPOLOGY_FILE) -> tuple[int, tuple[Subgraph, ...]]:
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    subgraphs = tuple(
        Subgraph(name=entry["name"], port=int(entry["port"]), env_prefix=entry["env_prefix"])
        for entry in document["subgraph"]
    )
    return int(document["router"]["port"]), subgraphs


ROUTER_PORT, SUBGRAPHS = _load()
SUBGRAPH_NAMES: tuple[str, ...] = tuple(subgraph.name for subgraph in SUBGRAPHS)
