"""Hostile input at the router: each answer is a 4xx (or a GraphQL error with extensions.code), names no
exception, stack frame or file, and the router keeps serving.

- Malformed HTTP, sent as raw bytes (an HTTP client would normalise it): the request target, Host,
  request line, headers and framing. The gateway builds a URL from the target and Host before any
  plugin runs; what Node's parser lets through and that URL cannot take is refused by
  router/src/plugins/http-hygiene.ts, the rest by Node itself.
- GraphQL edge cases: the October 2021 string escapes, subscriptions, malformed JSON in GET, form and
  JSON bodies.
- Token claims the subgraphs refuse: an `iat` in the future (401) and no known role (403).
"""

from __future__ import annotations

import json
import re
import socket
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from devstack import toolchain, trusted_documents

if TYPE_CHECKING:
    from conftest import Gateway, Issuer, StubSubgraph

# Stack frames, file paths, exception class names and exception fields. "Syntax Error:" is the
# GraphQL spec's own wording for a document that does not parse, not an exception.
LEAK = re.compile(
    r"node_modules|\bat [\w$.<>]+ \(|\n\s+at |(?<!Syntax )Error:|\b(?:Type|Syntax|Range|Reference|URI)Error\b"
    r"|GenericFailure|originalError|stack|/work/|/gateway/|\.[cm]?[jt]s:\d+",
    re.IGNORECASE,
)

PROFILES = ["production", "development"]
QUERY = '{ instrument(symbol: "AAPL") { symbol } }'
INSTRUMENT_ID = trusted_documents.document_id(
    (toolchain.SCHEMA_DIR / "operations" / "Instrument.graphql").read_text()
)


@pytest.fixture(params=PROFILES)
def gateway(request: pytest.FixtureRequest) -> Gateway:
    running: Gateway = request.getfixturevalue(request.param)
    return running


def assert_clean(body: str) -> None:
    assert LEAK.search(body) is None, body


# -- raw HTTP ------------------------------------------------------------------------------------------
@dataclass
class RawResponse:
    status: int | None
    headers: str
    body: str


def dechunked(body: bytes) -> bytes:
    data = b""
    while body:
        size_line, _, rest = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        data, body = data + rest[:size], rest[size + 2 :]
    return data


def send_raw(gateway: Gateway, data: bytes, timeout: float = 5.0) -> RawResponse:
    """`data` as is over a fresh connection; whatever comes back until the server closes it."""
    host, port = gateway.base_url.removeprefix("http://").split(":")
    received = b""
    with socket.create_connection((host, int(port)), timeout=timeout) as connection:
        try:
            connection.sendall(data)
            while chunk := connection.recv(65536):
                received += chunk
        except (ConnectionResetError, BrokenPipeError, TimeoutError):
            pass  # Node may reset after answering a request it would not read to the end
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, _, headers = head.decode("latin-1").partition("\r\n")
    if re.search(r"^transfer-encoding:\s*chunked", headers, re.IGNORECASE | re.MULTILINE):
        body = dechunked(body)
    match = re.match(r"HTTP/1\.[01] (\d{3}) ", status_line)
    return RawResponse(int(match.group(1)) if match else None, headers, body.decode("utf-8", "replace"))


Request = Callable[[str, str], bytes]  # (host:port, bearer token) -> the raw request


def raw(text: str) -> Request:
    """A request from a template: {host} and {auth} (an Authorization header line) are filled in."""

    def build(host: str, token: str) -> bytes:
        filled = text.replace("{host}", host).replace("{auth}", f"Authorization: Bearer {token}\r\n")
        return filled.encode("utf-8")

    return build


BODY = '{"query":"{ __typename }"}'
CLOSE = "Connection: close\r\n\r\n"

# (request, status) -- 400 with our JSON body where the gateway would have failed; Node's own answer
# (400/431, no body) where its parser refuses.
MALFORMED: dict[str, tuple[Request, int]] = {
    "OPTIONS *": (raw("OPTIONS * HTTP/1.1\r\nHost: {host}\r\n" + CLOSE), 400),
    "absolute-form GET": (
        raw("GET http://evil/graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: {host}\r\n{auth}" + CLOSE),
        400,
    ),
    "absolute-form POST": (
        raw(
            "POST http://evil/graphql HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Type: application/json\r\n"
            f"Content-Length: {len(BODY)}\r\n{CLOSE}{BODY}"
        ),
        400,
    ),
    "absolute-form to ourselves": (
        raw("GET http://{host}/healthcheck HTTP/1.1\r\nHost: {host}\r\n" + CLOSE),
        400,
    ),
    "CONNECT": (raw("CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n" + CLOSE), 400),
    "Host: [": (raw("GET /graphql HTTP/1.1\r\nHost: [\r\n" + CLOSE), 400),
    "Host: [::1": (raw("GET /graphql HTTP/1.1\r\nHost: [::1\r\n" + CLOSE), 400),
    "Host port out of range": (raw("GET /graphql HTTP/1.1\r\nHost: 127.0.0.1:99999\r\n" + CLOSE), 400),
    "Host port not a number": (raw("GET /graphql HTTP/1.1\r\nHost: 127.0.0.1:ab\r\n" + CLOSE), 400),
    "Host with a space": (raw("GET /graphql HTTP/1.1\r\nHost: a b\r\n" + CLOSE), 400),
    "Host with a path": (raw("GET /graphql HTTP/1.1\r\nHost: a/b\r\n" + CLOSE), 400),
    "Host with userinfo": (raw("GET /graphql HTTP/1.1\r\nHost: user@evil\r\n" + CLOSE), 400),
    "Host with bad percent-encoding": (raw("GET /graphql HTTP/1.1\r\nHost: %zz\r\n" + CLOSE), 400),
    "Host invalid punycode": (raw("GET /graphql HTTP/1.1\r\nHost: xn--zz\r\n" + CLOSE), 400),
    "Host not ASCII": (raw("GET /graphql HTTP/1.1\r\nHost: \u00e9vil\r\n" + CLOSE), 400),
    "empty Host": (raw("GET /graphql HTTP/1.1\r\nHost: \r\n" + CLOSE), 400),
    "two Host headers": (raw("GET /graphql HTTP/1.1\r\nHost: {host}\r\nHost: evil\r\n" + CLOSE), 400),
    "HTTP/1.1 without Host": (raw("GET /healthcheck HTTP/1.1\r\n" + CLOSE), 400),
    "unknown method": (raw("FOO /graphql HTTP/1.1\r\nHost: {host}\r\n" + CLOSE), 400),
    "target without a slash": (raw("GET graphql HTTP/1.1\r\nHost: {host}\r\n" + CLOSE), 400),
    "bad percent-encoding in the path": (
        raw("GET /graphql%zz HTTP/1.1\r\nHost: {host}\r\n{auth}" + CLOSE),
        404,
    ),
    "path not ASCII": (raw("GET /graphql\u00e9 HTTP/1.1\r\nHost: {host}\r\n" + CLOSE), 400),
    "unknown HTTP version": (raw("GET /graphql HTTP/9.9\r\nHost: {host}\r\n" + CLOSE), 400),
    "garbage request line": (lambda host, token: b"\x00\x01\x02 garbage\r\n\r\n", 400),
    "bare LF line ends": (raw("GET /healthcheck HTTP/1.1\nHost: {host}\nConnection: close\n\n"), 400),
    "header without a colon": (raw("GET /graphql HTTP/1.1\r\nHost: {host}\r\nBadHeader\r\n" + CLOSE), 400),
    "obsolete header folding": (
        raw("GET /graphql HTTP/1.1\r\nHost: {host}\r\nX-A: a\r\n b\r\n" + CLOSE),
        400,
    ),
    "control character in a header": (
        raw("GET /graphql HTTP/1.1\r\nHost: {host}\r\nX-A: a\x01b\r\n" + CLOSE),
        400,
    ),
    "huge header": (
        raw("GET /graphql HTTP/1.1\r\nHost: {host}\r\nX-Big: " + "a" * 100_000 + "\r\n" + CLOSE),
        431,
    ),
    "thousands of headers": (
        raw(
            "GET /graphql HTTP/1.1\r\nHost: {host}\r\n"
            + "".join(f"X-H{n}: v\r\n" for n in range(3000))
            + CLOSE
        ),
        431,
    ),
    "duplicate Content-Length": (
        raw(
            "POST /graphql HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Type: application/json\r\n"
            f"Content-Length: {len(BODY)}\r\nContent-Length: {len(BODY) + 1}\r\n{CLOSE}{BODY}"
        ),
        400,
    ),
    "Content-Length and chunked": (
        raw(
            "POST /graphql HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Type: application/json\r\n"
            "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n" + CLOSE + "0\r\n\r\n"
        ),
        400,
    ),
    "unknown Transfer-Encoding": (
        raw("POST /graphql HTTP/1.1\r\nHost: {host}\r\n{auth}Transfer-Encoding: gzip\r\n" + CLOSE),
        400,
    ),
    "Content-Length not a number": (
        raw("POST /graphql HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Length: abc\r\n" + CLOSE),
        400,
    ),
    "negative Content-Length": (
        raw("POST /graphql HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Length: -1\r\n" + CLOSE),
        400,
    ),
    "bad chunk size": (
        raw(
            "POST /graphql HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n" + CLOSE + "zz\r\nabc\r\n0\r\n\r\n"
        ),
        400,
    ),
    "malformed JSON body": (
        raw(
            "POST /graphql HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Type: application/json\r\n"
            "Content-Length: 10\r\n" + CLOSE + '{"query": '
        ),
        400,
    ),
    "gzip-encoded body that is not gzip": (
        raw(
            "POST /graphql HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Type: application/json\r\n"
            "Content-Encoding: gzip\r\nContent-Length: 5\r\n" + CLOSE + "abcde"
        ),
        400,
    ),
}


def assert_still_serving(gateway: Gateway, issuer: Issuer) -> None:
    assert httpx.get(f"{gateway.base_url}/healthcheck").status_code == 200
    response = gateway.post(
        {"documentId": INSTRUMENT_ID, "variables": {"symbol": "AAPL"}}, token=issuer.token()
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["instrument"]["symbol"] == "AAPL", response.text


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_http_gets_a_clean_4xx(case: str, gateway: Gateway, issuer: Issuer) -> None:
    build, status = MALFORMED[case]
    response = send_raw(gateway, build(gateway.base_url.removeprefix("http://"), issuer.token()))
    assert response.status == status, (response.status, response.headers, response.body)
    assert_clean(response.headers + response.body)
    if response.body:  # Node's own refusals have none; ours and the gateway's are GraphQL errors
        errors = json.loads(response.body)["errors"]
        assert [error["extensions"]["code"] for error in errors] == ["BAD_REQUEST"], response.body
    assert_still_serving(gateway, issuer)


def test_http_1_0_without_host_is_served(production: Gateway) -> None:
    """HTTP/1.0 has no Host requirement: such a request is valid, and answered as any other."""
    response = send_raw(production, b"GET /healthcheck HTTP/1.0\r\n\r\n")
    assert response.status == 200, response


def test_a_refused_request_reaches_no_subgraph(
    production: Gateway, issuer: Issuer, stub: StubSubgraph
) -> None:
    before = len(stub.requests)
    query = urllib.parse.quote(json.dumps({"symbol": "AAPL"}))
    target = f"http://evil/graphql?documentId={INSTRUMENT_ID}&variables={query}"
    request = f"GET {target} HTTP/1.1\r\nHost: evil\r\nAuthorization: Bearer {issuer.token()}\r\n{CLOSE}"
    assert send_raw(production, request.encode()).status == 400
    assert stub.seen_since(before) == []


# -- GraphQL edge cases --------------------------------------------------------------------------------
OPEN_PROFILES = ["production_open", "development"]


@pytest.fixture(params=OPEN_PROFILES)
def open_gateway(request: pytest.FixtureRequest) -> Gateway:
    running: Gateway = request.getfixturevalue(request.param)
    return running


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
    literal: str, value: str, open_gateway: Gateway, issuer: Issuer, stub: StubSubgraph
) -> None:
    """graphql-js reads them but the Rust query planner does not (it was a 500): the router reprints
    such a document before planning, so the subgraph gets the same string value."""
    before = len(stub.requests)
    response = open_gateway.query(f"{{ instrument(symbol: {literal}) {{ symbol }} }}", issuer.token())
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"instrument": {"symbol": "AAPL"}}, response.text
    (forwarded,) = stub.seen_since(before)
    assert f"symbol: {json.dumps(value, ensure_ascii=False)}" in forwarded["query"], forwarded["query"]


@pytest.mark.parametrize("literal", [r'"\uD83D"', r'"\u{110000}"', r'"\uDCB0\uD83D"', r'"\u{}"'])
def test_an_invalid_escape_is_a_parse_error(
    literal: str, open_gateway: Gateway, issuer: Issuer, stub: StubSubgraph
) -> None:
    before = len(stub.requests)
    response = open_gateway.query(f"{{ instrument(symbol: {literal}) {{ symbol }} }}", issuer.token())
    body = response.json()
    assert [error["extensions"]["code"] for error in body["errors"]] == ["GRAPHQL_PARSE_FAILED"], body
    assert_clean(response.text)
    assert stub.seen_since(before) == []


@pytest.mark.parametrize(
    "document",
    ["subscription { __typename }", 'subscription Watch { instrument(symbol: "AAPL") { symbol } }'],
)
def test_a_subscription_is_refused_at_validation(
    document: str, open_gateway: Gateway, issuer: Issuer, stub: StubSubgraph
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
    parameter: str, text: str, gateway: Gateway, issuer: Issuer, stub: StubSubgraph
) -> None:
    before = len(stub.requests)
    params = {"documentId": INSTRUMENT_ID, "variables": '{"symbol": "AAPL"}', parameter: text}
    response = httpx.get(
        gateway.url,
        params=params,
        headers={"Authorization": f"Bearer {issuer.token()}", "Accept": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["BAD_REQUEST"], response.text
    assert_clean(response.text)
    assert stub.seen_since(before) == []


def test_malformed_json_in_a_form_body_is_a_400(gateway: Gateway, issuer: Issuer) -> None:
    response = gateway.post(
        token=issuer.token(),
        content=f"documentId={INSTRUMENT_ID}&variables=%7Bbad",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400, response.text
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["BAD_REQUEST"], response.text
    assert_clean(response.text)


def test_malformed_json_without_a_token_is_refused_for_the_token_first(gateway: Gateway) -> None:
    response = httpx.get(gateway.url, params={"query": QUERY, "variables": "{bad"})
    assert response.status_code == 401, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("body", ['{"query": ', "\ufeff{}", "{'query': 1}", '{"query": "x"} trailing'])
@pytest.mark.parametrize("accept", ["application/json", "application/graphql-response+json"])
def test_a_malformed_json_body_is_a_400_without_the_parser_s_exception(
    body: str, accept: str, gateway: Gateway, issuer: Issuer
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
    gateway: Gateway, issuer: Issuer, stub: StubSubgraph
) -> None:
    before = len(stub.requests)
    future = issuer.token(iat=int(time.time()) + LEEWAY + 60, ttl=3600)
    response = by_document_id(gateway, future)
    assert response.status_code == 401, response.text
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["UNAUTHENTICATED"]
    assert response.headers["www-authenticate"] == "Bearer"
    assert stub.seen_since(before) == []


def test_a_token_issued_within_the_leeway_passes(gateway: Gateway, issuer: Issuer) -> None:
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
    roles: Any, gateway: Gateway, issuer: Issuer, stub: StubSubgraph
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
def test_a_token_with_a_known_role_passes(roles: Any, gateway: Gateway, issuer: Issuer) -> None:
    response = by_document_id(gateway, issuer.token(roles=roles))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "groups",
    [None, [], ["guest"], ["operator"]],
    ids=["no claim", "no group", "unknown group", "operator"],
)
def test_the_roles_claim_and_default_role_are_configurable(
    groups: Any, cognito_roles: Gateway, issuer: Issuer
) -> None:
    """AUTH_ROLES_CLAIM=cognito:groups, AUTH_DEFAULT_ROLE=customer, as in AWS: a user in no group is a
    customer, so every such token passes."""
    claims = {k: v for k, v in issuer.claims().items() if k != "roles"}
    token = issuer.sign(claims if groups is None else {**claims, "cognito:groups": groups})
    response = cognito_roles.query(QUERY, token)
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"instrument": {"symbol": "AAPL"}}
