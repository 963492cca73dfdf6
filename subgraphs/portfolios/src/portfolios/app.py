"""The portfolios service: settings, process resources, the FastAPI app and its entry point."""

from __future__ import annotations

import json
from contextlib import AsyncExitStack

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from kit.app import Runtime, serve
from kit.app import create_app as create_kit_app
from kit.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict

from portfolios.adapters.repository import DynamoCustomerDirectory, DynamoPortfolioRepository
from portfolios.domain.events import InvalidEvent
from portfolios.graphql.context import context_for
from portfolios.schema import schema
from portfolios.services import PortfolioService


class PortfoliosSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PORTFOLIOS_", extra="ignore")

    port: int = 4002
    table_name: str = "portfolios"


class PortfoliosRuntime(Runtime):
    settings: PortfoliosSettings
    service: PortfolioService

    async def start(self, stack: AsyncExitStack) -> None:
        await super().start(stack)
        table = self.settings.table_name
        self.service = PortfolioService(
            DynamoPortfolioRepository(self.dynamodb, table),
            DynamoCustomerDirectory(self.dynamodb, table),
        )


def create_app(settings: PortfoliosSettings | None = None) -> FastAPI:
    runtime = PortfoliosRuntime(settings or PortfoliosSettings())
    app = create_kit_app(title="portfolios", runtime=runtime, schema=schema, context_for=context_for)

    @app.post("/events", status_code=202)
    async def events(request: Request) -> JSONResponse:
        """Events from other services, e.g. {"type": "CustomerRegistered", "customerId": "01H..."}."""
        try:
            body = json.loads(await request.body())
            event = await runtime.service.record_event(body)
        except (ValueError, InvalidEvent) as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            return JSONResponse({"status": "rejected", "error": str(error)}, status_code=400)
        return JSONResponse({"status": "accepted", "type": type(event).__name__}, status_code=202)

    return app


def main() -> None:
    settings = PortfoliosSettings()
    serve(create_app(settings), settings)
