"""The portfolios repository on DynamoDB (see `table` for the item layout).

Reads of many items are batched (BatchGetItem) or a single Query; every write that must be all or
nothing is one TransactWriteItems whose conditions re-check what the use case read. A cancelled
transaction (a condition failed, or a concurrent transaction interfered) raises `WriteConflict`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from botocore.exceptions import ClientError
from kit.dynamo import batch_get, from_item, query_all, to_item

from portfolios.adapters import items
from portfolios.adapters.table import GSI1
from portfolios.domain.model import (
    Activity,
    ActivityPage,
    CustomerBook,
    Ledger,
    Lot,
    Portfolio,
    PortfolioStatus,
    book_of,
)
from portfolios.domain.ports import IdempotencyRecord, Sale, WriteConflict
from portfolios.domain.validation import CustomerStatus

_NOT_EXISTS = "attribute_not_exists(pk)"
_EXISTS = "attribute_exists(pk)"

# DynamoDB's limit on the items of one TransactWriteItems.
MAX_TRANSACTION_ITEMS = 100


def _cancellation_codes(error: ClientError) -> list[str] | None:
    """The per-item reasons of a cancelled transaction, None for any other error."""
    if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return None
    reasons = error.response.get("CancellationReasons") or []
    return [str(reason.get("Code", "None")) for reason in reasons]


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class DynamoPortfolioRepository:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    # --- transaction parts --------------------------------------------------------------------

    def _check_open(self, portfolio_id: str) -> dict[str, Any]:
        """The portfolio exists and is not closed."""
        return {
            "ConditionCheck": {
                "TableName": self._table,
                "Key": to_item(items.portfolio_key(portfolio_id)),
                "ConditionExpression": "attribute_exists(pk) AND "
                "(attribute_not_exists(#status) OR #status <> :closed)",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": to_item({":closed": PortfolioStatus.CLOSED.value}),
            }
        }

    def _check_active(self, customer_id: str) -> dict[str, Any]:
        """The customer directory knows the customer, and not as closed."""
        return {
            "ConditionCheck": {
                "TableName": self._table,
                "Key": to_item(items.directory_key(customer_id)),
                "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(closedAt)",
            }
        }

    def _put_new(self, item: Mapping[str, Any]) -> dict[str, Any]:
        return {"Put": {"TableName": self._table, "Item": to_item(item), "ConditionExpression": _NOT_EXISTS}}

    @staticmethod
    def _at_version(expected: int) -> dict[str, Any]:
        """Condition: the stored lot is at `expected` (0: a lot stored before lots had versions)."""
        if expected == 0:
            return {
                "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(#version)",
                "ExpressionAttributeNames": {"#version": "version"},
            }
        return {
            "ConditionExpression": "attribute_exists(pk) AND #version = :version",
            "ExpressionAttributeNames": {"#version": "version"},
            "ExpressionAttributeValues": to_item({":version": expected}),
        }

    def _put_lot(self, lot: Lot, customer_id: str) -> list[dict[str, Any]]:
        """Both copies of `lot`, replacing the stored ones if they are at lot.version - 1."""
        condition = self._at_version(lot.version - 1)
        return [
            {"Put": {"TableName": self._table, "Item": to_item(item), **condition}}
            for item in (items.lot_item(lot, customer_id), items.investment_item(lot, customer_id))
        ]

    async def _transact(self, transaction: list[dict[str, Any]]) -> None:
        try:
            await self._client.transact_write_items(TransactItems=transaction)
        except ClientError as error:
            codes = _cancellation_codes(error)
            if codes is not None or _error_code(error) == "TransactionInProgressException":
                raise WriteConflict(codes) from error
            raise

    # --- writes -------------------------------------------------------------------------------

    async def create_portfolio(self, portfolio: Portfolio) -> None:
        await self._transact(
            [self._check_active(portfolio.customer_id), self._put_new(items.portfolio_item(portfolio))]
        )

    async def add_lot(
        self, portfolio: Portfolio, lot: Lot, activity: Activity, idempotency: IdempotencyRecord | None
    ) -> None:
        transaction = [
            self._check_open(portfolio.id),
            self._check_active(portfolio.customer_id),
            self._put_new(items.lot_item(lot, portfolio.customer_id)),
            self._put_new(items.investment_item(lot, portfolio.customer_id)),
            self._put_new(items.activity_item(activity)),
        ]
        if idempotency is not None:
            transaction.append(
                self._put_new(items.idempotency_item(portfolio.id, idempotency, lot.created_at))
            )
        await self._transact(transaction)

    async def update_lot(self, portfolio: Portfolio, lot: Lot, activity: Activity) -> None:
        await self._transact(
            [
                self._check_open(portfolio.id),
                *self._put_lot(lot, portfolio.customer_id),
                self._put_new(items.activity_item(activity)),
            ]
        )

    async def remove_lot(self, portfolio: Portfolio, lot: Lot, activity: Activity) -> None:
        condition = self._at_version(lot.version)
        await self._transact(
            [
                self._check_open(portfolio.id),
                *(
                    {"Delete": {"TableName": self._table, "Key": to_item(key), **condition}}
                    for key in (items.lot_key(lot.portfolio_id, lot.id), items.investment_key(lot.id))
                ),
                self._put_new(items.activity_item(activity)),
            ]
        )

    async def record_sale(self, sale: Sale) -> None:
        customer_id = sale.portfolio.customer_id
        expected = sale.summary.version - 1
        summary_condition: dict[str, Any] = (
            {"ConditionExpression": _NOT_EXISTS}
            if expected == 0
            else {
                "ConditionExpression": "#version = :version",
                "ExpressionAttributeNames": {"#version": "version"},
                "ExpressionAttributeValues": to_item({":version": expected}),
            }
        )
        transaction: list[dict[str, Any]] = [
            self._check_open(sale.portfolio.id),
            *(part for lot in sale.lots for part in self._put_lot(lot, customer_id)),
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item(items.summary_item(sale.summary, customer_id)),
                    **summary_condition,
                }
            },
            self._put_new(items.activity_item(sale.activity)),
        ]
        if sale.idempotency is not None:
            transaction.append(
                self._put_new(
                    items.idempotency_item(sale.portfolio.id, sale.idempotency, sale.activity.recorded_at)
                )
            )
        if len(transaction) > MAX_TRANSACTION_ITEMS:
            raise ValueError(f"a sale of {len(sale.lots)} lots does not fit one transaction")
        await self._transact(transaction)

    @staticmethod
    def _owned_by(owner: str | None, condition: str, values: dict[str, Any]) -> str:
        """`condition`, and the stored portfolio belongs to `owner` when one is given."""
        if owner is None:
            return condition
        values[":owner"] = owner
        return f"{condition} AND customerId = :owner"

    async def rename_portfolio(
        self, portfolio_id: str, name: str, owner: str | None = None
    ) -> Portfolio | None:
        values: dict[str, Any] = {":name": name}
        try:
            response = await self._client.update_item(
                TableName=self._table,
                Key=to_item(items.portfolio_key(portfolio_id)),
                UpdateExpression="SET #name = :name",
                ConditionExpression=self._owned_by(owner, _EXISTS, values),
                ExpressionAttributeNames={"#name": "name"},
                ExpressionAttributeValues=to_item(values),
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if _error_code(error) == "ConditionalCheckFailedException":
                return None
            raise
        return items.portfolio_from(from_item(response["Attributes"]))

    async def close_portfolio(
        self, portfolio_id: str, closed_at: datetime, owner: str | None = None
    ) -> Portfolio | None:
        values: dict[str, Any] = {":closed": PortfolioStatus.CLOSED.value, ":at": closed_at.isoformat()}
        condition = "attribute_exists(pk) AND (attribute_not_exists(#status) OR #status <> :closed)"
        try:
            response = await self._client.update_item(
                TableName=self._table,
                Key=to_item(items.portfolio_key(portfolio_id)),
                UpdateExpression="SET #status = :closed, closedAt = :at",
                ConditionExpression=self._owned_by(owner, condition, values),
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=to_item(values),
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if _error_code(error) != "ConditionalCheckFailedException":
                raise
            # Missing (no item comes back), closed already (then it keeps its first closing time),
            # or not `owner`'s (then it is unchanged: the caller checks the owner of what is
            # returned). The failed write returns the stored item: no second read.
            old = cast("Mapping[str, Any] | None", error.response.get("Item"))
            return items.portfolio_from(from_item(old)) if old else None
        return items.portfolio_from(from_item(response["Attributes"]))

    # --- reads --------------------------------------------------------------------------------

    async def portfolios(self, ids: Sequence[str]) -> Mapping[str, Portfolio]:
        if not ids:
            return {}
        found = await batch_get(self._client, self._table, [items.portfolio_key(i) for i in ids])
        return {
            portfolio.id: portfolio
            for portfolio in (items.portfolio_from(item) for item in found if item.get("sk") == items.META)
        }

    async def ledger(self, portfolio_id: str) -> Ledger:
        found = await query_all(
            self._client,
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND sk BETWEEN :first AND :last",
            ExpressionAttributeValues=to_item(
                {
                    ":pk": items.portfolio_pk(portfolio_id),
                    ":first": items.LOT_PREFIX,
                    ":last": items.LEDGER_END,
                }
            ),
            ConsistentRead=True,
        )
        book = book_of(
            "",
            [items.portfolio_from(i) for i in found if i.get("type") == items.PORTFOLIO_TYPE],
            [items.lot_from(i) for i in found if i.get("type") == items.LOT_TYPE],
            [items.summary_from(i) for i in found if i.get("type") == items.SUMMARY_TYPE],
        )
        return book.ledger_of(portfolio_id)

    async def lots_by_id(self, ids: Sequence[str]) -> Mapping[str, Lot]:
        if not ids:
            return {}
        found = await batch_get(self._client, self._table, [items.investment_key(i) for i in ids])
        return {lot.id: lot for lot in (items.lot_from(item) for item in found)}

    async def book(self, customer_id: str) -> CustomerBook:
        # A GSI is eventually consistent: a portfolio or lot written a moment ago may be missing.
        found = await query_all(
            self._client,
            TableName=self._table,
            IndexName=GSI1,
            KeyConditionExpression="gsi1pk = :customer",
            ExpressionAttributeValues=to_item({":customer": items.customer_pk(customer_id)}),
        )
        return book_of(
            customer_id,
            [items.portfolio_from(i) for i in found if i.get("type") == items.PORTFOLIO_TYPE],
            [items.lot_from(i) for i in found if i.get("type") == items.LOT_TYPE],
            [items.summary_from(i) for i in found if i.get("type") == items.SUMMARY_TYPE],
        )

    async def portfolio_and_idempotency(
        self, portfolio_id: str, idempotency_key: str | None
    ) -> tuple[Portfolio | None, IdempotencyRecord | None]:
        keys = [items.portfolio_key(portfolio_id)]
        if idempotency_key is not None:
            keys.append(items.idempotency_key(portfolio_id, idempotency_key))
        found = await batch_get(self._client, self._table, keys)
        portfolio = next((items.portfolio_from(i) for i in found if i["sk"] == items.META), None)
        record = next(
            (items.idempotency_from(i) for i in found if i.get("type") == items.IDEMPOTENCY_TYPE), None
        )
        return portfolio, record

    async def activity(self, portfolio_id: str, activity_id: str) -> Activity | None:
        response = await self._client.get_item(
            TableName=self._table,
            Key=to_item(items.activity_key(portfolio_id, activity_id)),
            ConsistentRead=True,
        )
        item = response.get("Item")
        return items.activity_from(from_item(item)) if item else None

    async def activities(self, portfolio_id: str, first: int, after: str | None) -> ActivityPage:
        # Newest first: descending sort keys from just below `after` (BETWEEN is inclusive, so the
        # `after` item itself may come back and is dropped) down to the first activity.
        last = items.activity_sk(after) if after else f"{items.ACTIVITY_PREFIX[:-1]}$"
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :first AND :last",
            "ExpressionAttributeValues": to_item(
                {":pk": items.portfolio_pk(portfolio_id), ":first": items.ACTIVITY_PREFIX, ":last": last}
            ),
            "ScanIndexForward": False,
            "Limit": first + 2,
        }
        found: list[Activity] = []
        while len(found) <= first:
            response = await self._client.query(**query)
            for raw in response.get("Items", []):
                activity = items.activity_from(from_item(raw))
                if activity.id != after:
                    found.append(activity)
            start = response.get("LastEvaluatedKey")
            if not start:
                break
            query["ExclusiveStartKey"] = start
        return ActivityPage(activities=tuple(found[:first]), has_next=len(found) > first)


class DynamoCustomerDirectory:
    """The customers known to exist: `CUSTOMER#<id> / DIRECTORY` items in the portfolios table.

    `registeredAt` is set by CustomerRegistered, `closedAt` by CustomerClosed; each keeps its first
    value, so that redelivered or reordered events end in the same item.
    """

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    async def _upsert(self, customer_id: str, attribute: str, at: datetime) -> None:
        await self._client.update_item(
            TableName=self._table,
            Key=to_item(items.directory_key(customer_id)),
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
            Key=to_item(items.directory_key(customer_id)),
            ConsistentRead=True,
            ProjectionExpression="pk, closedAt",
        )
        item = response.get("Item")
        if item is None:
            return CustomerStatus.UNKNOWN
        return CustomerStatus.CLOSED if "closedAt" in item else CustomerStatus.ACTIVE
