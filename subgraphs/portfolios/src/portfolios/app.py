"""The portfolios service: settings, process resources, the FastAPI app and its entry point."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

from fastapi import FastAPI
from kit.aws.consumer import MAX_WAIT_SECONDS, EventQueueConsumer, MalformedEvent, sqs_client
from kit.web.app import Runtime, serve
from kit.web.app import create_app as create_kit_app
from kit.web.settings import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from portfolios.adapters.migration import migrate_at_startup
from portfolios.adapters.repository import (
    DynamoCustomerDirectory,
    DynamoFxReferenceRates,
    DynamoPortfolioRepository,
)
from portfolios.domain.events import InvalidEvent
from portfolios.graphql.context import PortfoliosContext
from portfolios.schema import schema
from portfolios.services import PortfolioService


class PortfoliosSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PORTFOLIOS_", extra="ignore")

    port: int = 4002
    table_name: str = "portfolios"
    event_queue_url: str = Field(
        default="",
        description="SQS queue of the customer and FX events this service consumes (in AWS filled by an "
        "EventBridge rule, locally by the devstack relay); empty: no consumer runs",
    )
    sqs_endpoint_url: str | None = Field(
        default=None, description="SQS endpoint (moto locally; unset in AWS)"
    )
    event_wait_seconds: int = Field(
        default=10, ge=0, le=MAX_WAIT_SECONDS, description="Long poll of a receive"
    )
    event_backoff_seconds: float = Field(default=1.0, gt=0, description="First wait after a failed receive")
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
            DynamoFxReferenceRates(self.dynamodb, table),
        )
        await self._migrate_legacy(stack)
        if self.settings.event_queue_url:
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
                settings.aws_region, settings.sqs_endpoint_url, wait_seconds=settings.event_wait_seconds
            )
        )
        self.consumer = EventQueueConsumer(
            client,
            settings.event_queue_url,
            self.service.apply_event,
            wait_seconds=settings.event_wait_seconds,
            backoff_seconds=settings.event_backoff_seconds,
            # Redelivery cannot mend an event the domain refuses: leave it for the dead-letter queue.
            permanent_errors=(MalformedEvent, InvalidEvent),
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
    return create_kit_app(
        title="portfolios",
        runtime=runtime,
        schema=schema,
        context_for=lambda runtime: PortfoliosContext(runtime.service),
    )


def main() -> None:
    settings = PortfoliosSettings()
    serve(create_app(settings), settings)
