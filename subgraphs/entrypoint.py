"""The entry point of every subgraph image (subgraphs/Dockerfile): runs the service it was built for.

The image knows its service and port from its build arguments, kept as SERVICE and PORT; each
service reads its settings under its own prefix, topology.toml's `env_prefix` (CUSTOMERS_HOST, ...).
So this fills in <prefix>HOST (every interface, as a container listens) and <prefix>PORT (the
image's port) unless the container is given them, and then becomes the service's own console
script (exec: the service is PID 1 and gets the container's signals). `health` probes the same
port's /health, for the image's HEALTHCHECK. Standard library only.
"""

from __future__ import annotations

import os
import sys
import tomllib
import urllib.request
from collections.abc import Mapping
from pathlib import Path

TOPOLOGY = Path(__file__).with_name("topology.toml")
LISTEN_ON_EVERY_INTERFACE = "0.0.0.0"  # noqa: S104 - a container's port is published, not its loopback


def env_prefix(service: str, topology: Path = TOPOLOGY) -> str:
    for entry in tomllib.loads(topology.read_text(encoding="utf-8"))["subgraph"]:
        if entry["name"] == service:
            return str(entry["env_prefix"])
    raise SystemExit(f"SERVICE={service!r} is not a subgraph of topology.toml")


def service_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The container's environment, with the service's host and port where it does not set them."""
    prefix = env_prefix(environ["SERVICE"])
    return {f"{prefix}HOST": LISTEN_ON_EVERY_INTERFACE, f"{prefix}PORT": environ["PORT"], **environ}


def health(environ: Mapping[str, str]) -> None:
    """Raises (a non-zero exit) unless the service answers its /health on the port it listens on."""
    port = int(service_environment(environ)[f"{env_prefix(environ['SERVICE'])}PORT"])
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=3) as response:
        if response.status != 200:
            raise SystemExit(f"/health answered {response.status}")


def main(argv: list[str]) -> None:
    if argv == ["health"]:
        health(os.environ)
        return
    if argv:
        raise SystemExit("usage: entrypoint.py [health]")
    script = f"{os.environ['SERVICE']}-subgraph"
    os.execvpe(script, [script], service_environment(os.environ))  # noqa: S606 - the image's own script


if __name__ == "__main__":
    main(sys.argv[1:])
