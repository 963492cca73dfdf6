"""Async DynamoDB access shared by the subgraphs: client factory, (de)serialisation, batched reads.

Every read of many items goes through `batch_get` (BatchGetItem in chunks of 100, retrying
UnprocessedKeys) or `query_all` (one paginated Query), so resolvers never issue one call per item.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from kit.aws.clients import aws_client, bounded_config
from kit.web.settings import ServiceSettings

BATCH_GET_LIMIT = 100
# Every table's stream, as infra enables it in AWS: the event items a change writes leave through it
# (DESIGN.md decision 12), to the Pipes there and to devstack's relay locally.
EVENT_STREAM = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
_MAX_UNPROCESSED_RETRIES = 8

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

Item = dict[str, Any]


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    """Python values (Decimal, str, ...) to DynamoDB's typed JSON; None values are left out."""
    return {key: _serializer.serialize(value) for key, value in values.items() if value is not None}


def from_item(item: Mapping[str, Any]) -> Item:
    """DynamoDB's typed JSON to Python values; numbers come back as Decimal, never float."""
    return {key: _deserializer.deserialize(value) for key, value in item.items()}


class RequestCounter:
    """Counts DynamoDB API calls by operation, so tests and benchmarks can assert batching."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def __call__(self, model: Any, **_: Any) -> None:
        self.calls[model.name] += 1

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def reset(self) -> None:
        self.calls.clear()


@asynccontextmanager
async def dynamodb_client(
    settings: ServiceSettings, counter: RequestCounter | None = None
) -> AsyncIterator[Any]:
    """An aiobotocore DynamoDB client (kit.aws.clients: dummy credentials against DynamoDB Local)."""
    # Bounded: a request that cannot reach DynamoDB fails in seconds, not after minutes.
    config = bounded_config(connect_timeout=2, read_timeout=5, max_attempts=3)
    async with aws_client(
        "dynamodb", region=settings.aws_region, endpoint_url=settings.dynamodb_endpoint_url, config=config
    ) as client:
        if counter is not None:
            client.meta.events.register("before-call.dynamodb", counter)
        yield client


async def batch_get(client: Any, table: str, keys: Sequence[Mapping[str, Any]]) -> list[Item]:
    """Every item found for `keys`, in no particular order; chunks run concurrently."""
    unique = list({tuple(sorted(k.items())): k for k in keys}.values())
    chunks = [unique[i : i + BATCH_GET_LIMIT] for i in range(0, len(unique), BATCH_GET_LIMIT)]
    results = await asyncio.gather(*(_batch_get_chunk(client, table, chunk) for chunk in chunks))
    return [item for chunk in results for item in chunk]


async def _batch_get_chunk(client: Any, table: str, keys: Sequence[Mapping[str, Any]]) -> list[Item]:
    found: list[Item] = []
    request: dict[str, Any] = {table: {"Keys": [to_item(k) for k in keys], "ConsistentRead": True}}
    for attempt in range(_MAX_UNPROCESSED_RETRIES + 1):
        response = await client.batch_get_item(RequestItems=request)
        found.extend(from_item(item) for item in response.get("Responses", {}).get(table, []))
        request = response.get("UnprocessedKeys") or {}
        if not request:
            return found
        if attempt < _MAX_UNPROCESSED_RETRIES:
            # Throttled keys come back unprocessed; back off exponentially before asking again.
            await asyncio.sleep(min(0.05 * 2**attempt, 1.0))
    raise RuntimeError(f"BatchGetItem on {table} left keys unprocessed after retries")


async def query_all(client: Any, **query: Any) -> list[Item]:
    """All pages of one Query."""
    items: list[Item] = []
    while True:
        response = await client.query(**query)
        items.extend(from_item(item) for item in response.get("Items", []))
        last = response.get("LastEvaluatedKey")
        if not last:
            return items
        query = {**query, "ExclusiveStartKey": last}


async def ensure_table(client: Any, definition: Mapping[str, Any]) -> bool:
    """Create the table described by CreateTable arguments unless it exists; True when created."""
    name = definition["TableName"]
    try:
        await client.describe_table(TableName=name)
        return False
    except client.exceptions.ResourceNotFoundException:
        pass
    try:
        await client.create_table(**definition)
    except client.exceptions.ResourceInUseException:
        return False  # created concurrently by another process
    waiter = client.get_waiter("table_exists")
    await waiter.wait(TableName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
    return True


def with_event_stream(definition: Mapping[str, Any]) -> dict[str, Any]:
    """A service's CreateTable arguments with the stream on (kept when the service sets it itself)."""
    return {"StreamSpecification": EVENT_STREAM, **definition}


async def ensure_event_stream(client: Any, table: str) -> bool:
    """Turns the stream on for a table created before it had one; True when it did."""
    description = (await client.describe_table(TableName=table))["Table"]
    if description.get("StreamSpecification", {}).get("StreamEnabled"):
        return False
    await client.update_table(TableName=table, StreamSpecification=EVENT_STREAM)
    return True


async def table_answers(client: Any, table: str) -> bool:
    try:
        response = await client.describe_table(TableName=table)
    except Exception:
        return False
    return bool(response["Table"]["TableStatus"] == "ACTIVE")
