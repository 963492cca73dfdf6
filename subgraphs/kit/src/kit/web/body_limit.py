"""A ceiling on request bodies, for whoever reaches a subgraph without the router's tighter one
(ROUTER_MAX_BODY_BYTES). Generous: it only stops a body from being read into memory unbounded."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 1024 * 1024


class BodyTooLarge(Exception):
    pass


async def bounded_body(request: Request, limit: int) -> bytes | None:
    """The body of a route that takes less than the app-wide ceiling, or None once it passes
    `limit` bytes (nothing more is read)."""
    received = bytearray()
    async for chunk in request.stream():
        received += chunk
        if len(received) > limit:
            return None
    return bytes(received)


def _too_large(limit: int) -> JSONResponse:
    message = f"The request body is larger than {limit} bytes."
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": "REQUEST_TOO_LARGE"}}]}, 413)


class BodyLimit:
    def __init__(self, app: ASGIApp, *, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        # Counted in digits first: int() refuses more than 4300 of them (a ValueError, a 500).
        if declared is not None and declared.isdigit() and (len(declared) > 18 or int(declared) > self.limit):
            await _too_large(self.limit)(scope, receive, send)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            # A chunked body declares no length: count it as it arrives.
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except BodyTooLarge:
            if not started:
                await _too_large(self.limit)(scope, receive, send)
