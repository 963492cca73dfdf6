"""The router's limits, at their defaults unless a fixture says otherwise: body size (413, chunked too),
depth, aliases, tokens and demand-control cost. The depth, alias and token limits hold in development
as well as in production. The mutation rate limit: test_router_rate_limit.py; CORS: test_router_cors.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from devstack import toolchain
from kit_testing import TestIssuer

from .gateway import Gateway
from .stub import StubSubgraph

# The defaults in router/gateway.config.ts.
MAX_BODY_BYTES = 16384
MAX_DEPTH = 10
MAX_ALIASES = 10
MAX_TOKENS = 500


def errors_of(response: httpx.Response) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = response.json().get("errors", [])
    return errors


def refused(response: httpx.Response, message: str, code: str) -> None:
    body = response.json()
    assert body.get("data") is None, body
    assert [(error["message"], error["extensions"]["code"]) for error in body["errors"]] == [
        (message, code)
    ], body


# -- request body ------------------------------------------------------------------------------------
def padded_body(size: int) -> bytes:
    """A valid GraphQL request of exactly `size` bytes."""
    skeleton = json.dumps({"query": "{ __typename }", "variables": {"pad": ""}}).encode()
    body = json.dumps(
        {"query": "{ __typename }", "variables": {"pad": "x" * (size - len(skeleton))}}
    ).encode()
    assert len(body) == size
    return body


def chunks(body: bytes, size: int = 1000) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


JSON = {"Content-Type": "application/json"}


def test_a_body_at_the_limit_passes(production_open: Gateway, issuer: TestIssuer) -> None:
    response = production_open.post(content=padded_body(MAX_BODY_BYTES), token=issuer.token(), headers=JSON)
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"__typename": "Query"}


def test_a_larger_body_is_refused_with_413_before_authentication(
    production_open: Gateway, issuer: TestIssuer
) -> None:
    for token in (issuer.token(), None):
        response = production_open.post(content=padded_body(MAX_BODY_BYTES + 1), token=token, headers=JSON)
        assert response.status_code == 413, response.text
        assert errors_of(response)[0]["extensions"]["code"] == "REQUEST_TOO_LARGE"


def test_a_chunked_body_is_counted_as_it_streams(production_open: Gateway, issuer: TestIssuer) -> None:
    token = issuer.token()
    small = production_open.post(content=chunks(padded_body(MAX_BODY_BYTES)), token=token, headers=JSON)
    assert small.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in small.request.headers
    assert small.status_code == 200, small.text
    assert small.json()["data"] == {"__typename": "Query"}

    large = production_open.post(content=chunks(padded_body(200_000)), token=token, headers=JSON)
    assert large.status_code == 413, large.text
    assert errors_of(large)[0]["extensions"]["code"] == "REQUEST_TOO_LARGE"


# -- depth, aliases, tokens ------------------------------------------------------------------------------
def nested(levels: int) -> str:
    """`instrument` with `levels` nested inline fragments around `symbol`: depth levels + 2."""
    inner = "symbol"
    for _ in range(levels):
        inner = f"... on Instrument {{ {inner} }}"
    return f'{{ instrument(symbol: "AAPL") {{ {inner} }} }}'


def test_depth_up_to_the_limit_passes(open_gateway: Gateway, issuer: TestIssuer) -> None:
    response = open_gateway.query(nested(MAX_DEPTH - 2), token=issuer.token())
    assert response.json()["data"] == {"instrument": {"symbol": "AAPL"}}, response.text


def test_a_deeper_document_is_refused_before_any_subgraph_call(
    open_gateway: Gateway, issuer: TestIssuer, stub: StubSubgraph
) -> None:
    before = len(stub.requests)
    response = open_gateway.query(nested(MAX_DEPTH - 1), token=issuer.token())
    refused(
        response, f"Query depth limit of {MAX_DEPTH} exceeded, found {MAX_DEPTH + 1}.", "MAX_DEPTH_EXCEEDED"
    )
    assert stub.seen_since(before) == []


def aliased(count: int) -> str:
    """`count` aliases of a scalar field: cheap to run, so only the alias limit can refuse it."""
    fields = " ".join(f"a{n}: symbol" for n in range(count))
    return f'{{ instrument(symbol: "AAPL") {{ {fields} }} }}'


def test_aliases_up_to_the_limit_pass(open_gateway: Gateway, issuer: TestIssuer) -> None:
    response = open_gateway.query(aliased(MAX_ALIASES), token=issuer.token())
    expected = {f"a{n}": "AAPL" for n in range(MAX_ALIASES)}
    assert response.json()["data"] == {"instrument": expected}, response.text


def test_more_aliases_are_refused(open_gateway: Gateway, issuer: TestIssuer, stub: StubSubgraph) -> None:
    before = len(stub.requests)
    response = open_gateway.query(aliased(MAX_ALIASES + 1), token=issuer.token())
    refused(
        response, f"Aliases limit of {MAX_ALIASES} exceeded, found {MAX_ALIASES + 1}.", "MAX_ALIASES_EXCEEDED"
    )
    assert stub.seen_since(before) == []


def test_typename_aliases_count_too(open_gateway: Gateway, issuer: TestIssuer) -> None:
    at_limit = "{ " + " ".join(f"t{n}: __typename" for n in range(MAX_ALIASES)) + " }"
    assert open_gateway.query(at_limit, token=issuer.token()).json()["data"] == {
        f"t{n}": "Query" for n in range(MAX_ALIASES)
    }
    over = "{ " + " ".join(f"t{n}: __typename" for n in range(MAX_ALIASES + 1)) + " }"
    response = open_gateway.query(over, token=issuer.token())
    refused(
        response, f"Aliases limit of {MAX_ALIASES} exceeded, found {MAX_ALIASES + 1}.", "MAX_ALIASES_EXCEEDED"
    )


def with_tokens(count: int) -> str:
    """`{ instrument ( symbol : "AAPL" ) { symbol... } }`: 10 tokens around count - 10 fields."""
    return '{ instrument(symbol: "AAPL") { ' + " ".join(["symbol"] * (count - 10)) + " } }"


def test_tokens_up_to_the_limit_pass(open_gateway: Gateway, issuer: TestIssuer) -> None:
    response = open_gateway.query(with_tokens(MAX_TOKENS), token=issuer.token())
    assert response.json()["data"] == {"instrument": {"symbol": "AAPL"}}, response.text


def test_more_tokens_are_refused(open_gateway: Gateway, issuer: TestIssuer, stub: StubSubgraph) -> None:
    before = len(stub.requests)
    response = open_gateway.query(with_tokens(MAX_TOKENS + 1), token=issuer.token())
    refused(response, f"Token limit of {MAX_TOKENS} exceeded.", "MAX_TOKENS_EXCEEDED")
    assert stub.seen_since(before) == []


# -- demand-control cost (the development fixture sets ROUTER_MAX_COST=5) ----------------------------------
# 1 per composite-typed field: each instrument, its quote and each Money. Instrument.graphql costs 5.
COST_5 = (
    '{ instrument(symbol: "AAPL") { quote { price { amount } previousClose { amount } change { amount } } } }'
)
COST_6 = COST_5[:-2] + ' other: instrument(symbol: "MSFT") { symbol } }'


def test_an_operation_within_the_cost_limit_runs(development: Gateway, issuer: TestIssuer) -> None:
    body = development.query(COST_5, token=issuer.token()).json()
    assert body["data"]["instrument"]["quote"]["change"] == {"amount": "0.0000"}, body
    assert body["extensions"]["cost"] == {"estimated": 5, "max": 5}


def test_a_costlier_operation_is_refused_before_its_subgraph_call(
    development: Gateway, issuer: TestIssuer, stub: StubSubgraph
) -> None:
    before = len(stub.requests)
    body = development.query(COST_6, token=issuer.token()).json()
    assert body.get("data") is None, body
    assert {error["extensions"]["code"] for error in body["errors"]} == {"COST_ESTIMATED_TOO_EXPENSIVE"}, body
    assert body["errors"][0]["extensions"]["cost"] == {"estimated": 6, "max": 5}
    assert stub.seen_since(before) == []


# -- the kept contract operations pass every default limit --------------------------------------------------
OPERATIONS = sorted((toolchain.SCHEMA_DIR / "operations").glob("*.graphql"))


@pytest.mark.parametrize("path", OPERATIONS, ids=[path.stem for path in OPERATIONS])
def test_every_kept_operation_passes_the_default_limits(
    production_open: Gateway, issuer: TestIssuer, path: Path
) -> None:
    """Sent in full, without its variables: parsing and validation, where the token, depth and alias
    limits act, pass; execution then stops at the first missing variable, before any subgraph call.
    The cost limit acts here too, with every page at its largest `first` (test_router_cost.py)."""
    response = production_open.post({"query": path.read_text()}, token=issuer.token())
    assert response.status_code == 200, response.text
    messages = [error["message"] for error in errors_of(response)]
    assert messages, response.text
    assert all('variable "$' in message.lower() for message in messages), messages
