"""The customers subgraph service: `customers-subgraph` runs it with uvicorn."""

from __future__ import annotations

from contextlib import AsyncExitStack

import httpx
from fastapi import FastAPI
from kit.app import Runtime, create_app, serve
from kit.events import EventPublisher, HttpPushPublisher, NoEvents, parse_subscribers
from kit.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict

from customers.adapters.repository import CustomerRepository
from customers.graphql.context import CustomersContext
from customers.schema import schema
from customers.services import CustomerService


class CustomersSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CUSTOMERS_", extra="ignore")

    port: int = 4001
    table_name: str = "customers"
    event_subscribers: str = ""  # comma-separated URLs that receive this service's events locally


class CustomersRuntime(Runtime):
    settings: CustomersSettings

    def __init__(self, settings: CustomersSettings) -> None:
        super().__init__(settings)
        self.events: EventPublisher = NoEvents()

    async def start(self, stack: AsyncExitStack) -> None:
        await super().start(stack)
        subscribers = parse_subscribers(self.settings.event_subscribers)
        if subscribers:
            http = await stack.enter_async_context(httpx.AsyncClient())
            self.events = HttpPushPublisher(http, subscribers)

    def service(self) -> CustomerService:
        return CustomerService(CustomerRepository(self.dynamodb, self.settings.table_name), self.events)


def create(settings: CustomersSettings | None = None) -> FastAPI:
    runtime = CustomersRuntime(settings or CustomersSettings())
    return create_app(
        title="customers subgraph",
        runtime=runtime,
        schema=schema,
        context_for=lambda rt: CustomersContext(rt.service()),
    )


def main() -> None:
    settings = CustomersSettings()
    serve(create(settings), settings)
