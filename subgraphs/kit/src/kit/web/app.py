"""The FastAPI app factory every subgraph uses: /graphql (Strawberry), /health and /ready."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, TypeVar

import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from strawberry.fastapi import GraphQLRouter
from strawberry.federation import Schema

from kit.aws.dynamo import RequestCounter, dynamodb_client, table_answers
from kit.aws.telemetry import configure_logging, configure_tracing
from kit.graphql.context import RequestContext
from kit.web.authentication import BearerAuthentication, principal_of
from kit.web.body_limit import BodyLimit
from kit.web.settings import ServiceSettings
from kit.web.tokens import AuthSettings, TokenVerifier, verifier_for


class Runtime:
    """What lives as long as the process: settings, the DynamoDB client and its request counter.

    A subgraph subclasses it to add its own long-lived resources (caches, HTTP clients) in `start`.
    """

    def __init__(
        self,
        settings: ServiceSettings,
        auth: AuthSettings | None = None,
        verifier: TokenVerifier | None = None,
    ) -> None:
        self.settings = settings
        self.auth = auth or AuthSettings()
        self.counter = RequestCounter()
        self.dynamodb: Any = None
        self._verifier = verifier

    async def start(self, stack: AsyncExitStack) -> None:
        if self._verifier is None:  # fails fast when AUTH_* is missing: no unauthenticated mode
            jwks_http = await stack.enter_async_context(httpx.AsyncClient(timeout=5.0))
            self._verifier = verifier_for(self.auth, jwks_http)
        self.dynamodb = await stack.enter_async_context(dynamodb_client(self.settings, self.counter))

    def use_verifier(self, verifier: TokenVerifier) -> None:
        """Trust these keys instead of fetching AUTH_JWKS_URL (tests; set before the app starts)."""
        self._verifier = verifier

    @property
    def verifier(self) -> TokenVerifier:
        if self._verifier is None:
            raise RuntimeError("The runtime has not started")
        return self._verifier

    async def ready(self) -> bool:
        return await table_answers(self.dynamodb, self.settings.table_name)


R = TypeVar("R", bound=Runtime)

# A readiness probe answers within this: an orchestrator probes every few seconds, and a DynamoDB
# that refuses connections or hangs would otherwise hold each probe for the client's retries
# (three attempts, 2 s connect and 5 s read timeouts each). Not ready in time is not ready.
READY_TIMEOUT_SECONDS = 1.0

log = logging.getLogger("kit.web.app")


async def _ready_within(runtime: Runtime, seconds: float) -> bool:
    try:
        return await asyncio.wait_for(runtime.ready(), seconds)
    except TimeoutError:
        log.warning("not ready: the readiness check took more than %s s", seconds)
        return False
    except Exception:  # a check that fails says "not ready", never a 500
        log.exception("not ready: the readiness check failed")
        return False


class _GraphQLRouter(GraphQLRouter[Any, Any]):
    def decode_json(self, data: str | bytes) -> object:
        """Strawberry answers 400 only for a JSONDecodeError; JSON that Python cannot hold (an integer
        of more than 4300 digits, nesting deeper than the recursion limit, bytes that are not UTF-8)
        raises other errors, which would be a 500. All of them are the client's malformed body."""
        try:
            return json.loads(data)
        except (ValueError, RecursionError) as error:  # JSONDecodeError and UnicodeDecodeError too
            raise json.JSONDecodeError("not JSON this service can read", "", 0) from error


def create_app(
    *,
    title: str,
    runtime: R,
    schema: Schema,
    context_for: Callable[[R], RequestContext],
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            await runtime.start(stack)
            yield

    async def context_getter(request: Request) -> RequestContext:
        context = context_for(runtime)
        context.principal = principal_of(request)
        return context

    app = FastAPI(title=title, lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    graphql = _GraphQLRouter(
        schema,
        context_getter=context_getter,
        graphql_ide="graphiql" if runtime.settings.graphiql else None,
    )
    app.include_router(graphql, prefix="/graphql")
    # Starlette runs the last added outermost: the size check, then the token, then GraphQL.
    app.add_middleware(BearerAuthentication, verifier=lambda: runtime.verifier)
    app.add_middleware(BodyLimit)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready")
    async def ready() -> JSONResponse:
        ok = await _ready_within(runtime, READY_TIMEOUT_SECONDS)
        return JSONResponse({"status": "ready" if ok else "not ready"}, status_code=200 if ok else 503)

    app.state.runtime = runtime
    # Only with an OTLP endpoint configured (OTEL_EXPORTER_OTLP_ENDPOINT); otherwise a no-op.
    configure_tracing(title, app, schema=schema)
    return app


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    configure_logging(settings.log_level)
    uvicorn.run(
        app, host=settings.host, port=settings.port, log_level=settings.log_level.lower(), access_log=False
    )
