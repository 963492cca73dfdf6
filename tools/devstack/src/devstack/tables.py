"""The subgraphs' DynamoDB tables, created from each service's own `adapters/table.py`, each with
its stream on: the relay (devstack.relay) reads the event items out of it, as the Pipes do in AWS."""

from __future__ import annotations

import importlib

from kit.aws.dynamo import dynamodb_client, ensure_event_stream, ensure_table, with_event_stream
from kit.web.settings import ServiceSettings

from devstack.config import StackConfig
from devstack.topology import SUBGRAPH_NAMES


async def create_tables(config: StackConfig) -> None:
    """Every subgraph's table, unless it exists; then the service's own upgrade, when it has one."""
    settings = ServiceSettings(dynamodb_endpoint_url=config.dynamodb_url)
    async with dynamodb_client(settings) as client:
        for name in SUBGRAPH_NAMES:
            table_module = importlib.import_module(f"{name}.adapters.table")
            table = config.table(name)
            await ensure_table(client, with_event_stream(table_module.table_definition(table)))
            await ensure_event_stream(client, table)  # a table kept in .data/ from before the relay
            # A table kept in .data/ from an older definition: the service's own upgrade
            # (new indexes, backfilled keys), when it has one.
            upgrade = getattr(table_module, "upgrade_table", None)
            if upgrade is not None:
                await upgrade(client, table)
