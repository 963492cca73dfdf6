"""The markers of the events the assets service handled: `APPLIED#<eventId> / APPLIED` items."""

from __future__ import annotations

import time
from typing import Any

from botocore.exceptions import ClientError
from kit.aws.dynamo import to_item

from assets.adapters.table import applied_key

# How long a marker is kept (the table's TTL on `purgeAt` removes it): far longer than any
# redelivery (SQS keeps a message 4 days at most, the dead-letter queue 14).
APPLIED_KEPT_SECONDS = 14 * 24 * 3600
APPLIED_TYPE = "AppliedEvent"


class DynamoAppliedEvents:
    """`domain.ports.AppliedEvents` on the assets table."""

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    async def was_applied(self, event_id: str) -> bool:
        response = await self._client.get_item(
            TableName=self._table,
            Key=to_item(applied_key(event_id)),
            ConsistentRead=True,
            ProjectionExpression="pk",
        )
        return "Item" in response

    async def mark_applied(self, event_id: str) -> None:
        item = {
            **applied_key(event_id),
            "type": APPLIED_TYPE,
            "purgeAt": int(time.time()) + APPLIED_KEPT_SECONDS,
        }
        try:
            await self._client.put_item(
                TableName=self._table, Item=to_item(item), ConditionExpression="attribute_not_exists(pk)"
            )
        except ClientError as error:
            # Marked meanwhile by another delivery of the same event: the first mark stays.
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
