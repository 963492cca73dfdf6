"""Malformed HTTP requests sent to the router as raw bytes, in both profiles: the request line and
target, Host, methods, paths, headers, framing, other protocols and hostile header values.

Whatever arrives, the answer is a status below 500 with no internals (answers.answer_problems), or
the connection is closed without one (Node's parser does that to some garbage, and a body that never
arrives cannot be answered); and the router still serves the Dashboard after each test.
"""

from __future__ import annotations

import pytest

from .raw_http import PROFILES, QUERY, TOKEN, get, request, send
from .suite import Hostile

# name -> (request, whether it is sent with its write side closed: a body that never arrives)
CASES: dict[str, tuple[bytes, bool]] = {
    "OPTIONS *": (request(b"OPTIONS", b"*"), False),
    "OPTIONS * without token": (request(b"OPTIONS", b"*", token=False), False),
    "OPTIONS * with CORS preflight": (
        request(
            b"OPTIONS",
            b"*",
            [(b"Origin", b"http://evil.example"), (b"Access-Control-Request-Method", b"POST")],
        ),
        False,
    ),
    "absolute-form target": (
        request(b"POST", b"http://evil.example/graphql", [(b"Content-Type", b"application/json")], QUERY),
        False,
    ),
    "absolute-form target with bad authority": (request(b"GET", b"http://[/graphql"), False),
    "absolute-form target with port out of range": (
        request(b"GET", b"http://127.0.0.1:99999/graphql"),
        False,
    ),
    "absolute-form target, other scheme": (request(b"GET", b"ftp://x/graphql"), False),
    "authority-form target": (request(b"CONNECT", b"127.0.0.1:443"), False),
    "Host: [": (request(b"GET", b"/graphql", host=b"["), False),
    "Host: [ without token": (request(b"GET", b"/graphql", host=b"[", token=False), False),
    "Host with port out of range": (request(b"GET", b"/graphql", host=b"127.0.0.1:99999"), False),
    "Host with a space": (request(b"GET", b"/graphql", host=b"a b"), False),
    "Host with userinfo": (request(b"GET", b"/graphql", host=b"user:pass@host"), False),
    "Host: ]:80": (request(b"GET", b"/graphql", host=b"]:80"), False),
    "Host with non-ASCII": (request(b"GET", b"/graphql", host="h\u00f6st".encode()), False),
    "Host with percent": (request(b"GET", b"/graphql", host=b"%zz"), False),
    "two Host headers": (request(b"GET", b"/graphql", [(b"Host", b"[")]), False),
    "HTTP/1.0 without Host": (
        request(b"GET", b"/graphql?query=%7B__typename%7D", version=b"HTTP/1.0", host=None),
        False,
    ),
    "HTTP/1.1 without Host": (request(b"GET", b"/graphql?query=%7B__typename%7D", host=None), False),
    "HTTP/2.0 in a request line": (request(b"GET", b"/graphql", version=b"HTTP/2.0"), False),
    "HTTP/9.9 in a request line": (request(b"GET", b"/graphql", version=b"HTTP/9.9"), False),
    "invalid method token": (request(b"G@T", b"/graphql"), False),
    "unknown method": (request(b"BREW", b"/graphql"), False),
    "DELETE": (request(b"DELETE", b"/graphql"), False),
    "PUT with body": (request(b"PUT", b"/graphql", [(b"Content-Type", b"application/json")], QUERY), False),
    "HEAD": (request(b"HEAD", b"/graphql?query=%7B__typename%7D"), False),
    "TRACE": (request(b"TRACE", b"/graphql"), False),
    "bad percent-encoding in path": (request(b"GET", b"/graph%ZZql"), False),
    "truncated percent-encoding in path": (request(b"GET", b"/graphql%"), False),
    "encoded NUL in path": (request(b"GET", b"/graphql%00"), False),
    "dot segments in path": (request(b"GET", b"/a/../graphql/../../x"), False),
    "bad percent-encoding in query": (get("query=%7B__typename%ZZ"), False),
    "overlong UTF-8 in query": (get("query=%C0%AF"), False),
    "oversized headers": (request(b"GET", b"/graphql", [(b"X-Big", b"a" * 70_000)]), False),
    "many headers": (request(b"GET", b"/graphql", [(b"X-H%d" % i, b"v") for i in range(3000)]), False),
    "header without colon": (
        request(b"GET", b"/graphql", [(b"Broken", b"")])[:-4] + b"\r\nno colon here\r\n\r\n",
        False,
    ),
    "obsolete line folding": (request(b"GET", b"/graphql", [(b"X-Fold", b"a\r\n b")]), False),
    "Content-Length and Transfer-Encoding": (
        request(
            b"POST",
            b"/graphql",
            [(b"Content-Type", b"application/json"), (b"Transfer-Encoding", b"chunked")],
            b"5\r\n" + QUERY[:5] + b"\r\n0\r\n\r\n",
        ),
        False,
    ),
    "two different Content-Lengths": (
        request(
            b"POST", b"/graphql", [(b"Content-Type", b"application/json"), (b"Content-Length", b"3")], QUERY
        ),
        False,
    ),
    "negative Content-Length": (
        request(
            b"POST",
            b"/graphql",
            [(b"Content-Type", b"application/json"), (b"Content-Length", b"-1")],
            QUERY,
            content_length=False,
        ),
        False,
    ),
    "Content-Length not a number": (
        request(b"POST", b"/graphql", [(b"Content-Length", b"ten")], QUERY, content_length=False),
        False,
    ),
    "bad chunk size": (
        request(
            b"POST",
            b"/graphql",
            [(b"Content-Type", b"application/json"), (b"Transfer-Encoding", b"chunked")],
            b"zz\r\n{}\r\n0\r\n\r\n",
            content_length=False,
        ),
        False,
    ),
    "Transfer-Encoding: gzip, chunked": (
        request(
            b"POST",
            b"/graphql",
            [(b"Transfer-Encoding", b"gzip, chunked")],
            b"2\r\n{}\r\n0\r\n\r\n",
            content_length=False,
        ),
        False,
    ),
    "truncated body": (
        request(
            b"POST",
            b"/graphql",
            [(b"Content-Type", b"application/json"), (b"Content-Length", b"100")],
            QUERY[:10],
            content_length=False,
        ),
        True,
    ),
    "truncated chunked body": (
        request(
            b"POST",
            b"/graphql",
            [(b"Content-Type", b"application/json"), (b"Transfer-Encoding", b"chunked")],
            b'40\r\n{"query"',
            content_length=False,
        ),
        True,
    ),
    "Content-Encoding: gzip with plain body": (
        request(
            b"POST",
            b"/graphql",
            [(b"Content-Type", b"application/json"), (b"Content-Encoding", b"gzip")],
            QUERY,
        ),
        False,
    ),
    "Upgrade: websocket": (
        request(
            b"GET",
            b"/graphql",
            [
                (b"Connection", b"Upgrade"),
                (b"Upgrade", b"websocket"),
                (b"Sec-WebSocket-Version", b"13"),
                (b"Sec-WebSocket-Key", b"x"),
            ],
        ),
        False,
    ),
    "Upgrade: h2c": (
        request(
            b"GET",
            b"/graphql",
            [(b"Connection", b"Upgrade, HTTP2-Settings"), (b"Upgrade", b"h2c"), (b"HTTP2-Settings", b"")],
        ),
        False,
    ),
    "HTTP/2 preface": (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", False),
    "TLS ClientHello": (bytes.fromhex("16030100a5010000a10303") + b"\x00" * 40, False),
    "bare newlines": (b"GET /graphql HTTP/1.1\nHost: x\n\n", False),
    "NUL in request line": (b"GET /gra\x00phql HTTP/1.1\r\nHost: x\r\n\r\n", False),
    "Authorization: Bearer with NUL": (
        request(b"GET", b"/graphql", [(b"Authorization", b"Bearer a\x00b")], token=False),
        False,
    ),
    "Authorization: Bearer with non-ASCII": (
        request(b"GET", b"/graphql", [(b"Authorization", "Bearer \u00e9\u00e9".encode())], token=False),
        False,
    ),
    "Authorization: huge bearer": (
        request(
            b"GET",
            b"/graphql?query=%7B__typename%7D",
            [(b"Authorization", b"Bearer " + b"a" * 12_000)],
            token=False,
        ),
        False,
    ),
    "x-request-id with CRLF-ish bytes": (
        request(b"GET", b"/graphql?query=%7B__typename%7D", [(b"x-request-id", b"a\rb")]),
        False,
    ),
    "traceparent garbage": (
        request(b"GET", b"/graphql?query=%7B__typename%7D", [(b"traceparent", b"00-zz-zz-zz")]),
        False,
    ),
    "Cookie garbage": (
        request(b"GET", b"/graphql?query=%7B__typename%7D", [(b"Cookie", b"=;=;\xff")]),
        False,
    ),
}


@pytest.mark.parametrize("where", PROFILES)
@pytest.mark.parametrize("case", list(CASES))
def test_malformed_http_gets_a_clean_answer(hostile: Hostile, where: str, case: str) -> None:
    raw, half_close = CASES[case]
    send(hostile, where, raw, half_close)


MALFORMED_HOSTS = ["[", "127.0.0.1:99999", "a b", "]:80", "[::1", "127.0.0.1:-1", "127.0.0.1:http"]


@pytest.mark.parametrize("where", PROFILES)
@pytest.mark.parametrize("token", [True, False], ids=["with token", "without token"])
@pytest.mark.parametrize("host", MALFORMED_HOSTS)
def test_a_malformed_host_is_a_400(hostile: Hostile, where: str, host: str, token: bool) -> None:
    """Issue 11, hostile input 1: these answered 500 with a Node stack trace."""
    raw = request(b"GET", b"/graphql", host=host.encode(), token=token).replace(
        TOKEN.encode(), hostile.admin.encode()
    )
    answer = hostile.raw(where, raw)
    assert answer.status == 400, answer
    assert not answer.problems, answer
