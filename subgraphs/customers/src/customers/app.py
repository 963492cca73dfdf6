"""The customers subgraph service: settings, the runtime (the composition root: it builds the adapters
and the service once per process) and the FastAPI app. `customers-subgraph` runs it with uvicorn."""

from __future__ import annotations

from contextlib import AsyncExitStack

import httpx
from fastapi import FastAPI
from kit.aws.events import (
    EventBridgePublisher,
    EventPublisher,
    HttpPushPublisher,
    NoEvents,
    eventbridge_client,
    parse_subscribers,
)
from kit.web.app import Runtime, serve
from kit.web.app import create_app as create_kit_app
from kit.web.settings import ServiceSettings
from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from customers.adapters.repository import DynamoCustomerRepository
from customers.graphql.context import CustomersContext
from customers.schema import schema
from customers.services import CustomerService


class CustomersSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CUSTOMERS_", extra="ignore")

    port: int = 4001
    table_name: str = "customers"
    event_subscribers: str = Field(
        default="", description="Comma-separated URLs that receive this service's events (local HTTP push)"
    )
    events_push_secret: SecretStr = Field(
        default=SecretStr(""), description="Signs the events pushed to event_subscribers (shared secret)"
    )
    event_bus_name: str = Field(default="", description="EventBridge bus for this service's events (AWS)")
    event_source: str = Field(default="portfolio.customers", description="EventBridge Source of the events")
    events_endpoint_url: str | None = Field(default=None, description="EventBridge endpoint (emulators)")


class CustomersRuntime(Runtime):
    settings: CustomersSettings
    service: CustomerService

    def __init__(self, settings: CustomersSettings, events: EventPublisher | None = None) -> None:
        """`events`: publish with this instead of what the settings name (tests record events)."""
        super().__init__(settings)
        self._given_events = events
        self.events: EventPublisher = NoEvents()

    async def start(self, stack: AsyncExitStack) -> None:
        await super().start(stack)
        given = self._given_events
        self.events = given if given is not None else await self._publisher(stack)
        self.service = CustomerService(
            DynamoCustomerRepository(self.dynamodb, self.settings.table_name), self.events
        )

    async def _publisher(self, stack: AsyncExitStack) -> EventPublisher:
        """EventBridge when a bus is configured (AWS), else HTTP push to the subscribers (local)."""
        settings = self.settings
        if settings.event_bus_name:
            client = await stack.enter_async_context(
                eventbridge_client(settings.aws_region, settings.events_endpoint_url)
            )
            return EventBridgePublisher(client, settings.event_bus_name, settings.event_source)
        subscribers = parse_subscribers(settings.event_subscribers)
        if subscribers:
            secret = settings.events_push_secret.get_secret_value()
            if not secret:
                raise RuntimeError("CUSTOMERS_EVENTS_PUSH_SECRET must be set to push events to subscribers")
            http = await stack.enter_async_context(httpx.AsyncClient())
            return HttpPushPublisher(http, subscribers, secret)
        return NoEvents()


def create_app(settings: CustomersSettings | None = None, *, events: EventPublisher | None = None) -> FastAPI:
    runtime = CustomersRuntime(settings or CustomersSettings(), events)
    return create_kit_app(
        title="customers",
        runtime=runtime,
        schema=schema,
        context_for=lambda runtime: CustomersContext(runtime.service),
    )


def main() -> None:
    settings = CustomersSettings()
    serve(create_app(settings), settings)
