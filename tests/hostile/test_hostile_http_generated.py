"""Generated malformed HTTP sent to the router as raw bytes, in both profiles: a valid POST of
`{ __typename }` with one or two of its parts made hostile.

Whatever arrives, the answer is a status below 500 with no internals (answers.answer_problems), or
the connection is closed without one (Node's parser does that to some garbage, and a body that never
arrives cannot be answered); and the router still serves the Dashboard after each test.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .raw_http import PROFILES, QUERY, request, send
from .suite import Hostile

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
