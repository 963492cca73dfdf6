"""kit.web.body_limit.bounded_body: a route's own, tighter ceiling, read as the chunks arrive."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from kit.web.body_limit import bounded_body
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

LIMIT = 10


async def echo(request: Request) -> JSONResponse:
    body = await bounded_body(request, LIMIT)
    return JSONResponse({"body": None if body is None else body.decode()})


APP = Starlette(routes=[Route("/", echo, methods=["POST"])])


async def post(content: bytes | AsyncIterator[bytes]) -> object:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=APP), base_url="http://t") as client:
        return (await client.post("/", content=content)).json()["body"]


async def test_a_body_within_the_limit_is_read_whole() -> None:
    assert await post(b"0123456789") == "0123456789"
    assert await post(b"") == ""


async def test_a_body_over_the_limit_is_none_and_the_rest_is_not_read() -> None:
    sent: list[int] = []

    async def chunked() -> AsyncIterator[bytes]:
        for number in range(100):
            sent.append(number)
            yield b"12345"

    assert await post(b"0123456789x") is None
    assert await post(chunked()) is None
    assert len(sent) < 100  # it stopped reading after the third chunk passed the limit
