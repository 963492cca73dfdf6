"""Ports and URLs of the local stack, each overridable by environment variable (DESIGN.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from devstack.net import free_ports
from devstack.topology import ROUTER_PORT, SUBGRAPHS

# The router and the subgraphs as topology.toml has them; the launcher's own processes besides.
DEFAULT_PORTS = {
    "router": ROUTER_PORT,
    **{subgraph.name: subgraph.port for subgraph in SUBGRAPHS},
    "issuer": 4004,  # the dev token issuer's JWKS (devstack.dev_issuer)
    "dynamodb": 8000,
    "sqs": 4566,  # moto's server: the local SQS the event consumers poll (devstack.queues)
}
# The variable that moves each process: a subgraph's is its own settings' (CUSTOMERS_PORT, ...).
PORT_VARIABLES = {name: f"{name.upper()}_PORT" for name in DEFAULT_PORTS} | {
    subgraph.name: f"{subgraph.env_prefix}PORT" for subgraph in SUBGRAPHS
}


@dataclass(frozen=True)
class StackConfig:
    ports: dict[str, int]
    host: str = "127.0.0.1"
    data_dir: Path | None = None  # None: DynamoDB Local in memory (tests, benchmarks)
    table_prefix: str = ""
    extra_env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, data_dir: Path | None) -> StackConfig:
        ports = {
            name: int(os.environ.get(PORT_VARIABLES[name], port)) for name, port in DEFAULT_PORTS.items()
        }
        return cls(ports=ports, host=os.environ.get("DEVSTACK_HOST", "127.0.0.1"), data_dir=data_dir)

    @classmethod
    def ephemeral(cls) -> StackConfig:
        """Free ports and in-memory data: for tests, so they never collide with a running `make dev`."""
        return cls(ports=dict(zip(DEFAULT_PORTS, free_ports(len(DEFAULT_PORTS)), strict=True)))

    def url(self, name: str, path: str = "") -> str:
        return f"http://{self.host}:{self.ports[name]}{path}"

    @property
    def dynamodb_url(self) -> str:
        return self.url("dynamodb")

    @property
    def sqs_url(self) -> str:
        return self.url("sqs")

    @property
    def issuer_url(self) -> str:
        """The dev issuer's `iss`: tokens minted for one port are refused by a stack on another."""
        return self.url("issuer")

    @property
    def router_graphql_url(self) -> str:
        return self.url("router", "/graphql")

    def table(self, subgraph: str) -> str:
        return f"{self.table_prefix}{subgraph}"

    def queue(self, consumer: str) -> str:
        """The name of a consumer's event queue (its dead-letter queue adds "-dlq")."""
        return f"{self.table_prefix}{consumer}-events"
