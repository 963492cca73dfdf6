"""Malformed GraphQL-over-HTTP bodies sent to the router as raw bytes, in both profiles: bytes that are
not UTF-8 or not JSON, JSON of the wrong shape, content types, GET parameters, GraphQL string
escapes, subscriptions and Accept.

Whatever arrives, the answer is a status below 500 with no internals (answers.answer_problems), or
the connection is closed without one (Node's parser does that to some garbage, and a body that never
arrives cannot be answered); and the router still serves the Dashboard after each test.
"""

from __future__ import annotations

import json

import pytest

from .raw_http import PROFILES, QUERY, TOKEN, get, post, q, request, send
from .suite import Hostile

# name -> (request, whether it is sent with its write side closed: a body that never arrives)
CASES: dict[str, tuple[bytes, bool]] = {
    "non-UTF-8 bytes in the JSON": (
        post(b'{"query":"{ instrument(symbol: \\"\xff\xfe\xc0\\") { name } }"}'),
        False,
    ),
    "non-UTF-8 bytes outside strings": (post(b'{"query":"{ __typename }"\xff}'), False),
    "UTF-8 BOM before the JSON": (post(b"\xef\xbb\xbf" + QUERY), False),
    "UTF-16 body": (post(QUERY.decode().encode("utf-16")), False),
    "JSON array": (post(b"[]"), False),
    "JSON array of requests": (post(b"[" + QUERY + b"," + QUERY + b"]"), False),
    "JSON string": (post(b'"{ __typename }"'), False),
    "JSON number": (post(b"1e999"), False),
    "JSON null": (post(b"null"), False),
    "JSON true": (post(b"true"), False),
    "empty body": (post(b""), False),
    "invalid JSON": (post(b"{x}"), False),
    "invalid JSON: trailing comma": (post(b'{"query":"{ __typename }",}'), False),
    "invalid JSON: single quotes": (post(b"{'query':'{ __typename }'}"), False),
    "invalid JSON: unterminated": (post(b'{"query":"{ __typename }'), False),
    "invalid JSON: lone surrogate escape": (post(b'{"query":"{ __typename }","x":"\\ud800"}'), False),
    "invalid JSON: bad escape": (post(b'{"query":"\\x41"}'), False),
    "deeply nested JSON": (
        post(b'{"query":"{ __typename }","variables":{"a":' + b"[" * 3000 + b"]" * 3000 + b"}}"),
        False,
    ),
    "query is a number": (post(b'{"query":12}'), False),
    "query is an object": (post(b'{"query":{"a":1}}'), False),
    "query missing": (post(b'{"variables":{}}'), False),
    "variables is a string": (post(b'{"query":"{ __typename }","variables":"{}"}'), False),
    "variables is an array": (post(b'{"query":"{ __typename }","variables":[1]}'), False),
    "extensions is a string": (post(b'{"query":"{ __typename }","extensions":"x"}'), False),
    "extensions with a malformed persisted query": (
        post(b'{"query":"{ __typename }","extensions":{"persistedQuery":{"version":1,"sha256Hash":5}}}'),
        False,
    ),
    "documentId is an object": (post(b'{"documentId":{"a":1}}'), False),
    "documentId unknown": (post(b'{"documentId":"sha256:' + b"0" * 64 + b'"}'), False),
    "operationName is a number": (post(b'{"query":"{ __typename }","operationName":5}'), False),
    "operationName unknown": (post(b'{"query":"query A { __typename }","operationName":"B"}'), False),
    "__proto__ in variables": (post(b'{"query":"{ __typename }","variables":{"__proto__":{"x":1}}}'), False),
    "constructor in body": (post(b'{"query":"{ __typename }","constructor":{"prototype":{"x":1}}}'), False),
    "text/plain": (post(QUERY, b"text/plain"), False),
    "no Content-Type": (request(b"POST", b"/graphql", [], QUERY), False),
    "application/graphql": (post(b"{ __typename }", b"application/graphql"), False),
    "form-urlencoded": (post(b"query=%7B__typename%7D", b"application/x-www-form-urlencoded"), False),
    "multipart without boundary": (post(QUERY, b"multipart/form-data"), False),
    "multipart with garbage": (post(b"--b\r\ngarbage", b"multipart/form-data; boundary=b"), False),
    "JSON with charset=utf-16": (post(QUERY, b"application/json; charset=utf-16"), False),
    "JSON with a bogus charset": (post(QUERY, b"application/json; charset=x-nope"), False),
    "Content-Type garbage": (post(QUERY, b";;;===\x01"), False),
    "GET with malformed variables": (get("query=" + q("{ __typename }") + "&variables=%7Bx"), False),
    "GET with malformed extensions": (get("query=" + q("{ __typename }") + "&extensions=%7Bx"), False),
    "GET with variables not an object": (
        get("query=" + q("{ __typename }") + "&variables=" + q("[1]")),
        False,
    ),
    "GET with extensions not an object": (
        get("query=" + q("{ __typename }") + "&extensions=" + q('"x"')),
        False,
    ),
    "GET with bad percent-encoding in variables": (
        get("query=" + q("{ __typename }") + "&variables=%ZZ"),
        False,
    ),
    "GET with a persisted query hash that is a number": (
        get("extensions=" + q('{"persistedQuery":{"version":1,"sha256Hash":1}}')),
        False,
    ),
    "GET with a mutation": (
        get("query=" + q('mutation { closePortfolio(input: {id: "x"}) { userErrors { code } } }')),
        False,
    ),
    "GET with two query parameters": (
        get("query=" + q("{ __typename }") + "&query=" + q("{ __typename }")),
        False,
    ),
    "GET with an empty query": (get("query="), False),
    "GET without query": (get(""), False),
    "GraphQL escape \\u{61} in a document": (
        post(json.dumps({"query": '{ instrument(symbol: "\\u{61}") { name } }'}).encode()),
        False,
    ),
    "GraphQL surrogate-pair escape in a document": (
        post(json.dumps({"query": '{ instrument(symbol: "\\uD83D\\uDCB0") { name } }'}).encode()),
        False,
    ),
    "GraphQL lone surrogate escape in a document": (
        post(json.dumps({"query": '{ instrument(symbol: "\\uD83D") { name } }'}).encode()),
        False,
    ),
    "GraphQL escape \\u{110000} in a document": (
        post(json.dumps({"query": '{ instrument(symbol: "\\u{110000}") { name } }'}).encode()),
        False,
    ),
    "subscription operation": (post(json.dumps({"query": "subscription { __typename }"}).encode()), False),
    "subscription with a field": (
        post(json.dumps({"query": 'subscription S { customer(id: "x") { id } }'}).encode()),
        False,
    ),
    "Accept: text/event-stream subscription": (
        request(
            b"POST",
            b"/graphql",
            [(b"Content-Type", b"application/json"), (b"Accept", b"text/event-stream")],
            json.dumps({"query": "subscription { __typename }"}).encode(),
        ),
        False,
    ),
    "Accept: nothing acceptable": (
        request(
            b"POST", b"/graphql", [(b"Content-Type", b"application/json"), (b"Accept", b"image/png")], QUERY
        ),
        False,
    ),
}


@pytest.mark.parametrize("where", PROFILES)
@pytest.mark.parametrize("case", list(CASES))
def test_malformed_http_gets_a_clean_answer(hostile: Hostile, where: str, case: str) -> None:
    raw, half_close = CASES[case]
    send(hostile, where, raw, half_close)


@pytest.mark.parametrize("parameter", ["variables", "extensions"])
def test_malformed_json_in_get_parameters_is_a_400(hostile: Hostile, parameter: str) -> None:
    raw = get("query=" + q("{ __typename }") + f"&{parameter}=%7Bx").replace(
        TOKEN.encode(), hostile.admin.encode()
    )
    answer = hostile.raw("development", raw)
    assert answer.status == 400, answer
    assert answer.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST", answer
