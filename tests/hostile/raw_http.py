"""Raw HTTP requests for the hostile suite, written byte by byte (no HTTP client to tidy them up), and
how one is sent: whatever arrives, the answer is a status below 500 with no internals
(answers.answer_problems), or the connection is closed without one (Node's parser does that to some
garbage, and a body that never arrives cannot be answered)."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from .suite import Hostile

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


def send(hostile: Hostile, where: str, raw: bytes, half_close: bool) -> None:
    method = "HEAD" if raw.startswith(b"HEAD ") else "GET"
    answer = hostile.raw(
        where, raw.replace(TOKEN.encode(), hostile.admin.encode()), half_close=half_close, method=method
    )
    if answer.problems:
        shown = raw.replace(TOKEN.encode(), b"<admin token>")[:400]
        pytest.fail(f"{'; '.join(answer.problems)}\nsent {shown!r}\nanswer {answer}", pytrace=False)
