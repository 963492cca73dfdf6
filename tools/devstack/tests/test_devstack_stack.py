"""The launcher's Stack under supervision, for real: a killed subgraph comes back by itself and the
router serves through it again; a hung (SIGSTOPped) one is left alone; the relay and the local SQS
come back too, and nothing written meanwhile is lost."""

from __future__ import annotations

import json
import os
import signal
import time
from datetime import UTC, datetime
from typing import Any

import boto3
import httpx
import pytest
from devstack import queues, wiring
from devstack.client import bearer
from devstack.net import http_ok
from devstack.stack import Stack
from devstack.topology import CONSUMERS
from kit.aws.outbox import OutgoingEvent, event_item, event_put
from kit_testing import wait_until
from ulid import ULID

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


def test_the_relay_and_the_local_sqs_are_supervised_like_the_rest(bare_stack: Stack) -> None:
    checkpoints = wiring.relay_checkpoints(bare_stack.relay_dir)
    relay = bare_stack.process("relay")
    relay.send_signal(signal.SIGKILL)
    assert relay.wait(timeout=5) == -signal.SIGKILL
    before = checkpoints.read_text() if checkpoints.exists() else ""
    # An event written while the relay is down is carried once it is back.
    customer_id = str(ULID())
    item = event_item(
        OutgoingEvent("CustomerUpdated", customer_id, 2, {"customerId": customer_id}),
        source="customers",
        occurred_at=datetime.now(UTC),
    )
    boto(bare_stack, "dynamodb").transact_write_items(
        TransactItems=[event_put(bare_stack.config.table("customers"), item)]
    )
    bare_stack.wait_ready("relay", timeout=60)
    assert bare_stack.process("relay").pid != relay.pid
    assert wait_until(lambda: checkpoints.exists() and checkpoints.read_text() != before, timeout=15)

    # moto keeps its queues in memory: a restarted one gets them again.
    sqs = bare_stack.process("sqs")
    sqs.send_signal(signal.SIGKILL)
    assert sqs.wait(timeout=5) == -signal.SIGKILL
    bare_stack.wait_ready("sqs", timeout=60)
    assert wait_until(
        lambda: bare_stack.restarts("sqs") >= 1 and "sqs is back" in " ".join(bare_stack.supervisor.events)
    )
    client = boto(bare_stack, "sqs")
    for consumer in CONSUMERS:
        url = client.get_queue_url(QueueName=bare_stack.config.queue(consumer))["QueueUrl"]
        assert url == queues.queue_url(bare_stack.config, consumer)
        redrive = client.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"]
        assert int(json.loads(redrive["RedrivePolicy"])["maxReceiveCount"]) == queues.MAX_RECEIVE_COUNT
    bare_stack.check_alive()


def boto(stack: Stack, service: str) -> Any:
    endpoint = stack.config.sqs_url if service == "sqs" else stack.config.dynamodb_url
    return boto3.client(
        service,
        region_name=queues.REGION,
        endpoint_url=endpoint,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
