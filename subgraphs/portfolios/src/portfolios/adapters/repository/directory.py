"""The customers known to exist, as the portfolios service learns them from the customers service's
events: `CUSTOMER#<id> / DIRECTORY` items in the portfolios table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kit.aws.dynamo import to_item

from portfolios.adapters import items, table
from portfolios.domain.model import CustomerStatus


class DynamoCustomerDirectory:
    """`registeredAt` is set by CustomerRegistered, `closedAt` by CustomerClosed; each keeps its first
    value, so that redelivered or reordered events end in the same item."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    async def _upsert(self, customer_id: str, attribute: str, at: datetime) -> None:
        await self._client.update_item(
            TableName=self._table,
            Key=to_item(table.directory_key(customer_id)),
            UpdateExpression=(
                f"SET #type = :type, customerId = :id, {attribute} = if_not_exists({attribute}, :at)"
            ),
            ExpressionAttributeNames={"#type": "type"},
            ExpressionAttributeValues=to_item(
                {":type": items.DIRECTORY_TYPE, ":id": customer_id, ":at": at.isoformat()}
            ),
        )

    async def register(self, customer_id: str, registered_at: datetime) -> None:
        await self._upsert(customer_id, "registeredAt", registered_at)

    async def close(self, customer_id: str, closed_at: datetime) -> None:
        await self._upsert(customer_id, "closedAt", closed_at)

    async def status(self, customer_id: str) -> CustomerStatus:
        response = await self._client.get_item(
            TableName=self._table,
            Key=to_item(table.directory_key(customer_id)),
            ConsistentRead=True,
            ProjectionExpression="pk, closedAt",
        )
        item = response.get("Item")
        if item is None:
            return CustomerStatus.UNKNOWN
        return CustomerStatus.CLOSED if "closedAt" in item else CustomerStatus.ACTIVE
