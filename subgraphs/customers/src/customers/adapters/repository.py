"""DynamoDB storage of customers (the `CustomerRepository` port): profiles, the email guards that
keep emails unique, the listing, and the event of each change, written in the change's own
transaction (the outbox: the table's stream carries it out). Keys are `adapters.table`'s, items
`adapters.items`'."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping, Sequence
from typing import Any

from kit.aws.dynamo import batch_get, from_item, to_item
from kit.aws.event_tracing import current_traceparent
from kit.aws.outbox import OutgoingEvent, event_item, event_put

from customers.adapters.items import customer_from_item, customer_item, email_guard_item
from customers.adapters.table import LIST_INDEX, LIST_PARTITION, customer_key, email_guard_key, list_start_key
from customers.domain.events import CustomerEvent
from customers.domain.model import Customer
from customers.domain.paging import PageRequest
from customers.domain.ports import AlreadyRegistered, EmailTaken, StaleWrite

# A transaction cancelled only because another one held an item at the same moment wrote nothing;
# it is tried again a few times before the caller hears of it.
_CONFLICT_RETRIES = 5

# The `source` of this service's events (its subgraph name in topology.toml).
EVENT_SOURCE = "customers"


def _reasons(error: Any) -> list[str | None]:
    return [reason.get("Code") for reason in error.response.get("CancellationReasons", [])]


class DynamoCustomerRepository:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    async def get(self, customer_id: str) -> Customer | None:
        """Strongly consistent: the base of a change must be the latest write."""
        response = await self._client.get_item(
            TableName=self._table, Key=to_item(customer_key(customer_id)), ConsistentRead=True
        )
        item = response.get("Item")
        return None if item is None else customer_from_item(from_item(item))

    async def get_many(self, customer_ids: Sequence[str]) -> dict[str, Customer]:
        records = await batch_get(self._client, self._table, [customer_key(i) for i in customer_ids])
        return {record["id"]: customer_from_item(record) for record in records}

    async def insert(self, customer: Customer, event: CustomerEvent) -> None:
        """Profile, email guard and event in one transaction: all exist afterwards or none.

        Both are conditional on not existing yet, so of two registrations racing for one id (a
        customer registering itself twice at once) or one email, one is written and the other gets
        AlreadyRegistered (checked first) or EmailTaken, with nothing written.
        """
        items = [
            self._put(customer_item(customer), "attribute_not_exists(pk)"),
            self._put(email_guard_item(customer), "attribute_not_exists(pk)"),
            self._event(event),
        ]
        reasons = await self._transact(items)
        if reasons is None:
            return
        if reasons[0] == "ConditionalCheckFailed":
            raise AlreadyRegistered(customer.id)
        if reasons[1] == "ConditionalCheckFailed":
            raise EmailTaken(customer.email)
        raise RuntimeError(f"registering {customer.id} was cancelled: {reasons}")

    async def replace(self, customer: Customer, *, previous: Customer, event: CustomerEvent) -> None:
        """Write `customer` over `previous` with `event`, only if the stored profile is still at
        previous.version.

        A new email moves its guard in the same transaction: the old guard is deleted (if it is this
        customer's) and the new one put only if no one holds it. StaleWrite or EmailTaken: nothing
        was written, the event neither.
        """
        items = [
            self._put(
                customer_item(customer),
                "version = :previous",
                {":previous": {"N": str(previous.version)}},
            )
        ]
        moves_email = customer.email_key != previous.email_key
        if moves_email:
            items += [
                {
                    "Delete": {
                        "TableName": self._table,
                        "Key": to_item(email_guard_key(previous.email)),
                        "ConditionExpression": "attribute_not_exists(pk) OR customerId = :id",
                        "ExpressionAttributeValues": {":id": {"S": customer.id}},
                    }
                },
                self._put(email_guard_item(customer), "attribute_not_exists(pk)"),
            ]
        items.append(self._event(event))  # last: the reasons above keep their positions
        reasons = await self._transact(items)
        if reasons is None:
            return
        if reasons[0] in ("ConditionalCheckFailed", "TransactionConflict"):
            raise StaleWrite(customer.id)  # decided on an old version: the caller reads and decides again
        if moves_email and reasons[2] == "ConditionalCheckFailed":
            raise EmailTaken(customer.email)
        if moves_email and reasons[1] == "ConditionalCheckFailed":
            raise RuntimeError(f"the email guard of {previous.email!r} belongs to another customer")
        raise StaleWrite(customer.id)  # still contended after retries: decide again on a fresh read

    async def list_page(self, request: PageRequest) -> tuple[list[Customer], bool]:
        """Up to `first` customers after the cursor's key in creation order, and whether more follow.

        One Query of first + 1 items (the extra one only answers hasNextPage); more pages only if
        DynamoDB stops early at its 1 MB page size. The index is eventually consistent in AWS: a
        customer registered a moment ago may show up in the list a moment later.
        """
        query: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": LIST_INDEX,
            "KeyConditionExpression": "gsi1pk = :partition",
            "ExpressionAttributeValues": {":partition": {"S": LIST_PARTITION}},
            "ScanIndexForward": True,
            "Limit": request.first + 1,
        }
        if request.after is not None:
            query["ExclusiveStartKey"] = to_item(list_start_key(request.after))
        records: list[dict[str, Any]] = []
        while len(records) <= request.first:
            response = await self._client.query(**query)
            records.extend(from_item(item) for item in response.get("Items", []))
            last = response.get("LastEvaluatedKey")
            if not last:
                break
            query = {**query, "ExclusiveStartKey": last, "Limit": request.first + 1 - len(records)}
        customers = [customer_from_item(record) for record in records[: request.first]]
        return customers, len(records) > request.first

    def _event(self, event: CustomerEvent) -> dict[str, Any]:
        outgoing = OutgoingEvent(event.type, event.aggregate_id, event.sequence, event.data)
        item = event_item(
            outgoing, source=EVENT_SOURCE, occurred_at=event.occurred_at, traceparent=current_traceparent()
        )
        return event_put(self._table, item)

    def _put(
        self, record: Mapping[str, Any], condition: str, values: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        put: dict[str, Any] = {
            "TableName": self._table,
            "Item": to_item(record),
            "ConditionExpression": condition,
        }
        if values:
            put["ExpressionAttributeValues"] = dict(values)
        return {"Put": put}

    async def _transact(self, items: list[dict[str, Any]]) -> list[str | None] | None:
        """None when written; else the cancellation reason of each item (nothing was written).

        Cancelled only by a concurrent transaction on the same items (TransactionConflict, no
        condition failed): tried again after a short random pause.
        """
        for attempt in range(_CONFLICT_RETRIES + 1):
            try:
                await self._client.transact_write_items(TransactItems=items)
                return None
            except self._client.exceptions.TransactionCanceledException as error:
                reasons = _reasons(error)
            contended = "TransactionConflict" in reasons and "ConditionalCheckFailed" not in reasons
            if not contended or attempt == _CONFLICT_RETRIES:
                return reasons
            await asyncio.sleep(random.uniform(0.005, 0.02 * 2**attempt))  # noqa: S311 - jitter, not crypto
        return reasons
