"""The customers subgraph service: settings, the runtime (the composition root: it builds the adapters
and the service once per process) and the FastAPI app. `customers-subgraph` runs it with uvicorn.

Events need no settings here: each change writes its event into the table, whose stream carries it
out (DESIGN.md decision 12)."""

from __future__ import annotations

from contextlib import AsyncExitStack

from fastapi import FastAPI
from kit.web.app import Runtime, serve
from kit.web.app import create_app as create_kit_app
from kit.web.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict

from customers.adapters.repository import DynamoCustomerRepository
from customers.graphql.context import CustomersContext
from customers.schema import schema
from customers.services import CustomerService


class CustomersSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CUSTOMERS_", extra="ignore")

    port: int = 4001
    table_name: str = "customers"


class CustomersRuntime(Runtime):
    settings: CustomersSettings
    service: CustomerService

    async def start(self, stack: AsyncExitStack) -> None:
        await super().start(stack)
        self.service = CustomerService(DynamoCustomerRepository(self.dynamodb, self.settings.table_name))


def create_app(settings: CustomersSettings | None = None) -> FastAPI:
    runtime = CustomersRuntime(settings or CustomersSettings())
    return create_kit_app(
        title="customers",
        runtime=runtime,
        schema=schema,
        context_for=lambda runtime: CustomersContext(runtime.service),
    )


def main() -> None:
    settings = CustomersSettings()
    serve(create_app(settings), settings)
