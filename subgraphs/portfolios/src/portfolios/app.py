"""The portfolios service: settings, process resources, the FastAPI app and its entry point."""

from __future__ import annotations

import asyncio
import json
from contextlib import AsyncExitStack

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from kit.web import push_signature
from kit.web.app import Runtime, serve
from kit.web.app import create_app as create_kit_app
from kit.web.body_limit import bounded_body
from kit.web.settings import ServiceSettings
from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from portfolios.adapters.event_queue import MAX_WAIT_SECONDS, EventQueueConsumer, sqs_client
from portfolios.adapters.migration import migrate_at_startup
from portfolios.adapters.repository import DynamoCustomerDirectory, DynamoPortfolioRepository
from portfolios.domain.events import InvalidEvent
from portfolios.graphql.context import PortfoliosContext
from portfolios.schema import schema
from portfolios.services import PortfolioService

# An event is a few hundred bytes; /events refuses bodies above this before verifying them.
MAX_EVENT_BYTES = 64 * 1024


class PortfoliosSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PORTFOLIOS_", extra="ignore")

    port: int = 4002
    table_name: str = "portfolios"
    events_queue_url: str = Field(
        default="", description="SQS queue of the events this service consumes (AWS)"
    )
    events_endpoint_url: str | None = Field(default=None, description="SQS endpoint (emulators)")
    events_wait_seconds: int = Field(
        default=10, ge=0, le=MAX_WAIT_SECONDS, description="Long poll of a receive"
    )
    events_backoff_seconds: float = Field(default=1.0, gt=0, description="First wait after a failed receive")
    events_push_secret: SecretStr = Field(
        default=SecretStr(""),
        description="Verifies the signature of events pushed to POST /events (local transport; the "
        "customers service signs with the same secret). Empty: /events is not served (AWS uses SQS).",
    )
    migration_wait_seconds: float = Field(
        default=10.0,
        ge=0,
        description="How long startup waits for the migration of legacy portfolios before serving; "
        "it then goes on in the background",
    )


class PortfoliosRuntime(Runtime):
    settings: PortfoliosSettings
    service: PortfolioService
    consumer: EventQueueConsumer | None = None
    consumer_task: asyncio.Task[None] | None = None

    async def start(self, stack: AsyncExitStack) -> None:
        await super().start(stack)
        table = self.settings.table_name
        self.service = PortfolioService(
            DynamoPortfolioRepository(self.dynamodb, table),
            DynamoCustomerDirectory(self.dynamodb, table),
        )
        await self._migrate_legacy(stack)
        if self.settings.events_queue_url:
            await self._consume_events(stack)

    async def _migrate_legacy(self, stack: AsyncExitStack) -> None:
        """Carries portfolios stored before the ledger into it (idempotent; logs its counts). Startup
        waits for it a bounded time, then serves while it goes on; it is cancelled at shutdown and
        a later start finishes what it left."""
        task = asyncio.create_task(
            migrate_at_startup(self.dynamodb, self.settings.table_name), name="portfolios-ledger-migration"
        )

        async def stop() -> None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

        stack.push_async_callback(stop)
        await asyncio.wait({task}, timeout=self.settings.migration_wait_seconds)

    async def _consume_events(self, stack: AsyncExitStack) -> None:
        """Polls the event queue in the background while the app runs; cancelled at shutdown
        (before the SQS client closes: the exit stack unwinds in reverse)."""
        settings = self.settings
        client = await stack.enter_async_context(
            sqs_client(
                settings.aws_region, settings.events_endpoint_url, wait_seconds=settings.events_wait_seconds
            )
        )
        self.consumer = EventQueueConsumer(
            client,
            settings.events_queue_url,
            self.service.record_event,
            wait_seconds=settings.events_wait_seconds,
            backoff_seconds=settings.events_backoff_seconds,
        )
        task = asyncio.create_task(self.consumer.run(), name="portfolios-event-queue")
        self.consumer_task = task

        async def stop() -> None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)  # its CancelledError, not ours

        stack.push_async_callback(stop)

    async def ready(self) -> bool:
        """The table answers, and the event consumer (when configured) is still running."""
        consuming = self.consumer_task is None or not self.consumer_task.done()
        return consuming and await super().ready()


def create_app(settings: PortfoliosSettings | None = None) -> FastAPI:
    runtime = PortfoliosRuntime(settings or PortfoliosSettings())
    app = create_kit_app(
        title="portfolios",
        runtime=runtime,
        schema=schema,
        context_for=lambda runtime: PortfoliosContext(runtime.service),
    )
    secret = runtime.settings.events_push_secret.get_secret_value()
    if secret:
        _serve_pushed_events(app, runtime, secret)
    return app


def _serve_pushed_events(app: FastAPI, runtime: PortfoliosRuntime, secret: str) -> None:
    """POST /events: the customers service pushes its events here (local transport). Each body is
    signed with the shared secret and a timestamp (kit.web.push_signature): an unsigned, forged or
    stale (replayed) body is refused with 401 before it is parsed, and nothing is recorded."""

    @app.post("/events", status_code=202)
    async def events(request: Request) -> JSONResponse:
        """Events from other services, e.g. {"type": "CustomerRegistered", "customerId": "01H..."}."""
        raw = await bounded_body(request, MAX_EVENT_BYTES)
        if raw is None:
            return JSONResponse({"status": "rejected", "error": "The body is too large."}, status_code=413)
        if not push_signature.verify(secret, raw, request.headers.get(push_signature.HEADER)):
            return JSONResponse(
                {"status": "rejected", "error": "The event's signature is missing, invalid or too old."},
                status_code=401,
            )
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):  # JSONDecodeError, UnicodeDecodeError, 4300+ digit ints
            return JSONResponse({"status": "rejected", "error": "The body is not JSON."}, status_code=400)
        try:
            event = await runtime.service.record_event(body)
        except InvalidEvent as error:  # its message says what is wrong with the event, in our words
            return JSONResponse({"status": "rejected", "error": str(error)}, status_code=400)
        return JSONResponse({"status": "accepted", "type": type(event).__name__}, status_code=202)


def main() -> None:
    settings = PortfoliosSettings()
    serve(create_app(settings), settings)
