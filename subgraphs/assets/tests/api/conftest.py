"""Fixtures for the assets subgraph's API tests: the in-process app (GraphQL) against DynamoDB Local."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from assets.adapters.catalog import load_catalog
from assets.adapters.table import table_definition
from assets.app import AssetsRuntime, AssetsSettings, create_app
from assets.domain.quotes import Quote
from assets.domain.simulation import SimulatedPriceProvider
from kit.aws.dynamo import ensure_table
from kit_testing import execute, running_app, unique_table_name

# A fixed "now" so simulated prices and manual setAt values are known.
NOW = datetime(2025, 11, 24, 15, 30, 7, tzinfo=UTC)


class CountingProvider:
    """The simulated provider, recording every call it gets."""

    def __init__(self) -> None:
        self._inner = SimulatedPriceProvider(load_catalog(), lambda: NOW)
        self.calls: list[list[str]] = []

    async def quotes(self, symbols: Sequence[str]) -> dict[str, Quote]:
        self.calls.append(list(symbols))
        return await self._inner.quotes(symbols)


@dataclass
class Assets:
    client: httpx.AsyncClient
    runtime: AssetsRuntime
    provider: Any
    table: str
    now: datetime = NOW

    async def gql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The data of an answer that has no errors (sent with the client's admin token)."""
        body = await execute(self.client, query, variables)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def item_count(self) -> int:
        response = await self.runtime.dynamodb.scan(TableName=self.table, Select="COUNT", ConsistentRead=True)
        return int(response["Count"])

    @property
    def calls(self) -> Any:
        return self.runtime.counter.calls


AssetsFactory = Callable[..., AbstractAsyncContextManager[Assets]]


@pytest.fixture(scope="module")
def assets_table() -> str:
    return unique_table_name("assets")


@pytest.fixture
def assets_factory(dynamodb_endpoint: str, assets_table: str) -> AssetsFactory:
    @asynccontextmanager
    async def start(
        provider: Any = None, clock: Callable[[], datetime] | None = None, **overrides: Any
    ) -> AsyncIterator[Assets]:
        """`clock`: the service's clock (default: NOW, fixed); the simulated provider stays at NOW."""
        settings = AssetsSettings(
            dynamodb_endpoint_url=dynamodb_endpoint, table_name=assets_table, graphiql=False, **overrides
        )
        provider = provider or CountingProvider()
        app = create_app(settings, provider=provider, clock=clock or (lambda: NOW))
        runtime: AssetsRuntime = app.state.runtime
        async with running_app(app) as client:
            await ensure_table(runtime.dynamodb, table_definition(assets_table))
            runtime.counter.reset()
            yield Assets(client=client, runtime=runtime, provider=provider, table=assets_table)

    return start


@pytest.fixture
async def assets(assets_factory: AssetsFactory) -> AsyncIterator[Assets]:
    """A fresh app (empty quote cache, zeroed counters) on the module's table."""
    async with assets_factory() as started:
        yield started
