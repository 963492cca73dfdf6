"""What the docker-compose.yml checks share: the file, the dev launcher it is compared with (default
ports, a host no value of the file contains, nothing started), and the translation of a launcher
value into what the compose file must say (container addresses, values given by the operator)."""

from __future__ import annotations

import re
from typing import Any

import yaml
from devstack import toolchain
from devstack.config import DEFAULT_PORTS, StackConfig
from devstack.stack import Stack

COMPOSE_FILE = toolchain.REPO_ROOT / "docker-compose.yml"
LAUNCHER_HOST = "launcher.invalid"  # a host no value of the compose file contains
SERVICE_AT_PORT = {port: name for name, port in DEFAULT_PORTS.items()}

# What the launcher generates (its dev issuer, a fresh token) the compose file takes from whoever
# runs it: `${NAME:?...}` makes compose refuse to start without it.
GIVEN_BY_THE_OPERATOR = {
    "AUTH_ISSUER": "AUTH_ISSUER",
    "AUTH_AUDIENCE": "AUTH_AUDIENCE",
    "AUTH_JWKS_URL": "AUTH_JWKS_URL",
}
OPTIONAL = {"ROUTER_GRAPHIQL_TOKEN": "${ROUTER_GRAPHIQL_TOKEN:-}"}


def load_compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return loaded


def launcher_stack() -> Stack:
    """The dev launcher with its default ports; nothing is started."""
    return Stack(StackConfig(ports=dict(DEFAULT_PORTS), host=LAUNCHER_HOST), echo=False, seed=False)


def in_containers(value: str, key: str = "") -> str:
    """A launcher value as the compose file must say it."""
    if key in GIVEN_BY_THE_OPERATOR:
        return "${" + GIVEN_BY_THE_OPERATOR[key] + ":?"
    if key in OPTIONAL:
        return OPTIONAL[key]
    if value == LAUNCHER_HOST:
        return "0.0.0.0"  # listen on the container's interfaces
    return re.sub(
        rf"http://{re.escape(LAUNCHER_HOST)}:(\d+)",
        lambda match: f"http://{SERVICE_AT_PORT[int(match.group(1))]}:{match.group(1)}",
        value,
    )
