"""The script docker-compose.yml's table initialisers run (each in its subgraph's image), run here
against DynamoDB Local: each service's table from its own definition, with its stream on as the
launcher creates it (the relay reads the event items out of it), created once and then left alone."""

from __future__ import annotations

import asyncio
import importlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from devstack.topology import SUBGRAPH_NAMES
from kit.aws.dynamo import EVENT_STREAM, dynamodb_client, ensure_table
from kit.web.settings import ServiceSettings
from kit_testing import unique_table_name

from .compose_support import load_compose


@pytest.fixture(scope="module")
def create_table(tmp_path_factory: pytest.TempPathFactory) -> Path:
    script = tmp_path_factory.mktemp("compose") / "create_table.py"
    script.write_text(load_compose()["configs"]["create-table"]["content"])
    return script


def run(script: Path, name: str, table: str, dynamodb_endpoint: str) -> str:
    env = {**os.environ, "SERVICE": name, "TABLE_NAME": table, "DYNAMODB_ENDPOINT_URL": dynamodb_endpoint}
    done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def describe(dynamodb_endpoint: str, tables: dict[str, str]) -> dict[str, dict[str, Any]]:
    async def described() -> dict[str, dict[str, Any]]:
        async with dynamodb_client(ServiceSettings(dynamodb_endpoint_url=dynamodb_endpoint)) as client:
            return {
                name: (await client.describe_table(TableName=table))["Table"]
                for name, table in tables.items()
            }

    return asyncio.run(described())


def table_definition(name: str, table: str) -> dict[str, Any]:
    definition: dict[str, Any] = importlib.import_module(f"{name}.adapters.table").table_definition(table)
    return definition


def test_the_table_initialiser_script_creates_each_services_table_once_with_its_stream(
    create_table: Path, dynamodb_endpoint: str
) -> None:
    names = {name: unique_table_name(name) for name in SUBGRAPH_NAMES}
    for name in SUBGRAPH_NAMES:
        assert run(create_table, name, names[name], dynamodb_endpoint) == f"created {names[name]}"
    # a second `docker compose up`
    assert run(create_table, "portfolios", names["portfolios"], dynamodb_endpoint) == (
        f"exists {names['portfolios']}"
    )

    for name, table in describe(dynamodb_endpoint, names).items():
        definition = table_definition(name, names[name])
        assert table["KeySchema"] == definition["KeySchema"]
        indexes = sorted(index["IndexName"] for index in table.get("GlobalSecondaryIndexes", []))
        assert indexes == sorted(index["IndexName"] for index in definition.get("GlobalSecondaryIndexes", []))
        # The stream the relay reads, as the launcher (devstack.tables) and infra turn it on.
        assert table["StreamSpecification"] == EVENT_STREAM, name
        assert table["LatestStreamArn"], name


def test_a_table_kept_from_before_the_relay_gets_its_stream(
    create_table: Path, dynamodb_endpoint: str
) -> None:
    """A compose volume from before events left through the streams: the table is kept, its stream
    turned on (and a second run leaves it alone)."""
    table = unique_table_name("customers")

    async def create_without_stream() -> None:
        async with dynamodb_client(ServiceSettings(dynamodb_endpoint_url=dynamodb_endpoint)) as client:
            definition = table_definition("customers", table)
            assert "StreamSpecification" not in definition  # else this would not be the old table
            await ensure_table(client, definition)

    asyncio.run(create_without_stream())
    assert "StreamSpecification" not in describe(dynamodb_endpoint, {"customers": table})["customers"]

    assert run(create_table, "customers", table, dynamodb_endpoint).splitlines() == [
        f"exists {table}",
        f"stream turned on {table}",
    ]
    assert (
        describe(dynamodb_endpoint, {"customers": table})["customers"]["StreamSpecification"] == EVENT_STREAM
    )
    assert run(create_table, "customers", table, dynamodb_endpoint) == f"exists {table}"
