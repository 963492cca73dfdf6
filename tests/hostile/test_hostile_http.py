"""Malformed HTTP sent to the router as raw bytes (no HTTP client to tidy it up), in both profiles.

Whatever arrives, the answer is a status below 500 with no internals (conftest.answer_problems), or
the connection is closed without one (Node's parser does that to some garbage, and a body that never
arrives cannot be answered); and the router still serves the Dashboard after each test.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

if TYPE_CHECKING:
    from conftest import Hostile

PROFILES = ["development", "production"]
TOKEN = "\x00token\x00"  # replaced by the admin's bearer token when sent
QUERY = json.dumps({"query": "{ __typename }"}).encode()


def request(
    method: bytes,
    target: bytes,
    headers: list[tuple[bytes, bytes]] | None = None,
    body: bytes = b"",
    *,
    version: bytes = b"HTTP/1.1",
    host: bytes | None = b"127.0.0.1",
    content_length: bool = True,
    token: bool = True,
) -> bytes:
    lines = [b" ".join((method, target, version))]
    if host is not None:
        lines.append(b"Host: " + host)
    if token:
        lines.append(b"Authorization: Bearer " + TOKEN.encode())
    for name, value in headers or []:
        lines.append(name + b": " + value)
    if content_length and (body or method == b"POST"):
        lines.append(b"Content-Length: " + str(len(body)).encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def post(body: bytes, content_type: bytes = b"application/json", **options: object) -> bytes:
    return request(b"POST", b"/graphql", [(b"Content-Type", content_type)], body, **options)  # type: ignore[arg-type]


def get(query: str, **options: object) -> bytes:
    return request(b"GET", b"/graphql?" + query.encode(), **options)  # type: ignore[arg-type]


def q(text: str) -> str:
    return quote(text, safe="")


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


def send(hostile: Hostile, where: str, raw: bytes, half_close: bool) -> None:
    method = "HEAD" if raw.startswith(b"HEAD ") else "GET"
    answer = hostile.raw(
        where, raw.replace(TOKEN.encode(), hostile.admin.encode()), half_close=half_close, method=method
    )
    if answer.problems:
        shown = raw.replace(TOKEN.encode(), b"<admin token>")[:400]
        pytest.fail(f"{'; '.join(answer.problems)}\nsent {shown!r}\nanswer {answer}", pytrace=False)


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


@pytest.mark.parametrize("parameter", ["variables", "extensions"])
def test_malformed_json_in_get_parameters_is_a_400(hostile: Hostile, parameter: str) -> None:
    raw = get("query=" + q("{ __typename }") + f"&{parameter}=%7Bx").replace(
        TOKEN.encode(), hostile.admin.encode()
    )
    answer = hostile.raw("development", raw)
    assert answer.status == 400, answer
    assert answer.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST", answer


# -- generated requests ----------------------------------------------------------------------------
_bytes = st.binary(max_size=40)
_text = st.text(max_size=30).map(lambda text: text.encode("utf-8", "surrogatepass"))
_fragment = st.one_of(_bytes, _text)

methods = st.one_of(
    st.sampled_from(
        [
            b"GET",
            b"POST",
            b"OPTIONS",
            b"HEAD",
            b"PUT",
            b"PATCH",
            b"DELETE",
            b"CONNECT",
            b"PRI",
            b"G\x00T",
            b"",
        ]
    ),
    st.from_regex(rb"\A[A-Za-z!#$%&'*+.^_`|~-]{1,12}\Z"),
)
queries = st.one_of(
    st.just(b""),
    st.just(b"?query=%7B__typename%7D"),
    st.builds(
        lambda k, v: b"?" + k + b"=" + v,
        st.sampled_from([b"query", b"variables", b"extensions", b"operationName", b"documentId"]),
        st.one_of(st.from_regex(rb"\A[%0-9A-Za-z{}\[\]\":,]{0,30}\Z"), _bytes),
    ),
)
targets = st.one_of(
    st.builds(
        lambda path, query: path + query,
        st.sampled_from(
            [
                b"/graphql",
                b"/",
                b"/healthcheck",
                b"/readiness",
                b"/graphql/",
                b"//graphql",
                b"/%",
                b"/graphql%ZZ",
            ]
        ),
        queries,
    ),
    st.sampled_from(
        [
            b"*",
            b"http://x/graphql",
            b"http://[/graphql",
            b"http://x:99999/graphql",
            b"x:1",
            b"graphql",
            b"",
            b"\xff",
        ]
    ),
    _fragment,
)
versions = st.one_of(
    st.sampled_from(
        [b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2.0", b"HTTP/0.9", b"HTTP/1.1 extra", b"http/1.1", b""]
    ),
    _fragment,
)
hosts = st.one_of(
    st.none(),
    st.sampled_from(
        [
            b"127.0.0.1",
            b"[",
            b"]",
            b"[::1]:4000",
            b"x:99999",
            b"x:-1",
            b"a b",
            b"",
            b"\xff",
            b"x:0",
            b"user@x",
            b"%41",
        ]
    ),
    _fragment,
)
header_names = st.one_of(
    st.sampled_from(
        [
            b"Content-Type",
            b"Content-Length",
            b"Transfer-Encoding",
            b"Accept",
            b"Origin",
            b"Connection",
            b"Upgrade",
            b"Expect",
            b"Content-Encoding",
            b"Authorization",
            b"Host",
            b"Range",
            b"If-None-Match",
            b"x-request-id",
            b"traceparent",
            b"graphql-client-name",
        ]
    ),
    st.from_regex(rb"\A[A-Za-z0-9-]{1,20}\Z"),
)
header_values = st.one_of(
    st.sampled_from(
        [
            b"application/json",
            b"text/plain",
            b"application/graphql-response+json",
            b"chunked",
            b"gzip",
            b"100-continue",
            b"-1",
            b"0",
            b"99999999999999999999",
            b"close",
            b"websocket",
            b"*/*",
            b"null",
            b"Bearer x.y.z",
            b"bytes=0-1",
        ]
    ),
    _fragment,
)
bodies = st.one_of(
    st.just(b""),
    st.just(QUERY),
    st.builds(lambda cut: QUERY[:cut], st.integers(0, len(QUERY))),
    st.builds(
        lambda value: json.dumps({"query": "{ __typename }", "variables": value}).encode(),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=10),
            lambda inner: (
                st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
            ),
            max_leaves=8,
        ),
    ),
    st.builds(lambda document: json.dumps({"query": document}).encode(), st.text(max_size=60)),
    _fragment,
)


PARTS = ("method", "target", "version", "host", "headers", "body", "length")


@st.composite
def raw_requests(draw: st.DrawFn) -> tuple[bytes, bool]:
    """A valid POST of `{ __typename }` with one or two of its parts made hostile, so that most
    requests get past Node's parser to the router's own code."""
    hostile_parts = draw(st.sets(st.sampled_from(PARTS), min_size=1, max_size=2))

    def part(name: str, valid: object, strategy: st.SearchStrategy[Any]) -> Any:
        return draw(strategy) if name in hostile_parts else valid

    body = part("body", QUERY, bodies)
    headers = [
        (b"Content-Type", b"application/json"),
        *part("headers", [], st.lists(st.tuples(header_names, header_values), min_size=1, max_size=5)),
    ]
    declared = part("length", "exact", st.sampled_from(["none", "longer", "shorter"]))
    raw = request(
        part("method", b"POST", methods),
        part("target", b"/graphql", targets),
        headers,
        body,
        version=part("version", b"HTTP/1.1", versions),
        host=part("host", b"127.0.0.1", hosts),
        content_length=declared == "exact",
        token=draw(st.booleans()),
    )
    if declared in ("longer", "shorter"):
        length = len(body) + (50 if declared == "longer" else -1)
        head, _, rest = raw.partition(b"\r\n\r\n")
        raw = head + b"\r\nContent-Length: " + str(max(length, 0)).encode() + b"\r\n\r\n" + rest
    # A request that announces more body than it sends waits for it: close the write side so that
    # the router sees the end instead of waiting out its own timeout.
    return raw, declared == "longer"


@pytest.mark.parametrize("where", PROFILES)
@settings(settings.get_profile("hostile"), max_examples=settings.get_profile("hostile").max_examples * 3)
@given(case=raw_requests())
def test_generated_malformed_http_gets_a_clean_answer(
    hostile: Hostile, where: str, case: tuple[bytes, bool]
) -> None:
    raw, half_close = case
    send(hostile, where, raw, half_close)
