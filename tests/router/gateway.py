"""Hive Gateway on its own, as the dev launcher starts it (router/gateway.config.ts with the committed
schema/supergraph.graphql), on a free port: one whose configuration the tests choose, and nothing
of the developer's shell."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable

from devstack import toolchain, trusted_documents
from devstack.client import GraphQLClient
from devstack.net import free_port, wait_for_http_ok
from devstack.processes import ManagedProcess
from devstack.topology import SUBGRAPHS

from ..routers import gateway_command

STARTUP_TIMEOUT = 60.0
# The kept contract operation Instrument, served by id: production accepts nothing but such ids.
INSTRUMENT_ID = trusted_documents.document_id(
    (toolchain.SCHEMA_DIR / "operations" / "Instrument.graphql").read_text()
)

# Whatever the developer's shell exports must not leak into the gateway under test.
_SCRUBBED_PREFIXES = ("ROUTER_", "AUTH_", "OTEL_", "LOG_")
_SCRUBBED = {"HOST", "PORT", "FORK", "POLLING", "CONFIG_PATH", "NODE_ENV", "DEBUG"} | {
    f"{subgraph.env_prefix}URL" for subgraph in SUBGRAPHS
}


def subgraph_urls(url: str) -> dict[str, str]:
    """Every subgraph's URL variable (CUSTOMERS_URL, ...) set to `url`."""
    return {f"{subgraph.env_prefix}URL": url for subgraph in SUBGRAPHS}


def gateway_env(overrides: dict[str, str]) -> dict[str, str]:
    env = {
        name: value
        for name, value in toolchain.env_with_node().items()
        if not name.startswith(_SCRUBBED_PREFIXES) and name not in _SCRUBBED
    }
    env.update(overrides)
    return env


class Gateway(GraphQLClient):
    """A running gateway: the GraphQL client of its /graphql (no token of its own: each request names
    its token), its process and its base URL (probes, GraphiQL assets)."""

    def __init__(self, process: ManagedProcess, base_url: str) -> None:
        super().__init__(f"{base_url}/graphql", timeout=15.0)
        self.process, self.base_url = process, base_url

    def stop(self) -> None:
        self.close()
        self.process.stop()


def start_gateway(env: dict[str, str]) -> Gateway:
    port = free_port()
    process = ManagedProcess(
        "router",
        gateway_command(),
        env=gateway_env({"ROUTER_HOST": "127.0.0.1", "ROUTER_PORT": str(port), **env}),
        cwd=toolchain.ROUTER_DIR,
        echo=False,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http_ok(f"{base_url}/readiness", STARTUP_TIMEOUT)
    except TimeoutError as error:
        process.stop()
        raise AssertionError(f"the gateway did not start: {error}\n{process.tail(60)}") from error
    return Gateway(process, base_url)


def refused_starts(envs: Iterable[dict[str, str]], timeout: float = 60.0) -> list[tuple[int | None, str]]:
    """Start one gateway per env at once; each must exit by itself. (exit code, output) of each."""
    processes = [
        subprocess.Popen(
            gateway_command(),
            env=gateway_env({"ROUTER_PORT": str(free_port()), **env}),
            cwd=toolchain.ROUTER_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        for env in envs
    ]
    results = []
    for process in processes:
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        results.append((process.returncode, output.decode(errors="replace")))
    return results
