"""The router's mutation rate limit per subject (router/src/plugins): the production_open fixture sets
ROUTER_MUTATION_RATE_LIMIT=3; every mutation field of a document counts, a refusal is HTTP 429 with
RATE_LIMITED and reaches no subgraph."""

from __future__ import annotations

import httpx
from kit_testing import TestIssuer

from .gateway import Gateway
from .stub import StubSubgraph

RATE_LIMIT = 3
FX = 'setManualFxRate(input: {fromCurrency: "EUR", toCurrency: "USD", rate: "1.1"}) { userErrors { code } }'
MUTATION = f"mutation {{ {FX} }}"


def fx_mutations(count: int) -> str:
    return "mutation { " + " ".join(f"m{n}: {FX}" for n in range(count)) + " }"


def assert_rate_limited(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    body = response.json()
    assert body.get("data") is None, body
    assert [error["extensions"]["code"] for error in body["errors"]] == ["RATE_LIMITED"], body
    assert response.headers["retry-after"] == "60"


def test_mutations_are_limited_per_subject(
    production_open: Gateway, issuer: TestIssuer, stub: StubSubgraph
) -> None:
    for _ in range(RATE_LIMIT):
        passed = production_open.query(MUTATION, token=issuer.token("busy-operator"))
        assert passed.json()["data"] == {"setManualFxRate": {"userErrors": []}}, passed.text

    before = len(stub.requests)
    # A fresh token for the same subject does not start a fresh bucket.
    assert_rate_limited(production_open.query(MUTATION, token=issuer.token("busy-operator", kid="rs-key")))
    assert stub.seen_since(before) == []

    # Another subject still passes; queries by the limited one too.
    other = production_open.query(MUTATION, token=issuer.token("another-operator"))
    assert other.json()["data"] == {"setManualFxRate": {"userErrors": []}}, other.text
    query = production_open.query(
        '{ instrument(symbol: "AAPL") { symbol } }', token=issuer.token("busy-operator")
    )
    assert query.json()["data"] == {"instrument": {"symbol": "AAPL"}}, query.text


def test_every_mutation_field_of_a_document_counts(
    production_open: Gateway, issuer: TestIssuer, stub: StubSubgraph
) -> None:
    at_once = production_open.query(fx_mutations(RATE_LIMIT), token=issuer.token("batching-operator"))
    assert at_once.json()["data"] == {f"m{n}": {"userErrors": []} for n in range(RATE_LIMIT)}, at_once.text
    before = len(stub.requests)
    assert_rate_limited(production_open.query(MUTATION, token=issuer.token("batching-operator")))

    # More mutation fields in one document than the limit allows: none of them runs.
    assert_rate_limited(
        production_open.query(fx_mutations(RATE_LIMIT + 1), token=issuer.token("greedy-operator"))
    )
    assert stub.seen_since(before) == []
