"""The router's cost limit bounds the size of the answer: list sizes come from the supergraph's
@listSize, the whole operation is estimated after validation, and a refusal comes before any subgraph
call (router/src/plugins/cost.ts). The kept contract operations pass with a margin."""

from __future__ import annotations

import re
import subprocess
from typing import Any

import pytest
from devstack import toolchain
from kit_testing import TestIssuer

from .examples import valid_variables
from .gateway import Gateway
from .stub import StubSubgraph

DEFAULT_MAX_COST = 25000  # router/gateway.config.ts
CODE = "COST_ESTIMATED_TOO_EXPENSIVE"
# Assumed sizes in kit/cost.py, composed into the supergraph.
PORTFOLIOS, LOTS = 10, 100

# issue 11: 1,296 lots from a 6-lot portfolio, estimated at 8 by the gateway's own demand control.
FAN_OUT = (
    "query($id: ID!) { portfolio(id: $id) { investments { portfolio { investments { "
    "portfolio { investments { id } } } } } } }"
)
FAN_OUT_COST = 1 + LOTS * (2 + LOTS * (2 + LOTS))
# The same fan-out under a customer (the customers subgraph would be called first) and in fragments.
CUSTOMER_FAN_OUT = (
    "query($id: ID!) { customer(id: $id) { id portfolios { investments { portfolio { investments { "
    "portfolio { investments { id } } } } } } } }"
)
CUSTOMER_FAN_OUT_COST = 1 + PORTFOLIOS * (1 + FAN_OUT_COST - 1)
FRAGMENT_FAN_OUT = """
query($id: ID!) { portfolio(id: $id) { ...Lots } }
fragment Lots on Portfolio {
  investments { portfolio { investments { portfolio { investments { id } } } } }
}"""


def refusal(body: dict[str, Any]) -> dict[str, Any]:
    assert body.get("data") is None, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == CODE, body
    assert "node_modules" not in error["message"] and "Error:" not in error["message"], error
    extensions: dict[str, Any] = error["extensions"]
    return extensions


@pytest.mark.parametrize(
    ("document", "estimated"),
    [(FAN_OUT, FAN_OUT_COST), (CUSTOMER_FAN_OUT, CUSTOMER_FAN_OUT_COST), (FRAGMENT_FAN_OUT, FAN_OUT_COST)],
    ids=["portfolio", "under-a-customer", "in-fragments"],
)
def test_a_nested_fan_out_is_refused_before_any_subgraph_call(
    production_open: Gateway, issuer: TestIssuer, stub: StubSubgraph, document: str, estimated: int
) -> None:
    before = len(stub.requests)
    response = production_open.query(document, {"id": "P1"}, token=issuer.token())
    assert response.status_code == 200, response.text
    extensions = refusal(response.json())
    assert extensions["cost"] == {"estimated": estimated, "max": DEFAULT_MAX_COST}
    assert stub.seen_since(before) == []


def test_one_level_of_the_same_lists_is_planned(
    production_open: Gateway, issuer: TestIssuer, stub: StubSubgraph
) -> None:
    before = len(stub.requests)
    document = "query($id: ID!) { portfolio(id: $id) { investments { id portfolio { name } } } }"
    body = production_open.query(document, {"id": "P1"}, token=issuer.token()).json()
    assert CODE not in str(body), body
    assert len(stub.seen_since(before)) == 1  # reached the (stub) portfolios subgraph


SEARCH = (
    'query($n: Int!) { searchInstruments(query: "A", first: $n) '
    "{ edges { node { symbol quote { price { amount } } } } } }"
)


@pytest.mark.parametrize(("first", "refused"), [(50, False), (10000, True)])
def test_a_page_counts_at_the_size_asked_for(
    production_open: Gateway, issuer: TestIssuer, stub: StubSubgraph, first: int, refused: bool
) -> None:
    before = len(stub.requests)
    body = production_open.query(SEARCH, {"n": first}, token=issuer.token()).json()
    if refused:
        assert refusal(body)["cost"] == {"estimated": 1 + first * 4, "max": DEFAULT_MAX_COST}
        assert stub.seen_since(before) == []
    else:
        assert CODE not in str(body), body
        assert len(stub.seen_since(before)) == 1


def measured_costs() -> dict[str, int]:
    """Each kept operation's cost, as `node scripts/measure-operations.mjs` prints it."""
    result = subprocess.run(
        [str(toolchain.node_executable()), "scripts/measure-operations.mjs"],
        cwd=toolchain.ROUTER_DIR,
        env=toolchain.env_with_node(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    rows = re.findall(r"'(\w+)'\s*│.*│\s*(\d+)\s*│\s*$", result.stdout, flags=re.MULTILINE)
    return {name: int(cost) for name, cost in rows}


def test_the_kept_operations_cost_at_most_a_third_of_the_limit() -> None:
    costs = measured_costs()
    assert len(costs) == len(list((toolchain.SCHEMA_DIR / "operations").glob("*.graphql")))
    assert costs["Dashboard"] == 6061  # a 10 x 50 book; the header of gateway.config.ts says so
    assert max(costs.values()) * 3 <= DEFAULT_MAX_COST, costs


LARGEST_FIRST = {
    "Customers": {"first": 100},
    "SearchInstruments": {"first": 50},
    "PortfolioLedger": {"first": 100},
    "PortfolioAuditTrail": {"first": 100},
}


def test_the_router_estimates_as_measure_operations_counts(development: Gateway, issuer: TestIssuer) -> None:
    """The development gateway (ROUTER_MAX_COST=5) reports its estimate, refused or not."""
    costs = measured_costs()
    for path in sorted((toolchain.SCHEMA_DIR / "operations").glob("*.graphql")):
        # Only Instrument (5) runs; the others are refused at their cost. Valid variables, as the
        # variables are checked first; a page at its largest `first`, as measure-operations counts it.
        document = path.read_text()
        variables = valid_variables(document, **LARGEST_FIRST.get(path.stem, {}))
        body = development.query(document, variables, token=issuer.token()).json()
        cost = body["errors"][0]["extensions"]["cost"] if costs[path.stem] > 5 else body["extensions"]["cost"]
        assert cost == {"estimated": costs[path.stem], "max": 5}, (path.stem, body)
