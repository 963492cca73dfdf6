"""Issue 7 end to end: the router refuses a too-deep, a too-long and an oversized document, at the
limits router/gateway.config.ts sets by default (the dev launcher overrides none of them), while a
document right at each limit still runs."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from devstack import toolchain
from devstack.client import GraphQLClient, operation
from devstack.stack import Stack
from ulid import ULID

pytestmark = pytest.mark.e2e


def default_limit(variable: str) -> int:
    """The default of `envCount('<variable>', <default>)` in router/gateway.config.ts."""
    config = (toolchain.ROUTER_DIR / "gateway.config.ts").read_text()
    found = re.search(rf"envCount\(\s*'{variable}'\s*,\s*(\d+)\s*\)", config)
    assert found, f"no default for {variable} in gateway.config.ts"
    return int(found.group(1))


@pytest.fixture(scope="module")
def limits(stack: Stack) -> dict[str, int]:
    names = ("ROUTER_MAX_DEPTH", "ROUTER_MAX_TOKENS", "ROUTER_MAX_BODY_BYTES")
    assert not set(names) & set(stack.router_env()), "the stack overrides a default limit"
    return {name: default_limit(name) for name in names}


@pytest.fixture(scope="module")
def admin(stack: Stack) -> Iterator[GraphQLClient]:
    token = stack.issuer.token(f"e2e-access-limits-admin-{ULID()}", ["admin"])
    with GraphQLClient(stack.config.router_graphql_url, token=token) as client:
        yield client


def nested(depth: int) -> str:
    """portfolio { owner { portfolios { owner { ... { id } } } } }: `depth` fields deep."""
    selection = "id"
    for level in range(depth - 2, 0, -1):
        selection = f"{'owner' if level % 2 else 'portfolios'} {{ {selection} }}"
    return f"query Deep($id: ID!) {{ portfolio(id: $id) {{ {selection} }} }}"


def refused_before_execution(response: httpx.Response, message: str) -> None:
    body: dict[str, Any] = response.json()
    assert body.get("data") is None, body
    assert [error["message"] for error in body["errors"]] == [message]


def test_a_document_at_the_depth_limit_runs_and_one_level_deeper_is_refused(
    stack: Stack, admin: GraphQLClient, limits: dict[str, int]
) -> None:
    depth = limits["ROUTER_MAX_DEPTH"]
    variables = {"id": str(ULID())}
    at_limit = admin.query(nested(depth), variables)
    assert at_limit.status_code == 200, at_limit.text
    assert at_limit.json()["data"] == {"portfolio": None}  # no such portfolio: staff get a plain null
    deeper = admin.query(nested(depth + 1), variables)
    refused_before_execution(deeper, f"Query depth limit of {depth} exceeded, found {depth + 1}.")
    assert deeper.json()["errors"][0]["extensions"]["code"] == "MAX_DEPTH_EXCEEDED"


def test_a_document_of_too_many_tokens_is_refused(
    stack: Stack, admin: GraphQLClient, limits: dict[str, int]
) -> None:
    tokens = limits["ROUTER_MAX_TOKENS"]
    # `query Long {` and `}` are 4 tokens; each `__typename` one more.
    at_limit = "query Long { " + "__typename " * (tokens - 4) + "}"
    response = admin.query(at_limit)
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"__typename": "Query"}
    longer = "query Long { " + "__typename " * (tokens - 3) + "}"
    response = admin.query(longer)
    refused_before_execution(response, f"Token limit of {tokens} exceeded.")
    assert response.json()["errors"][0]["extensions"]["code"] == "MAX_TOKENS_EXCEEDED"


def padded_dashboard(size: int) -> bytes:
    """The Dashboard request, its document padded with a comment to exactly `size` bytes."""

    def body(padding: int) -> bytes:
        document = f"# {'x' * padding}\n{operation('Dashboard')}"
        return json.dumps(
            {"query": document, "variables": {"customerId": "01J00000000000000000000000"}}
        ).encode()

    padded = body(size - len(body(0)))
    assert len(padded) == size
    return padded


def test_a_body_at_the_size_limit_runs_and_one_byte_more_is_refused_with_413(
    stack: Stack, admin: GraphQLClient, limits: dict[str, int]
) -> None:
    size = limits["ROUTER_MAX_BODY_BYTES"]
    headers = {"Content-Type": "application/json"}
    at_limit = admin.post(content=padded_dashboard(size), headers=headers)
    assert at_limit.status_code == 200, at_limit.text
    assert at_limit.json()["data"] == {"customer": None}
    larger = admin.post(content=padded_dashboard(size + 1), headers=headers)
    assert larger.status_code == 413, larger.text
    assert larger.json() == {
        "errors": [
            {
                "message": f"The request body is larger than {size} bytes.",
                "extensions": {"code": "REQUEST_TOO_LARGE"},
            }
        ]
    }
