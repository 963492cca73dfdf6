"""The customers table.

    pk=CUSTOMER#<id>  sk=PROFILE  the customer (gsi1pk=CUSTOMERS, gsi1sk=<createdAt>#<id>)
    pk=EMAIL#<key>    sk=EMAIL    guards email uniqueness: {customerId}; written, moved and kept in
                                  the same transaction as the profile

GSI `gsi1` lists every customer in creation order (`customers(first, after)`).

Scale note: gsi1pk is ONE partition key for all customers, a hot key. Every profile write is
replicated into that single GSI partition (about 1,000 writes/s at most), and a throttled GSI
throttles the table's writes. Fine for an advisor's book of thousands of customers; for millions,
shard it (gsi1pk=CUSTOMERS#<n> for a hash of the id into N buckets, query the N buckets and merge
by gsi1sk) or bucket by creation month.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from kit.aws.dynamo import from_item

from customers.domain.paging import creation_key

LIST_INDEX = "gsi1"
LIST_PARTITION = "CUSTOMERS"

_LIST_INDEX_DEFINITION: dict[str, Any] = {
    "IndexName": LIST_INDEX,
    "KeySchema": [
        {"AttributeName": "gsi1pk", "KeyType": "HASH"},
        {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
    ],
    # ALL: a page is one Query, no second read of the profiles.
    "Projection": {"ProjectionType": "ALL"},
}
_INDEX_ATTRIBUTES = [
    {"AttributeName": "gsi1pk", "AttributeType": "S"},
    {"AttributeName": "gsi1sk", "AttributeType": "S"},
]


def table_definition(table_name: str) -> dict[str, Any]:
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            *_INDEX_ATTRIBUTES,
        ],
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [_LIST_INDEX_DEFINITION],
    }


async def upgrade_table(client: Any, table_name: str, *, poll_seconds: float = 0.2) -> dict[str, int]:
    """Bring a table created by an older `table_definition` up to date; idempotent.

    For local tables that persist in .data/ (in AWS the table is infrastructure code): adds the
    listing index when it is missing, waits until it is ACTIVE, then gives every profile written
    before the index its gsi1 keys. Answers {"indexesCreated": n, "profilesBackfilled": m}.
    """
    described = (await client.describe_table(TableName=table_name))["Table"]
    existing = {index["IndexName"] for index in described.get("GlobalSecondaryIndexes", [])}
    created = 0
    if LIST_INDEX not in existing:
        await client.update_table(
            TableName=table_name,
            AttributeDefinitions=_INDEX_ATTRIBUTES,
            GlobalSecondaryIndexUpdates=[{"Create": _LIST_INDEX_DEFINITION}],
        )
        created = 1
    await _wait_for_index(client, table_name, poll_seconds)
    return {"indexesCreated": created, "profilesBackfilled": await _backfill_list_keys(client, table_name)}


async def _wait_for_index(client: Any, table_name: str, poll_seconds: float, attempts: int = 300) -> None:
    for _ in range(attempts):
        table = (await client.describe_table(TableName=table_name))["Table"]
        statuses = {i["IndexName"]: i["IndexStatus"] for i in table.get("GlobalSecondaryIndexes", [])}
        if statuses.get(LIST_INDEX) == "ACTIVE":
            return
        await asyncio.sleep(poll_seconds)
    raise TimeoutError(f"index {LIST_INDEX} of {table_name} did not become ACTIVE")


async def _backfill_list_keys(client: Any, table_name: str) -> int:
    scan: dict[str, Any] = {
        "TableName": table_name,
        "FilterExpression": "sk = :profile AND attribute_not_exists(gsi1pk)",
        "ExpressionAttributeValues": {":profile": {"S": "PROFILE"}},
        "ProjectionExpression": "pk, sk, id, createdAt",
    }
    backfilled = 0
    while True:
        page = await client.scan(**scan)
        for item in page.get("Items", []):
            record = from_item(item)
            try:
                await client.update_item(
                    TableName=table_name,
                    Key={"pk": item["pk"], "sk": item["sk"]},
                    UpdateExpression="SET gsi1pk = :partition, gsi1sk = :key",
                    ConditionExpression="attribute_exists(pk) AND attribute_not_exists(gsi1pk)",
                    ExpressionAttributeValues={
                        ":partition": {"S": LIST_PARTITION},
                        ":key": {
                            "S": creation_key(datetime.fromisoformat(record["createdAt"]), record["id"])
                        },
                    },
                )
            except client.exceptions.ConditionalCheckFailedException:
                continue  # written meanwhile by the service, which sets the keys itself
            backfilled += 1
        if "LastEvaluatedKey" not in page:
            return backfilled
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
