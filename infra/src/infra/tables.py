"""DynamoDB key schemas come from the services themselves: each subgraph's `adapters/table.py`
`table_definition()` (CreateTable arguments, imported by its wiring module in infra/services/) is
translated here into TableV2 properties, so the deployed tables cannot drift from what the code and
DynamoDB Local use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_cdk import aws_dynamodb as dynamodb

from infra.config import EnvironmentConfig

# A service's `adapters.table.table_definition`: its CreateTable arguments for a table name.
TableDefinition = Callable[[str], dict[str, Any]]

_TYPES = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}


def table_name(config: EnvironmentConfig, service: str) -> str:
    """Fixed names: a service's table keeps its name across stack updates, and other stacks can
    name it (and its ARN) without a cross-stack reference."""
    return f"{config.prefix}-{service}"


def _keys(
    key_schema: list[dict[str, str]], types: dict[str, str]
) -> tuple[dynamodb.Attribute, dynamodb.Attribute | None]:
    """(partition key, sort key or None) of a KeySchema."""
    keys: dict[str, dynamodb.Attribute] = {}
    for key in key_schema:
        name = key["AttributeName"]
        keys[key["KeyType"]] = dynamodb.Attribute(name=name, type=_TYPES[types[name]])
    return keys["HASH"], keys.get("RANGE")


def _index(index: dict[str, Any], types: dict[str, str]) -> dynamodb.GlobalSecondaryIndexPropsV2:
    partition_key, sort_key = _keys(index["KeySchema"], types)
    projection = index.get("Projection", {})
    kind = projection.get("ProjectionType", "ALL")
    return dynamodb.GlobalSecondaryIndexPropsV2(
        index_name=index["IndexName"],
        partition_key=partition_key,
        sort_key=sort_key,
        projection_type=dynamodb.ProjectionType[kind],
        non_key_attributes=list(projection["NonKeyAttributes"]) if kind == "INCLUDE" else None,
    )


def table_v2_props(definition: dict[str, Any]) -> dict[str, Any]:
    """Key schema and GSIs of a CreateTable definition as TableV2 keyword arguments.

    Billing, streams, recovery and the like are the Data stack's decisions, not the service's: a
    StreamSpecification (which DynamoDB Local needs in the definition) is left to the Data stack,
    which enables NEW_AND_OLD_IMAGES; a definition with local secondary indexes or provisioned
    capacity is refused.
    """
    unsupported = set(definition) - {
        "TableName",
        "BillingMode",
        "AttributeDefinitions",
        "KeySchema",
        "GlobalSecondaryIndexes",
        "StreamSpecification",
    }
    if unsupported:
        raise ValueError(f"table definition has settings the Data stack does not translate: {unsupported}")
    if definition.get("BillingMode", "PAY_PER_REQUEST") != "PAY_PER_REQUEST":
        raise ValueError("tables are on-demand (PAY_PER_REQUEST)")
    types = {a["AttributeName"]: a["AttributeType"] for a in definition["AttributeDefinitions"]}
    partition_key, sort_key = _keys(definition["KeySchema"], types)
    props: dict[str, Any] = {"partition_key": partition_key}
    if sort_key is not None:
        props["sort_key"] = sort_key
    indexes = [_index(index, types) for index in definition.get("GlobalSecondaryIndexes", [])]
    if indexes:
        props["global_secondary_indexes"] = indexes
    return props
