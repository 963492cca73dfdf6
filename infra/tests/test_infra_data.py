"""Data stack: one table per service, keyed exactly as the service's own table definition."""

from __future__ import annotations

import importlib
from collections.abc import Callable

import pytest
from aws_cdk.assertions import Match, Template
from infra.assembly import SynthesizedStack
from infra.topology import TOPOLOGY

SUBGRAPHS = TOPOLOGY.names
ENVIRONMENTS = ("dev", "prod")


def _definition(service: str, name: str) -> dict:
    return importlib.import_module(f"{service}.adapters.table").table_definition(name)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_service_has_its_own_table_with_recovery_protection_and_streams(
    env: str, template: Callable[[str], Template]
) -> None:
    data = template(f"{env}/data")
    data.resource_count_is("AWS::DynamoDB::GlobalTable", 3)
    for service in SUBGRAPHS:
        data.has_resource(
            "AWS::DynamoDB::GlobalTable",
            {
                "Properties": Match.object_like(
                    {
                        "TableName": f"portfolio-{env}-{service}",
                        "BillingMode": "PAY_PER_REQUEST",
                        "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
                        "Replicas": [
                            Match.object_like(
                                {
                                    "Region": "us-east-1",
                                    "DeletionProtectionEnabled": True,
                                    "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                                }
                            )
                        ],
                    }
                ),
                "DeletionPolicy": "Retain",
                "UpdateReplacePolicy": "Retain",
            },
        )


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_table_expires_items_by_purge_at(env: str, stacks: dict[str, SynthesizedStack]) -> None:
    """Event items (occurredAt + 7 days) and consumers' applied-event markers carry `purgeAt`."""
    tables = stacks[f"{env}/data"].properties("AWS::DynamoDB::GlobalTable")
    assert sorted(t["TableName"] for t in tables) == sorted(f"portfolio-{env}-{s}" for s in SUBGRAPHS)
    for table in tables:
        assert table["TimeToLiveSpecification"] == {"AttributeName": "purgeAt", "Enabled": True}, table[
            "TableName"
        ]


@pytest.mark.parametrize("service", SUBGRAPHS)
def test_table_keys_and_indexes_are_the_services_own_definition(
    service: str, stacks: dict[str, SynthesizedStack]
) -> None:
    name = f"portfolio-dev-{service}"
    (table,) = [
        p for p in stacks["dev/data"].properties("AWS::DynamoDB::GlobalTable") if p["TableName"] == name
    ]
    definition = _definition(service, name)

    def attributes(items: list[dict]) -> set[tuple[str, str]]:
        return {(a["AttributeName"], a["AttributeType"]) for a in items}

    assert attributes(table["AttributeDefinitions"]) == attributes(definition["AttributeDefinitions"])
    assert table["KeySchema"] == definition["KeySchema"]
    indexes = {
        index["IndexName"]: (index["KeySchema"], index["Projection"]["ProjectionType"])
        for index in table.get("GlobalSecondaryIndexes", [])
    }
    expected = {
        index["IndexName"]: (index["KeySchema"], index["Projection"]["ProjectionType"])
        for index in definition.get("GlobalSecondaryIndexes", [])
    }
    assert indexes == expected


def test_the_portfolios_book_index_is_deployed(stacks: dict[str, SynthesizedStack]) -> None:
    """The dashboard's single Query runs on gsi1; a table without it would fail at run time."""
    (table,) = [
        p
        for p in stacks["prod/data"].properties("AWS::DynamoDB::GlobalTable")
        if p["TableName"].endswith("portfolios")
    ]
    assert [index["IndexName"] for index in table["GlobalSecondaryIndexes"]] == ["gsi1"]
    assert table["GlobalSecondaryIndexes"][0]["KeySchema"] == [
        {"AttributeName": "gsi1pk", "KeyType": "HASH"},
        {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
    ]
