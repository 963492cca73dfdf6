"""The portfolios repository on DynamoDB (see `table` for the item layout).

Reads of many items are batched (BatchGetItem) or a single Query; every write that must be all or
nothing is one TransactWriteItems with conditions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError
from kit.dynamo import batch_get, from_item, query_all, to_item

from portfolios.adapters import items
from portfolios.adapters.table import GSI1
from portfolios.domain.model import CustomerBook, Lot, Portfolio, book_of
from portfolios.domain.ports import (
    CustomerNotRegistered,
    IdempotencyKeyTaken,
    IdempotencyRecord,
    PortfolioMissing,
    WriteConflict,
)

_NOT_EXISTS = "attribute_not_exists(pk)"
_EXISTS = "attribute_exists(pk)"


def _cancellation_codes(error: ClientError) -> list[str] | None:
    """The per-item reasons of a cancelled transaction, None for any other error."""
    if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return None
    reasons = error.response.get("CancellationReasons") or []
    return [str(reason.get("Code", "None")) for reason in reasons]


class DynamoPortfolioRepository:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    async def create_portfolio(self, portfolio: Portfolio) -> None:
        try:
            await self._client.transact_write_items(
                TransactItems=[
                    {
                        "ConditionCheck": {
                            "TableName": self._table,
                            "Key": to_item(items.directory_key(portfolio.customer_id)),
                            "ConditionExpression": _EXISTS,
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": to_item(items.portfolio_item(portfolio)),
                            "ConditionExpression": _NOT_EXISTS,
                        }
                    },
                ]
            )
        except ClientError as error:
            codes = _cancellation_codes(error)
            if codes and codes[0] == "ConditionalCheckFailed":
                raise CustomerNotRegistered(portfolio.customer_id) from error
            raise

    async def portfolios(self, ids: Sequence[str]) -> Mapping[str, Portfolio]:
        if not ids:
            return {}
        found = await batch_get(self._client, self._table, [items.portfolio_key(i) for i in ids])
        return {
            portfolio.id: portfolio
            for portfolio in (items.portfolio_from(item) for item in found if item.get("sk") == items.META)
        }

    async def lots(self, portfolio_id: str) -> list[Lot]:
        found = await query_all(
            self._client,
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :lot)",
            ExpressionAttributeValues=to_item({":pk": items.portfolio_pk(portfolio_id), ":lot": "LOT#"}),
            ConsistentRead=True,
        )
        return [items.lot_from(item) for item in found]

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
        portfolios = [items.portfolio_from(i) for i in found if i.get("type") == items.PORTFOLIO_TYPE]
        lots = [items.lot_from(i) for i in found if i.get("type") == items.LOT_TYPE]
        return book_of(customer_id, portfolios, lots)

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

    async def idempotency(self, portfolio_id: str, key: str) -> IdempotencyRecord | None:
        response = await self._client.get_item(
            TableName=self._table, Key=to_item(items.idempotency_key(portfolio_id, key)), ConsistentRead=True
        )
        item = response.get("Item")
        return items.idempotency_from(from_item(item)) if item else None

    async def add_lot(self, portfolio: Portfolio, lot: Lot, idempotency: IdempotencyRecord | None) -> None:
        transaction: list[dict[str, Any]] = [
            {
                "ConditionCheck": {
                    "TableName": self._table,
                    "Key": to_item(items.portfolio_key(portfolio.id)),
                    "ConditionExpression": _EXISTS,
                }
            },
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item(items.lot_item(lot, portfolio.customer_id)),
                    "ConditionExpression": _NOT_EXISTS,
                }
            },
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item(items.investment_item(lot)),
                    "ConditionExpression": _NOT_EXISTS,
                }
            },
        ]
        if idempotency is not None:
            transaction.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": to_item(items.idempotency_item(portfolio.id, idempotency, lot.created_at)),
                        "ConditionExpression": _NOT_EXISTS,
                    }
                }
            )
        try:
            await self._client.transact_write_items(TransactItems=transaction)
        except ClientError as error:
            codes = _cancellation_codes(error)
            if codes and codes[0] == "ConditionalCheckFailed":
                raise PortfolioMissing(portfolio.id) from error
            if codes and len(codes) > 3 and codes[3] == "ConditionalCheckFailed":
                raise IdempotencyKeyTaken(idempotency.key if idempotency else "") from error
            if codes and "TransactionConflict" in codes:
                raise WriteConflict(portfolio.id) from error
            raise


class DynamoCustomerDirectory:
    """The customers known to exist: `CUSTOMER#<id> / DIRECTORY` items in the portfolios table."""

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    async def register(self, customer_id: str, registered_at: datetime) -> None:
        # Upsert: a second delivery of the same event keeps the first registration time.
        await self._client.update_item(
            TableName=self._table,
            Key=to_item(items.directory_key(customer_id)),
            UpdateExpression=(
                "SET #type = :type, customerId = :id, registeredAt = if_not_exists(registeredAt, :at)"
            ),
            ExpressionAttributeNames={"#type": "type"},
            ExpressionAttributeValues=to_item(
                {":type": items.DIRECTORY_TYPE, ":id": customer_id, ":at": registered_at.isoformat()}
            ),
        )

    async def is_registered(self, customer_id: str) -> bool:
        response = await self._client.get_item(
            TableName=self._table,
            Key=to_item(items.directory_key(customer_id)),
            ConsistentRead=True,
            ProjectionExpression="pk",
        )
        return "Item" in response
