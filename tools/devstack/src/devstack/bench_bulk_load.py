"""Big ledgers written straight into the stack's DynamoDB Local with the portfolios adapter itself.

Recording 10,000 activities one by one through the API would replay the whole ledger at every
write (quadratic): the activity and REF items go in by BatchWriteItem, built by the adapter's item
builders; then the domain's replay of the whole history and one repository write of the
portfolio's projection (and journal), as a change recording them all would leave them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from kit.aws.dynamo import dynamodb_client, from_item, to_item
from kit.web.settings import ServiceSettings
from portfolios.adapters import items, table
from portfolios.adapters.repository import DynamoPortfolioRepository
from portfolios.domain.ledger import Ledger
from portfolios.domain.model import Activity, Portfolio
from portfolios.domain.ports import LedgerChange

from devstack.config import StackConfig

# BatchWriteItem takes at most 25 puts a call; a few calls run at once.
BATCH_WRITE_LIMIT = 25
BATCH_CONCURRENCY = 8
_UNPROCESSED_RETRIES = 10


async def _batch_write(client: Any, table: str, chunk: Sequence[dict[str, Any]]) -> None:
    request: dict[str, Any] = {table: [{"PutRequest": {"Item": to_item(item)}} for item in chunk]}
    for attempt in range(_UNPROCESSED_RETRIES):
        response = await client.batch_write_item(RequestItems=request)
        request = response.get("UnprocessedItems") or {}
        if not request:
            return
        await asyncio.sleep(0.05 * 2**attempt)
    raise RuntimeError("BatchWriteItem kept leaving items unprocessed")


async def bulk_load(config: StackConfig, portfolio_id: str, activities: Sequence[Activity]) -> int:
    """Writes `activities` into an empty portfolio as if each had been recorded: its activity and REF
    items, then the replayed projection (version 0 -> 1). Returns how many items were written."""
    table = config.table("portfolios")
    settings = ServiceSettings(dynamodb_endpoint_url=config.dynamodb_url)
    async with dynamodb_client(settings) as client:
        repository = DynamoPortfolioRepository(client, table)
        portfolio: Portfolio = (await repository.portfolios([portfolio_id]))[portfolio_id]
        books = Ledger(portfolio, activities).replay(version=1)  # refuses an impossible history
        written = [
            entry
            for activity in activities
            for entry in (
                items.activity_item(activity),
                items.ref_item(activity.id, portfolio, activity.occurred_on),
            )
        ]
        semaphore = asyncio.Semaphore(BATCH_CONCURRENCY)

        async def write(chunk: Sequence[dict[str, Any]]) -> None:
            async with semaphore:
                await _batch_write(client, table, chunk)

        await asyncio.gather(
            *(write(written[i : i + BATCH_WRITE_LIMIT]) for i in range(0, len(written), BATCH_WRITE_LIMIT))
        )
        # META, the projection and the journal (every activity, as compressed chunks that ledger()
        # reads in one Query), as the change that recorded the last of them would have left them.
        await repository.write(
            [LedgerChange(portfolio, expected_version=0, books=books, activities=tuple(activities))]
        )
    return len(written)


async def journal_chunks(config: StackConfig, portfolio_id: str) -> int:
    """How many journal chunks META counts (0: ledger() would read the activity items instead)."""
    settings = ServiceSettings(dynamodb_endpoint_url=config.dynamodb_url)
    async with dynamodb_client(settings) as client:
        response = await client.get_item(
            TableName=config.table("portfolios"), Key=to_item(table.portfolio_key(portfolio_id))
        )
    return items.chunk_count(from_item(response["Item"]), table.JOURNAL_PART)
