"""The subgraphs as `topology.toml` names them, once, for the launcher and the tests.

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


def _load(path: Path = TOPOLOGY_FILE) -> tuple[int, tuple[Subgraph, ...]]:
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    subgraphs = tuple(
        Subgraph(name=entry["name"], port=int(entry["port"]), env_prefix=entry["env_prefix"])
        for entry in document["subgraph"]
    )
    return int(document["router"]["port"]), subgraphs


ROUTER_PORT, SUBGRAPHS = _load()
SUBGRAPH_NAMES: tuple[str, ...] = tuple(subgraph.name for subgraph in SUBGRAPHS)


def subgraph(name: str) -> Subgraph:
    """The subgraph called `name`; KeyError for a name topology.toml does not list."""
    for candidate in SUBGRAPHS:
        if candidate.name == name:
            return candidate
    raise KeyError(name)


if __name__ == "__main__":
    sys.stdout.writelines(f"{s.name} {s.port} {s.env_prefix}\n" for s in SUBGRAPHS)
