"""The launcher's Stack under supervision, for real: a killed subgraph comes back by itself and the
router serves through it again; a hung (SIGSTOPped) one is left alone."""

from __future__ import annotations

import os
import signal
import time

import httpx
import pytest
from devstack.client import bearer
from devstack.net import http_ok
from devstack.stack import Stack

pytestmark = pytest.mark.e2e

# Resolved by portfolios alone: null (no such portfolio) and no error only if the router reached it.
PORTFOLIO = "query($id: ID!) { portfolio(id: $id) { id name } }"


def through_the_router(stack: Stack, document: str, variables: dict[str, str]) -> httpx.Response:
    return httpx.post(
        stack.config.router_graphql_url,
        json={"query": document, "variables": variables},
        headers=bearer(stack.issuer.admin()),
        timeout=15,
    )


def test_a_killed_subgraph_is_restarted_and_served_again(bare_stack: Stack) -> None:
    before = bare_stack.process("portfolios")
    others = {name: bare_stack.process(name).pid for name in ("customers", "assets", "router", "dynamodb")}
    restarts = bare_stack.restarts("portfolios")
    events = len(bare_stack.supervisor.events)

    killed = time.monotonic()
    before.send_signal(signal.SIGKILL)
    assert before.wait(timeout=5) == -signal.SIGKILL
    waited = bare_stack.wait_ready("portfolios", timeout=120)
    back = time.monotonic() - killed
    print(f"portfolios ready again {back:.1f} s after SIGKILL (waited {waited:.1f} s)")

    assert bare_stack.restarts("portfolios") == restarts + 1
    assert bare_stack.process("portfolios").pid != before.pid
    assert http_ok(bare_stack.config.url("portfolios", "/ready"))
    said = bare_stack.supervisor.events[events:]
    assert said[0] == "portfolios was killed by SIGKILL; restarting in 0.5 s (attempt 1)"
    assert said[1].startswith("portfolios is back, ready ")
    assert {name: bare_stack.process(name).pid for name in others} == others  # nothing else restarted
    bare_stack.check_alive()  # the stack is fine

    # The router reaches the new process without a restart of its own.
    response = through_the_router(bare_stack, PORTFOLIO, {"id": "01J0STACKTEST0000000000000"})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"portfolio": None}
    assert "errors" not in body, body


def test_a_hung_subgraph_is_not_restarted(bare_stack: Stack) -> None:
    process = bare_stack.process("assets")
    restarts = bare_stack.restarts("assets")
    os.killpg(process.pid, signal.SIGSTOP)  # its whole process group, as an outage test would
    try:
        time.sleep(2.0)
        assert not http_ok(bare_stack.config.url("assets", "/ready"), timeout=0.5)
        assert bare_stack.process("assets").pid == process.pid
        assert bare_stack.restarts("assets") == restarts
        assert process.poll() is None
        assert not any(event.startswith("assets") for event in bare_stack.supervisor.events)
    finally:
        os.killpg(process.pid, signal.SIGCONT)
    bare_stack.wait_ready("assets", timeout=30)
    assert bare_stack.process("assets").pid == process.pid
