"""Fixtures for the customers tests that run the app (tests/api, tests/integration): the app on a
fresh DynamoDB Local table, the events it wrote there, and GraphQL helpers. tests/unit needs none of
it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from customers.adapters.table import table_definition
from customers.app import CustomersRuntime, CustomersSettings, create_app
from kit.aws.dynamo import dynamodb_client, ensure_table, from_item
from kit_testing import execute, running_app, unique_table_name

CUSTOMER_FIELDS = """id email name phone address { line1 line2 city region postalCode country }
  createdAt version status closedAt"""

REGISTER = f"""
mutation($input: RegisterCustomerInput!) {{
  registerCustomer(input: $input) {{ customer {{ {CUSTOMER_FIELDS} }} userErrors {{ field message code }} }}
}}"""

UPDATE = f"""
mutation($input: UpdateCustomerInput!) {{
  updateCustomer(input: $input) {{ customer {{ {CUSTOMER_FIELDS} }} userErrors {{ field message code }} }}
}}"""

CLOSE = f"""
mutation($input: CloseCustomerInput!) {{
  closeCustomer(input: $input) {{ customer {{ {CUSTOMER_FIELDS} }} userErrors {{ field message code }} }}
}}"""

READ = f"query($id: ID!) {{ customer(id: $id) {{ {CUSTOMER_FIELDS} }} }}"

LIST = """
query($first: Int!, $after: String) {
  customers(first: $first, after: $after) {
    edges { cursor node { id name email createdAt } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


@dataclass
class Api:
    http: httpx.AsyncClient
    runtime: CustomersRuntime

    async def events(self) -> list[tuple[str, int, dict[str, Any]]]:
        """(type, sequence, data) of every event item in the table, in the order they were written."""
        return published(await self.items())

    async def graphql(self, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        return await execute(self.http, document, variables)

    async def register(self, email: str = "ada@example.com", name: str = "Ada Investor", **more: Any) -> dict:
        body = await self.graphql(REGISTER, {"input": {"email": email, "name": name, **more}})
        payload = body["data"]["registerCustomer"]
        assert payload["userErrors"] == [], payload
        return payload["customer"]

    async def update(self, **fields: Any) -> dict:
        """The updateCustomer payload ({customer, userErrors})."""
        body = await self.graphql(UPDATE, {"input": fields})
        assert "errors" not in body, body
        return body["data"]["updateCustomer"]

    async def close(self, **fields: Any) -> dict:
        body = await self.graphql(CLOSE, {"input": fields})
        assert "errors" not in body, body
        return body["data"]["closeCustomer"]

    async def read(self, customer_id: str) -> dict | None:
        return (await self.graphql(READ, {"id": customer_id}))["data"]["customer"]

    async def items(self) -> list[dict[str, Any]]:
        """Every item of the table, as stored (a Scan; small tables only)."""
        response = await self.runtime.dynamodb.scan(TableName=self.runtime.settings.table_name)
        return [from_item(item) for item in response["Items"]]

    async def guards(self) -> dict[str, str]:
        """{email key: customer id} of every email guard."""
        return {
            i["pk"].removeprefix("EMAIL#"): i["customerId"] for i in await self.items() if i["sk"] == "EMAIL"
        }


def event_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The event items among `items`, in the order they were written (time, then the customer's
    version: several in one instant belong to different customers or follow the version)."""
    found = [i for i in items if i.get("kind") == "event"]
    return sorted(found, key=lambda i: (i["occurredAt"], i["aggregateId"], int(i["sequence"])))


def published(items: list[dict[str, Any]]) -> list[tuple[str, int, dict[str, Any]]]:
    return [(i["type"], int(i["sequence"]), json.loads(i["data"])) for i in event_items(items)]


@asynccontextmanager
async def open_api(dynamodb_endpoint: str) -> AsyncIterator[Api]:
    """The customers app on its own fresh table."""
    settings = CustomersSettings(
        dynamodb_endpoint_url=dynamodb_endpoint, table_name=unique_table_name("customers")
    )
    async with dynamodb_client(settings) as client:
        await ensure_table(client, table_definition(settings.table_name))
    app = create_app(settings)
    async with running_app(app) as http:
        yield Api(http, app.state.runtime)


@pytest.fixture
async def api(dynamodb_endpoint: str) -> AsyncIterator[Api]:
    async with open_api(dynamodb_endpoint) as opened:
        yield opened


@pytest.fixture(scope="module")
async def module_api(dynamodb_endpoint: str) -> AsyncIterator[Api]:
    """One app and table for a whole module (creating a table costs more than most tests): its
    tests use customers of their own and must not assume an empty table."""
    async with open_api(dynamodb_endpoint) as opened:
        yield opened
