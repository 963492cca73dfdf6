"""A table created before the listing index (a local .data/ table) is brought up to date."""

from __future__ import annotations

from datetime import UTC, datetime

from customers.adapters.repository import DynamoCustomerRepository
from customers.adapters.table import LIST_INDEX, table_definition, upgrade_table
from customers.domain.paging import PageRequest
from kit.aws.dynamo import dynamodb_client, ensure_table, to_item
from kit.web.settings import ServiceSettings
from kit_testing import unique_table_name

IDS = ["01HV0000000000000000000001", "01HV0000000000000000000002", "01HV0000000000000000000003"]


def old_definition(table: str) -> dict:
    """The table as the skeleton created it: no index."""
    definition = table_definition(table)
    del definition["GlobalSecondaryIndexes"]
    definition["AttributeDefinitions"] = definition["AttributeDefinitions"][:2]
    return definition


async def test_upgrade_adds_the_index_and_backfills_old_profiles(dynamodb_endpoint):
    table = unique_table_name("customers")
    async with dynamodb_client(ServiceSettings(dynamodb_endpoint_url=dynamodb_endpoint)) as client:
        await ensure_table(client, old_definition(table))
        # Profiles as the skeleton wrote them (no gsi1 keys, isoformat without microseconds), and a guard.
        for i, customer_id in enumerate(IDS):
            created = datetime(2024, 1, 1, 12, 0, 3 - i, tzinfo=UTC)  # the last id is the oldest
            await client.put_item(
                TableName=table,
                Item=to_item(
                    {
                        "pk": f"CUSTOMER#{customer_id}",
                        "sk": "PROFILE",
                        "id": customer_id,
                        "email": f"c{i}@example.com",
                        "name": f"Customer {i}",
                        "createdAt": created.isoformat(),
                        "version": 1,
                        "status": "ACTIVE",
                    }
                ),
            )
        await client.put_item(
            TableName=table, Item=to_item({"pk": "EMAIL#c0@example.com", "sk": "EMAIL", "customerId": IDS[0]})
        )

        assert await upgrade_table(client, table, poll_seconds=0.05) == {
            "indexesCreated": 1,
            "profilesBackfilled": 3,
        }
        described = (await client.describe_table(TableName=table))["Table"]
        assert [i["IndexName"] for i in described["GlobalSecondaryIndexes"]] == [LIST_INDEX]

        customers, more = await DynamoCustomerRepository(client, table).list_page(PageRequest(first=10))
        assert [c.id for c in customers] == list(reversed(IDS))  # creation order, not id order
        assert more is False
        # Idempotent: a second run finds nothing to do.
        assert await upgrade_table(client, table) == {"indexesCreated": 0, "profilesBackfilled": 0}


async def test_upgrade_of_a_current_table_changes_nothing(dynamodb_endpoint):
    table = unique_table_name("customers")
    async with dynamodb_client(ServiceSettings(dynamodb_endpoint_url=dynamodb_endpoint)) as client:
        await ensure_table(client, table_definition(table))
        assert await upgrade_table(client, table) == {"indexesCreated": 0, "profilesBackfilled": 0}
