"""What the e2e tests need now that services learn of each other's changes by events (DESIGN.md
decision 12): a change commits with its event item; the table's stream, the relay and the consumer's
SQS queue carry it on a moment later. A test that registers a customer and then gives it a
portfolio waits (bounded) until portfolios has the customer in its directory, and the event tests
read the tables themselves.
"""

from __future__ import annotations

import functools
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer
from devstack.client import GraphQLCallError, GraphQLClient
from devstack.config import StackConfig
from devstack.queues import REGION
from kit_testing import wait_until
from ulid import ULID

# Far above the relay's delivery delay (tens of milliseconds): a failure is a lost event, not a slow one.
EVENT_SECONDS = 30.0
_deserializer = TypeDeserializer()


def create_portfolio(
    router: GraphQLClient, portfolio: dict[str, Any], *, token: str | None = None
) -> dict[str, Any]:
    """createPortfolio's payload (userErrors included), asked again while portfolios does not know
    the customer yet (devstack.client.GraphQLClient.create_portfolio)."""
    return router.create_portfolio(portfolio, token=token, wait_seconds=EVENT_SECONDS)


def open_portfolio(router: GraphQLClient, portfolio: dict[str, Any], *, token: str | None = None) -> str:
    """create_portfolio, which must report no userErrors (as GraphQLClient.mutate); the new id."""
    payload = create_portfolio(router, portfolio, token=token)
    if payload["userErrors"]:
        raise GraphQLCallError(f"CreatePortfolio: {payload['userErrors']}")
    return str(payload["portfolio"]["id"])


# -- the tables, read by the test itself ----------------------------------------------------------


@functools.cache
def dynamodb(endpoint: str) -> Any:
    """A boto3 DynamoDB client for a stack's DynamoDB Local."""
    return boto3.client(
        "dynamodb",
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id="local",
        aws_secret_access_key="local",  # DynamoDB Local ignores both
    )


def plain(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _deserializer.deserialize(value) for name, value in item.items()}


def item(config: StackConfig, subgraph: str, pk: str, sk: str) -> dict[str, Any] | None:
    """One item of a subgraph's table, read strongly consistent; None when there is none."""
    response = dynamodb(config.dynamodb_url).get_item(
        TableName=config.table(subgraph),
        Key={"pk": {"S": pk}, "sk": {"S": sk}},
        ConsistentRead=True,
    )
    found = response.get("Item")
    return plain(found) if found else None


def scan(config: StackConfig, subgraph: str, pk_prefix: str = "") -> list[dict[str, Any]]:
    """Every item of a subgraph's table whose pk starts with `pk_prefix`, in no particular order."""
    client = dynamodb(config.dynamodb_url)
    request: dict[str, Any] = {"TableName": config.table(subgraph), "ConsistentRead": True}
    if pk_prefix:
        request |= {
            "FilterExpression": "begins_with(pk, :prefix)",
            "ExpressionAttributeValues": {":prefix": {"S": pk_prefix}},
        }
    found: list[dict[str, Any]] = []
    while True:
        page = client.scan(**request)
        found += [plain(entry) for entry in page.get("Items", [])]
        if "LastEvaluatedKey" not in page:
            return found
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def directory_entry(config: StackConfig, customer_id: str) -> dict[str, Any] | None:
    """What portfolios knows of a customer: its `CUSTOMER#<id> / DIRECTORY` item."""
    return item(config, "portfolios", f"CUSTOMER#{customer_id}", "DIRECTORY")


def wait_for_directory(config: StackConfig, customer_id: str, *, closed: bool = False) -> dict[str, Any]:
    """Waits until portfolios has the customer in its directory (closed, with `closed`)."""

    def arrived() -> bool:
        entry = directory_entry(config, customer_id)
        return entry is not None and ("closedAt" in entry and entry["closedAt"] is not None) == closed

    assert wait_until(arrived, timeout=EVENT_SECONDS), (
        f"portfolios did not learn that customer {customer_id} is {'closed' if closed else 'registered'}"
    )
    entry = directory_entry(config, customer_id)
    assert entry is not None
    return entry


def partition(config: StackConfig, subgraph: str, pk: str) -> list[dict[str, Any]]:
    """Every item of one partition of a subgraph's table."""
    response = dynamodb(config.dynamodb_url).query(
        TableName=config.table(subgraph),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": pk}},
        ConsistentRead=True,
    )
    return [plain(entry) for entry in response.get("Items", [])]


def event_items(config: StackConfig, subgraph: str, aggregate_id: str) -> list[dict[str, Any]]:
    """The event items (outbox) a subgraph wrote for one aggregate, in their sequence's order."""
    written = [e for e in scan(config, subgraph, "EVENT#") if e.get("aggregateId") == aggregate_id]
    return sorted(written, key=lambda event: int(event["sequence"]))


def applied_markers(config: StackConfig, consumer: str, event_id: str) -> list[dict[str, Any]]:
    """The consumer's `APPLIED#<eventId>` markers of one event (one once it was applied)."""
    return scan(config, consumer, f"APPLIED#{event_id}")


def register(router: GraphQLClient, name: str, *, token: str | None = None) -> str:
    """A new customer through the router (a unique email); its id."""
    email = f"events-{str(ULID()).lower()}@example.com"
    payload = router.mutate("RegisterCustomer", {"input": {"email": email, "name": name}}, token=token)
    return str(payload["customer"]["id"])
