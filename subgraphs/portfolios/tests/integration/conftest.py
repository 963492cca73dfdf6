"""Fixtures for the storage tests: the repository on a fresh DynamoDB Local table per module; an SQS
client on moto's server for the event consumer's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from kit.aws.consumer import sqs_client
from kit.aws.dynamo import dynamodb_client
from kit.web.settings import ServiceSettings
from kit_testing import create_table, unique_table_name
from kit_testing.queues import REGION
from portfolios.adapters.repository import (
    DynamoCustomerDirectory,
    DynamoFxReferenceRates,
    DynamoPortfolioRepository,
)
from portfolios.adapters.table import table_definition


@dataclass
class Store:
    client: Any
    table: str
    repository: DynamoPortfolioRepository
    directory: DynamoCustomerDirectory
    fx_rates: DynamoFxReferenceRates

    async def new_table(self) -> Store:
        """Another empty table on the same client (a test that needs the table to itself)."""
        table = unique_table_name("portfolios")
        await create_table(self.client, table_definition(table))
        return Store(
            self.client,
            table,
            DynamoPortfolioRepository(self.client, table),
            DynamoCustomerDirectory(self.client, table),
            DynamoFxReferenceRates(self.client, table),
        )


@pytest.fixture(scope="module")
async def store(dynamodb_endpoint: str) -> AsyncIterator[Store]:
    settings = ServiceSettings(dynamodb_endpoint_url=dynamodb_endpoint)
    table = unique_table_name("portfolios")
    async with dynamodb_client(settings) as client:
        await create_table(client, table_definition(table))
        yield Store(
            client,
            table,
            DynamoPortfolioRepository(client, table),
            DynamoCustomerDirectory(client, table),
            DynamoFxReferenceRates(client, table),
        )


@pytest.fixture
async def sqs(moto_endpoint: str) -> AsyncIterator[Any]:
    async with sqs_client(REGION, moto_endpoint, wait_seconds=0) as client:
        yield client
