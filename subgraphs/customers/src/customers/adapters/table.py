"""The customers table.

    pk=CUSTOMER#<id>  sk=PROFILE  the customer (gsi1pk=CUSTOMERS, gsi1sk=<createdAt>#<id>)
    pk=EMAIL#<key>    sk=EMAIL    guards email uniqueness: {customerId}; written, moved and kept in
                                  the same transaction as the profile

GSI `gsi1` lists every customer in creation order (`customers(first, after)`). Every key of these
items is built here and nowhere else.

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

from kit.aws.dynamo import from_item, to_item

from customers.domain.model import email_key
from customers.domain.paging import creation_key, customer_id_of

LIST_INDEX = "gsi1"
LIST_PARTITION = "CUSTOMERS"
PROFILE = "PROFILE"
EMAIL = "EMAIL"

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


def customer_key(customer_id: str) -> dict[str, str]:
    return {"pk": f"CUSTOMER#{customer_id}", "sk": PROFILE}


def email_guard_key(email: str) -> dict[str, str]:
    """The item that holds an email for one customer: keyed by its case-insensitive form."""
    return {"pk": f"EMAIL#{email_key(email)}", "sk": EMAIL}


def list_keys(created_at: datetime, customer_id: str) -> dict[str, str]:
    """A profile's place in the listing index."""
    return {"gsi1pk": LIST_PARTITION, "gsi1sk": creation_key(created_at, customer_id)}


def list_start_key(after: str) -> dict[str, str]:
    """The ExclusiveStartKey of a page after the creation key `after` (a cursor's content)."""
    return {"gsi1pk": LIST_PARTITION, "gsi1sk": after, **customer_key(customer_id_of(after))}


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
        "ExpressionAttributeValues": {":profile": {"S": PROFILE}},
        "ProjectionExpression": "pk, sk, id, createdAt",
    }
    backfilled = 0
    while True:
        page = await client.scan(**scan)
        for item in page.get("Items", []):
            record = from_item(item)
            keys = list_keys(datetime.fromisoformat(record["createdAt"]), record["id"])
            try:
                await client.update_item(
                    TableName=table_name,
                    Key={"pk": item["pk"], "sk": item["sk"]},  # the scanned item's own key
                    UpdateExpression="SET gsi1pk = :partition, gsi1sk = :key",
                    ConditionExpression="attribute_exists(pk) AND attribute_not_exists(gsi1pk)",
                    ExpressionAttributeValues=to_item({":partition": keys["gsi1pk"], ":key": keys["gsi1sk"]}),
                )
            except client.exceptions.ConditionalCheckFailedException:
                continue  # written meanwhile by the service, which sets the keys itself
            backfilled += 1
        if "LastEvaluatedKey" not in page:
            return backfilled
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
