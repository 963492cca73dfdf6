"""The portfolios service: settings, process resources, the FastAPI app and its entry point."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

from fastapi import FastAPI
from kit.aws.consumer import start_consumer
from kit.web.app import Runtime, serve
from kit.web.app import create_app as create_kit_app
from kit.web.settings import ConsumerSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from portfolios.adapters.migration import migrate_at_startup
from portfolios.adapters.repository import (
    DynamoCustomerDirectory,
    DynamoFxReferenceRates,
    DynamoPortfolioRepository,
)
from portfolios.graphql.context import PortfoliosContext
from portfolios.schema import schema
from portfolios.services import PortfolioService


class PortfoliosSettings(ConsumerSettings):
    model_config = SettingsConfigDict(env_prefix="PORTFOLIOS_", extra="ignore")

    port: int = 4002
    table_name: str = "portfolios"
    migration_wait_seconds: float = Field(
        default=10.0,
        ge=0,
        description="How long startup waits for the migration of legacy portfolios before serving; "
        "it then goes on in the background",
    )


class PortfoliosRuntime(Runtime):
    settings: PortfoliosSettings
    service: PortfolioService
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
            self.consumer_task = await start_consumer(
                stack, self.settings, self.service.apply_event, name="portfolios-event-queue"
            )

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
