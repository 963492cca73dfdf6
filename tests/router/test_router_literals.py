"""Number literals in a document at the router: a literal reaches the subgraph as written, with its
value, or is refused at validation when the Rust query planner would change it (it reads 64-bit
integers and doubles only)."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

import pytest
from graphql import (
    Node,
    ObjectFieldNode,
    parse,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from kit_testing import TestIssuer

from .gateway import Gateway
from .stub import StubSubgraph
from .variable_checks import GENERATED, assert_refused, send


# -- number literals in the document ------------------------------------------------------------------
def add_with(quantity: str, amount: str = '"1"') -> str:
    return (
        f'mutation {{ addInvestment(input: {{portfolioId: "p", symbol: "A", quantity: {quantity}, '
        f'purchasePrice: {{amount: {amount}, currencyCode: "USD"}}, purchasedAt: "2024-01-02"}}) '
        "{ __typename } }"
    )


def forwarded_literal(query: str, name: str) -> str:
    """The text of the first `name: <number>` argument field in the document a subgraph received."""
    found: list[str] = []

    def visit(node: Any) -> None:
        if isinstance(node, ObjectFieldNode) and node.name.value == name and hasattr(node.value, "value"):
            found.append(node.value.value)
        for key in getattr(node, "keys", ()):
            child = getattr(node, key, None)
            for item in child if isinstance(child, (list, tuple)) else [child]:
                if isinstance(item, Node):
                    visit(item)

    visit(parse(query))
    return found[0]


LITERALS_REFUSED = {
    # 64 bits is all the planner reads (it answered HTTP 500 "Failed to parse query").
    "Int beyond 64 bits at a Decimal": add_with("12345678901234567890"),
    "Int beyond 64 bits at an ID": "query { customer(id: 99999999999999999999) { id } }",
    # It carried these as `inf`, `0` and `0.1`.
    "Float beyond a double": add_with("1", "1E+1000100"),
    "Float below a double": add_with("1", "1E-1000100"),
    "Float with more digits than a double": add_with("0.10000000000000000000001"),
    "default beyond a double's integers": (
        "mutation($q: Decimal! = 9007199254740993) { setManualFxRate(input: "
        '{fromCurrency: "USD", toCurrency: "CHF", rate: $q}) { __typename } }'
    ),
}


@pytest.mark.parametrize("case", LITERALS_REFUSED)
def test_a_literal_the_planner_would_change_is_refused_at_validation(
    case: str, production_open: Gateway, token: str, quiet: None
) -> None:
    (message,) = assert_refused(
        send(production_open, token, {"query": LITERALS_REFUSED[case]}), "GRAPHQL_VALIDATION_FAILED"
    )
    assert "as a string" in message, message


@pytest.mark.parametrize(
    ("quantity", "amount"),
    [("10", "0.1"), ("9223372036854775807", "1e2"), ("-0", "1.5e-300"), ("0.000001", "12.50")],
)
def test_literals_reach_the_subgraph_with_their_value(
    quantity: str, amount: str, production_open: Gateway, token: str, stub: StubSubgraph
) -> None:
    before = len(stub.requests)
    send(production_open, token, {"query": add_with(quantity, amount)})
    (forwarded,) = stub.seen_since(before)
    assert Decimal(forwarded_literal(forwarded["query"], "quantity")) == Decimal(quantity)
    assert Decimal(forwarded_literal(forwarded["query"], "amount")) == Decimal(amount)


def carried_as_written(text: str) -> bool:
    """Independently of the router: a 64-bit Int, or a Float whose nearest double is its value."""
    if re.fullmatch(r"-?\d+", text):
        return -(2**63) <= int(text) < 2**63
    double = float(text)
    return math.isfinite(double) and Decimal(repr(double)) == Decimal(text)


@settings(GENERATED)
@given(
    number=st.one_of(
        st.decimals(allow_nan=False, allow_infinity=False).map(str),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.floats(allow_nan=False, allow_infinity=False).map(repr),
    )
)
def test_generated_decimal_literals_are_carried_exactly_or_refused(
    production_open: Gateway, issuer: TestIssuer, stub: StubSubgraph, number: str
) -> None:
    before = len(stub.requests)
    response = send(production_open, issuer.token(), {"query": add_with(number)})
    if carried_as_written(number):
        (forwarded,) = stub.seen_since(before)
        assert Decimal(forwarded_literal(forwarded["query"], "quantity")) == Decimal(number)
    else:
        assert_refused(response, "GRAPHQL_VALIDATION_FAILED", count=1)
        assert stub.seen_since(before) == []
