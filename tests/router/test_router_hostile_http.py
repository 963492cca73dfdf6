"""Malformed HTTP at the router, sent as raw bytes (an HTTP client would normalise it): the request
target, Host, request line, headers and framing. Each answer is a 4xx, names no exception, stack frame
or file, and the router keeps serving. The gateway builds a URL from the target and Host before any
plugin runs; what Node's parser lets through and that URL cannot take is refused by
router/src/plugins/http-hygiene.ts, the rest by Node itself.
"""

from __future__ import annotations

import json
import re
import socket
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest
from kit_testing import TestIssuer

from .gateway import INSTRUMENT_ID, Gateway
from .leaks import assert_clean
from .stub import StubSubgraph


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


def assert_still_serving(gateway: Gateway, issuer: TestIssuer) -> None:
    assert httpx.get(f"{gateway.base_url}/healthcheck").status_code == 200
    response = gateway.post(
        {"documentId": INSTRUMENT_ID, "variables": {"symbol": "AAPL"}}, token=issuer.token()
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["instrument"]["symbol"] == "AAPL", response.text


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_http_gets_a_clean_4xx(case: str, gateway: Gateway, issuer: TestIssuer) -> None:
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
    production: Gateway, issuer: TestIssuer, stub: StubSubgraph
) -> None:
    before = len(stub.requests)
    query = urllib.parse.quote(json.dumps({"symbol": "AAPL"}))
    target = f"http://evil/graphql?documentId={INSTRUMENT_ID}&variables={query}"
    request = f"GET {target} HTTP/1.1\r\nHost: evil\r\nAuthorization: Bearer {issuer.token()}\r\n{CLOSE}"
    assert send_raw(production, request.encode()).status == 400
    assert stub.seen_since(before) == []
