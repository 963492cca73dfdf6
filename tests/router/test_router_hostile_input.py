"""Hostile input at the router: each answer is a 4xx (or a GraphQL error with extensions.code), names no
exception, stack frame or file, and the router keeps serving (malformed HTTP: test_router_hostile_http.py).

- GraphQL edge cases: the October 2021 string escapes, subscriptions, malformed JSON in GET, form and
  JSON bodies.
- Token claims the subgraphs refuse: an `iat` in the future (401) and no known role (403).
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
from kit_testing import TestIssuer

from .gateway import INSTRUMENT_ID, Gateway
from .leaks import assert_clean
from .stub import StubSubgraph

QUERY = '{ instrument(symbol: "AAPL") { symbol } }'


# -- GraphQL edge cases --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("literal", "value"),
    [
        (r'"\u{41}\u{41}PL"', "AAPL"),  # braced code points (GraphQL, October 2021)
        (r'"\uD83D\uDCB0"', "\U0001f4b0"),  # an escaped surrogate pair: one character
        (r'"\u{1F4B0}"', "\U0001f4b0"),
        (r'"caf\u00e9"', "caf\u00e9"),  # the older fixed-width escape still works
    ],
)
def test_every_spec_string_escape_reaches_the_subgraph_decoded(
    literal: str, value: str, open_gateway: Gateway, issuer: TestIssuer, stub: StubSubgraph
) -> None:
    """graphql-js reads them but the Rust query planner does not (it was a 500): the router reprints
    such a document before planning, so the subgraph gets the same string value."""
    before = len(stub.requests)
    response = open_gateway.query(f"{{ instrument(symbol: {literal}) {{ symbol }} }}", token=issuer.token())
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"instrument": {"symbol": "AAPL"}}, response.text
    (forwarded,) = stub.seen_since(before)
    assert f"symbol: {json.dumps(value, ensure_ascii=False)}" in forwarded["query"], forwarded["query"]


@pytest.mark.parametrize("literal", [r'"\uD83D"', r'"\u{110000}"', r'"\uDCB0\uD83D"', r'"\u{}"'])
def test_an_invalid_escape_is_a_parse_error(
    literal: str, open_gateway: Gateway, issuer: TestIssuer, stub: StubSubgraph
) -> None:
    before = len(stub.requests)
    response = open_gateway.query(f"{{ instrument(symbol: {literal}) {{ symbol }} }}", token=issuer.token())
    body = response.json()
    assert [error["extensions"]["code"] for error in body["errors"]] == ["GRAPHQL_PARSE_FAILED"], body
    assert_clean(response.text)
    assert stub.seen_since(before) == []


@pytest.mark.parametrize(
    "document",
    ["subscription { __typename }", 'subscription Watch { instrument(symbol: "AAPL") { symbol } }'],
)
def test_a_subscription_is_refused_at_validation(
    document: str, open_gateway: Gateway, issuer: TestIssuer, stub: StubSubgraph
) -> None:
    before = len(stub.requests)
    response = open_gateway.post(
        {"query": document}, token=issuer.token(), headers={"Accept": "application/graphql-response+json"}
    )
    assert response.status_code == 400, response.text  # GraphQL over HTTP: an invalid document
    body = response.json()
    assert body.get("data") is None, body
    assert [(e["message"], e["extensions"]["code"]) for e in body["errors"]] == [
        ("The subscription operation is not supported by the schema.", "GRAPHQL_VALIDATION_FAILED")
    ], body
    assert stub.seen_since(before) == []
    # application/json: the same error, with 200 as GraphQL over HTTP allows
    assert open_gateway.post({"query": document}, token=issuer.token()).json() == body


BAD_JSON = ["{bad", "{", '{"a": }', "[1,", "{'single': 'quotes'}", "NaN"]


@pytest.mark.parametrize("parameter", ["variables", "extensions"])
@pytest.mark.parametrize("text", BAD_JSON)
def test_malformed_json_in_get_parameters_is_a_400(
    parameter: str, text: str, gateway: Gateway, issuer: TestIssuer, stub: StubSubgraph
) -> None:
    before = len(stub.requests)
    params = {"documentId": INSTRUMENT_ID, "variables": '{"symbol": "AAPL"}', parameter: text}
    response = gateway.get(params, token=issuer.token(), headers={"Accept": "application/json"})
    assert response.status_code == 400, response.text
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["BAD_REQUEST"], response.text
    assert_clean(response.text)
    assert stub.seen_since(before) == []


def test_malformed_json_in_a_form_body_is_a_400(gateway: Gateway, issuer: TestIssuer) -> None:
    response = gateway.post(
        token=issuer.token(),
        content=f"documentId={INSTRUMENT_ID}&variables=%7Bbad",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400, response.text
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["BAD_REQUEST"], response.text
    assert_clean(response.text)


def test_malformed_json_without_a_token_is_refused_for_the_token_first(gateway: Gateway) -> None:
    response = gateway.get({"query": QUERY, "variables": "{bad"})
    assert response.status_code == 401, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("body", ['{"query": ', "\ufeff{}", "{'query': 1}", '{"query": "x"} trailing'])
@pytest.mark.parametrize("accept", ["application/json", "application/graphql-response+json"])
def test_a_malformed_json_body_is_a_400_without_the_parser_s_exception(
    body: str, accept: str, gateway: Gateway, issuer: TestIssuer
) -> None:
    response = gateway.post(
        token=issuer.token(),
        content=body.encode(),
        headers={"Content-Type": "application/json", "Accept": accept},
    )
    assert response.status_code == 400, response.text
    assert response.json() == {
        "errors": [{"message": "POST body sent invalid JSON.", "extensions": {"code": "BAD_REQUEST"}}]
    }


# -- token claims ----------------------------------------------------------------------------------------
LEEWAY = 30  # AUTH_LEEWAY_SECONDS, default


def by_document_id(gateway: Gateway, token: str) -> httpx.Response:
    return gateway.post({"documentId": INSTRUMENT_ID, "variables": {"symbol": "AAPL"}}, token=token)


def test_a_token_issued_in_the_future_is_refused_with_401(
    gateway: Gateway, issuer: TestIssuer, stub: StubSubgraph
) -> None:
    before = len(stub.requests)
    future = issuer.token(iat=int(time.time()) + LEEWAY + 60, ttl=3600)
    response = by_document_id(gateway, future)
    assert response.status_code == 401, response.text
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["UNAUTHENTICATED"]
    assert response.headers["www-authenticate"] == "Bearer"
    assert stub.seen_since(before) == []


def test_a_token_issued_within_the_leeway_passes(gateway: Gateway, issuer: TestIssuer) -> None:
    response = by_document_id(gateway, issuer.token(iat=int(time.time()) + LEEWAY - 20))
    assert response.status_code == 200, response.text
    assert response.json()["data"]["instrument"]["symbol"] == "AAPL"


@pytest.mark.parametrize(
    "roles",
    [["guest"], [], "", "superuser root", None, {"admin": True}, [["admin"]], ["ADMIN"]],
    ids=[
        "unknown",
        "empty list",
        "empty string",
        "unknown names",
        "no claim",
        "object",
        "nested",
        "upper case",
    ],
)
def test_a_token_with_no_known_role_is_refused_with_403(
    roles: Any, gateway: Gateway, issuer: TestIssuer, stub: StubSubgraph
) -> None:
    before = len(stub.requests)
    claims = {k: v for k, v in issuer.claims().items() if k != "roles"}
    token = issuer.sign(claims if roles is None else {**claims, "roles": roles})
    response = by_document_id(gateway, token)
    assert response.status_code == 403, response.text
    assert response.json() == {
        "errors": [
            {"message": "The token carries no role this API knows.", "extensions": {"code": "FORBIDDEN"}}
        ]
    }
    assert stub.seen_since(before) == []


@pytest.mark.parametrize("roles", [["customer"], ["operator"], ["guest", "admin"], "guest operator"])
def test_a_token_with_a_known_role_passes(roles: Any, gateway: Gateway, issuer: TestIssuer) -> None:
    response = by_document_id(gateway, issuer.token(roles=roles))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "groups",
    [None, [], ["guest"], ["operator"]],
    ids=["no claim", "no group", "unknown group", "operator"],
)
def test_the_roles_claim_and_default_role_are_configurable(
    groups: Any, cognito_roles: Gateway, issuer: TestIssuer
) -> None:
    """AUTH_ROLES_CLAIM=cognito:groups, AUTH_DEFAULT_ROLE=customer, as in AWS: a user in no group is a
    customer, so every such token passes."""
    claims = {k: v for k, v in issuer.claims().items() if k != "roles"}
    token = issuer.sign(claims if groups is None else {**claims, "cognito:groups": groups})
    response = cognito_roles.query(QUERY, token=token)
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"instrument": {"symbol": "AAPL"}}
