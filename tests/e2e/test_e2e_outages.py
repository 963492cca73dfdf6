"""Issue 11 (outages) end to end: one subgraph killed, or hung (SIGSTOP), under the router.

For each, the Dashboard answers HTTP 200 within 3 s with everything the live subgraphs own, null
exactly where the missing one's fields are, a SUBGRAPH_UNAVAILABLE error pointing at each null, and no
null where the schema says non-null; the router's log names the request and holds no investor data;
and once the subgraph is back (restarted, or SIGCONT), the full Dashboard returns without touching
the router. A stack of its own: the outages would disturb the other end-to-end tests; its router logs
at debug level, the most it can write.
"""

from __future__ import annotations

import contextlib
import copy
import os
import re
import signal
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from devstack import schema_gate, toolchain
from devstack.client import GraphQLClient, operation
from devstack.config import StackConfig
from devstack.demo_data import DEMO_MANUAL_PRICES, DEMO_PORTFOLIOS
from devstack.stack import Stack
from devstack.topology import SUBGRAPH_NAMES
from graphql import GraphQLResolveInfo, GraphQLSchema, execute_sync, parse
from ulid import ULID

pytestmark = pytest.mark.e2e

UNAVAILABLE = "SUBGRAPH_UNAVAILABLE"
PARTIAL_ANSWER_SECONDS = 3.0
RECOVERY_SECONDS = 30.0
DASHBOARD = operation("Dashboard")

# Measured seconds to the partial answer, by (subgraph, how), printed at the end of the module.
MEASURED: dict[tuple[str, str], float] = {}


# -- the stack and the baseline --------------------------------------------------------------------
@pytest.fixture(scope="module")
def stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    config = replace(StackConfig.ephemeral(), extra_env={"LOG_LEVEL": "debug"})
    with Stack(config, echo=False) as running:
        yield running
    # Shown even when output is captured: the measurements are part of what this module reports.
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        for (name, how), seconds in sorted(MEASURED.items()):
            print(f"outage: {name} {how}: partial Dashboard in {seconds:.2f} s")


@pytest.fixture(scope="module")
def client(stack: Stack) -> Iterator[GraphQLClient]:
    assert stack.demo is not None
    token = stack.issuer.customer(stack.demo.customer_id)
    with GraphQLClient(stack.config.router_graphql_url, token=token) as router:
        yield router


@pytest.fixture(scope="module")
def api_schema() -> GraphQLSchema:
    return schema_gate.load_schema((toolchain.SCHEMA_DIR / "supergraph.graphql").read_text())


@pytest.fixture(scope="module")
def baseline(stack: Stack, client: GraphQLClient) -> dict[str, Any]:
    """The full Dashboard with every subgraph up."""
    status, body, _ = dashboard(stack, client, f"baseline-{ULID()}")
    assert status == 200 and "errors" not in body, body
    data: dict[str, Any] = body["data"]
    assert data["customer"]["portfolios"], "the demo customer has portfolios"
    return data


def dashboard(stack: Stack, client: GraphQLClient, request_id: str) -> tuple[int, dict[str, Any], float]:
    """(status, body, seconds) of the Dashboard for the demo customer, sent with `request_id`."""
    assert stack.demo is not None
    started = time.monotonic()
    response = client.query(
        DASHBOARD, {"customerId": stack.demo.customer_id}, headers={"x-request-id": request_id}
    )
    seconds = time.monotonic() - started
    body: dict[str, Any] = response.json()
    return response.status_code, body, seconds


# -- what a client generated from the schema accepts ----------------------------------------------
def nullability_violations(schema: GraphQLSchema, data: dict[str, Any] | None) -> list[str]:
    """Errors graphql-core reports when it re-executes the Dashboard over the answer itself: each field
    reads its own response key, so a null (or missing value) under a non-null type is reported as
    "Cannot return null for non-nullable field ...", as a generated client would refuse it."""

    def from_answer(source: Any, info: GraphQLResolveInfo, **_: Any) -> Any:
        return source.get(info.path.key) if isinstance(source, dict) else None

    result = execute_sync(
        schema,
        parse(DASHBOARD),
        root_value=data or {},
        variable_values={"customerId": "any"},  # not read: every value comes from the answer
        field_resolver=from_answer,
    )
    return [error.message for error in result.errors or []]


def test_the_nullability_check_finds_a_null_the_schema_forbids(
    api_schema: GraphQLSchema, baseline: dict[str, Any]
) -> None:
    assert nullability_violations(api_schema, baseline) == []
    broken = copy.deepcopy(baseline)
    broken["customer"]["portfolios"][0]["positions"][0]["quantity"] = None
    [violation] = nullability_violations(api_schema, broken)
    assert "Position.quantity" in violation


# -- the outages -----------------------------------------------------------------------------------
def expected_partial(baseline: dict[str, Any], down: str) -> tuple[dict[str, Any], set[tuple[Any, ...]]]:
    """The Dashboard without `down`: (data, paths of its SUBGRAPH_UNAVAILABLE errors)."""
    data = copy.deepcopy(baseline)
    if down == "customers":  # the entry point: nothing else can be reached
        return {"customer": None}, {("customer",)}
    if down == "portfolios":
        data["customer"]["portfolios"] = None
        return data, {("customer", "portfolios")}
    paths: set[tuple[Any, ...]] = set()
    for p, portfolio in enumerate(data["customer"]["portfolios"]):
        portfolio["valuation"] = None
        paths.add(("customer", "portfolios", p, "valuation"))
        for i, position in enumerate(portfolio["positions"]):
            position["instrument"] = None
            paths.add(("customer", "portfolios", p, "positions", i, "instrument"))
    return data, paths


def investor_data(stack: Stack, baseline: dict[str, Any]) -> list[str]:
    """What must never reach a log: the owner's and the portfolios' ids, holdings' symbols, and the
    holdings' quantities and cost bases as the router sends them to the assets subgraph."""
    assert stack.demo is not None
    customer = baseline["customer"]
    sensitive = [stack.demo.customer_id, customer["email"], *stack.demo.portfolio_ids]
    sensitive += [symbol for _, _, _, _, lots in DEMO_PORTFOLIOS for symbol, *_ in lots]
    sensitive += [symbol for symbol, *_ in DEMO_MANUAL_PRICES]
    for portfolio in customer["portfolios"]:
        for position in portfolio["positions"]:
            sensitive.append(f'"quantity":"{position["quantity"]}"')
            sensitive.append(position["costBasis"]["amount"])
    return sensitive


def leaks(log: str, sensitive: list[str]) -> list[str]:
    """Each of `sensitive` found in `log` as a whole token (not inside a longer id or number)."""
    return [item for item in sensitive if re.search(rf"(?<![\w.-]){re.escape(item)}(?![\w-])", log)]


def router_log(stack: Stack) -> str:
    """What the router wrote, without the console writer's colours."""
    return re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(stack.child("router").lines))


def take_down(stack: Stack, name: str, how: str) -> None:
    process = stack.child(name).process
    if how == "killed":
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    else:
        os.killpg(process.pid, signal.SIGSTOP)


def bring_back(stack: Stack, name: str, how: str) -> None:
    if how == "killed":
        stack.wait_ready(name)  # the launcher's supervisor starts it again by itself
    else:
        os.killpg(stack.child(name).process.pid, signal.SIGCONT)


def other_root_field(stack: Stack, client: GraphQLClient) -> dict[str, Any]:
    """The customer (from customers) and an instrument (from assets) in one document."""
    assert stack.demo is not None
    document = """query Beside($id: ID!, $symbol: String!) {
        customer(id: $id) { name }
        instrument(symbol: $symbol) { symbol assetClass }
    }"""
    variables = {"id": stack.demo.customer_id, "symbol": "AAPL"}
    response = client.query(document, variables)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def stable(data: dict[str, Any]) -> Any:
    """The Dashboard without what moves between two reads (simulated prices and what follows)."""
    trimmed = copy.deepcopy(data)
    for portfolio in trimmed["customer"]["portfolios"] or []:
        for position in portfolio["positions"]:
            if position["instrument"] is not None:
                position["instrument"].pop("quote")
        portfolio["valuation"] = portfolio["valuation"] is not None
    return trimmed


@pytest.mark.parametrize("how", ["killed", "hung"])
@pytest.mark.parametrize("down", SUBGRAPH_NAMES)
def test_the_dashboard_answers_in_time_with_what_is_up_and_recovers(
    stack: Stack,
    client: GraphQLClient,
    api_schema: GraphQLSchema,
    baseline: dict[str, Any],
    down: str,
    how: str,
) -> None:
    router = stack.child("router").process.pid
    request_id = f"outage-{down}-{how}-{ULID()}"
    take_down(stack, down, how)
    try:
        status, body, seconds = dashboard(stack, client, request_id)
        beside = other_root_field(stack, client) if down == "customers" else None
    finally:
        bring_back(stack, down, how)
    MEASURED[(down, how)] = seconds

    assert status == 200, body
    assert seconds < PARTIAL_ANSWER_SECONDS, f"{seconds:.2f} s"
    data, paths = expected_partial(baseline, down)
    assert body["data"] == data
    assert nullability_violations(api_schema, body["data"]) == []
    errors = body["errors"]
    assert {tuple(error["path"]) for error in errors} == paths
    assert len(errors) == len(paths)  # one error for each null
    for error in errors:
        assert error["extensions"] == {"code": UNAVAILABLE}, error
        assert f"The {down} service is unavailable" in error["message"]

    if beside is not None:  # a root field of a live subgraph, asked beside the missing one, is answered
        instrument = {"symbol": "AAPL", "assetClass": "STOCK"}
        assert beside["data"] == {"customer": None, "instrument": instrument}
        codes = [(error["path"], error["extensions"]["code"]) for error in beside["errors"]]
        assert codes == [(["customer"], UNAVAILABLE)]

    # The router's log names the request and the subgraph, and carries no investor data.
    log = router_log(stack)
    logged = rf'Subgraph unavailable.*\n\s*requestId: "{request_id}"\n\s*subgraph: "{down}"'
    assert re.search(logged, log), log[-3000:]
    assert leaks(log, investor_data(stack, baseline)) == []

    # Back by itself: the same router answers the full Dashboard again.
    deadline = time.monotonic() + RECOVERY_SECONDS
    while True:
        status, body, _ = dashboard(stack, client, f"recovery-{ULID()}")
        if (status == 200 and "errors" not in body) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert status == 200 and "errors" not in body, body
    assert stable(body["data"]) == stable(baseline)
    assert stack.child("router").process.pid == router and stack.child("router").alive()
