"""Hive Gateway as the cross-service tests start it beside (or instead of) a stack's own router: the
launcher's command, and a second router in the production profile over a running stack's subgraphs."""

from __future__ import annotations

from devstack import toolchain
from devstack.net import free_port, wait_for_http_ok
from devstack.processes import ManagedProcess
from devstack.stack import Stack

READY_TIMEOUT = 90.0


def gateway_command() -> list[str]:
    """The router's command, as the dev launcher runs it."""
    return [str(toolchain.node_executable()), str(toolchain.router_bin("hive-gateway")), "supergraph"]


def start_production_router(stack: Stack) -> tuple[ManagedProcess, int]:
    """A second router over the stack's subgraphs in its default production profile, ready, and its
    port. Production refuses GraphiQL's development tokens and demo preloads: they are left out."""
    port = free_port()
    env = {
        key: value
        for key, value in stack.router_env().items()
        if not key.startswith(("ROUTER_GRAPHIQL", "ROUTER_DEMO"))
    }
    env.update(ROUTER_PORT=str(port), ROUTER_PROFILE="production")
    process = ManagedProcess(
        "router-production",
        gateway_command(),
        env=toolchain.env_with_node(env),
        cwd=toolchain.ROUTER_DIR,
        echo=False,
    )
    try:
        wait_for_http_ok(f"http://127.0.0.1:{port}/readiness", READY_TIMEOUT)
    except BaseException:
        process.stop()
        raise
    return process, port
