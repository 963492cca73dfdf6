"""The subgraphs' DynamoDB tables, created from each service's own `adapters/table.py`, each with
its stream on: the relay (devstack.relay) reads the event items out of it, as the Pipes do in AWS."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from kit.aws.dynamo import dynamodb_client, ensure_table
from kit.web.settings import ServiceSettings

from devstack.config import StackConfig
from devstack.topology import SUBGRAPH_NAMES

# As infra enables it: the new image is what the relay sends; the old one costs nothing locally.
STREAM = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}


def with_stream(definition: Mapping[str, Any]) -> dict[str, Any]:
    """A service's CreateTable arguments with the stream on (kept when the service sets it itself)."""
    return {"StreamSpecification": STREAM, **definition}


async def ensure_stream(client: Any, table: str) -> bool:
    """Turns the stream on for a table kept in .data/ from before the relay; True when it did."""
    description = (await client.describe_table(TableName=table))["Table"]
    if description.get("StreamSpecification", {}).get("StreamEnabled"):
        return False
    await client.update_table(TableName=table, StreamSpecification=STREAM)
    return True


async def create_tables(config: StackConfig) -> None:
    """Every subgraph's table, unless it exists; then the service's own upgrade, when it has one."""
    settings = ServiceSettings(dynamodb_endpoint_url=config.dynamodb_url)
    async with dynamodb_client(settings) as client:
        for name in SUBGRAPH_NAMES:
            table_module = importlib.import_module(f"{name}.adapters.table")
            table = config.table(name)
            await ensure_table(client, with_stream(table_module.table_definition(table)))
            await ensure_stream(client, table)
            # A table kept in .data/ from an older definition: the service's own upgrade
            # (new indexes, backfilled keys), when it has one.
            upgrade = getattr(table_module, "upgrade_table", None)
            if upgrade is not None:
                await upgrade(client, table)
