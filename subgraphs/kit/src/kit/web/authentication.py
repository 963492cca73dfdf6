"""Bearer-token authentication in front of /graphql: no valid token, no GraphQL (HTTP 401).

An ASGI middleware rather than a resolver check, so that nothing of the schema runs for an
anonymous caller: not queries, not `_entities`, not `_service`, not the IDE.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from kit.core.principal import FORBIDDEN, UNAUTHENTICATED, Principal
from kit.web.tokens import InvalidToken, TokenVerifier

log = logging.getLogger("kit.web.authentication")

PRINCIPAL_KEY = "principal"


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return JSONResponse(body, status_code=status, headers=headers)


def unauthenticated(message: str) -> JSONResponse:
    # RFC 6750: the challenge tells a client which scheme to use; the message stays generic.
    challenge = 'Bearer error="invalid_token"' if message != "A bearer token is required." else "Bearer"
    return _error(401, UNAUTHENTICATED, message, {"WWW-Authenticate": challenge})


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


class BearerAuthentication:
    """Verifies the bearer token of every request under `protected_prefix` and stores the caller's
    `Principal` in the request scope. A valid token with no role we know gets 403."""

    def __init__(
        self, app: ASGIApp, *, verifier: Callable[[], TokenVerifier], protected_prefix: str = "/graphql"
    ) -> None:
        self.app = app
        self.verifier = verifier  # resolved per request: the runtime builds it when the app starts
        self.protected_prefix = protected_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.protected_prefix):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        token = bearer_token(request.headers.get("authorization"))
        if token is None:
            await unauthenticated("A bearer token is required.")(scope, receive, send)
            return
        try:
            principal = await self.verifier().verify(token)
        except InvalidToken as error:
            # The reason, never the token: tokens are credentials and stay out of the logs.
            log.info("refused a token: %s", error)
            await unauthenticated(str(error))(scope, receive, send)
            return
        if not principal.roles:
            await _error(403, FORBIDDEN, "The token carries no role this API knows.")(scope, receive, send)
            return
        scope.setdefault("state", {})[PRINCIPAL_KEY] = principal
        await self.app(scope, receive, send)


def principal_of(request: Any) -> Principal:
    """The principal the middleware stored; a request without one never reaches GraphQL."""
    principal: Principal = request.state.principal
    return principal
