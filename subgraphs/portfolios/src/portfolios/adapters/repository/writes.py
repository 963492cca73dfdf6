"""The repository's writes: a new portfolio, ledger changes (one transaction for all of them, which
re-checks what the use case read), and the portfolio's own attributes (name, closing)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from botocore.exceptions import ClientError
from kit.aws.dynamo import from_item, to_item

from portfolios.adapters import items, table
from portfolios.adapters.repository import transactions
from portfolios.adapters.repository.base import RepositoryBase
from portfolios.adapters.repository.changes import check_journal
from portfolios.domain.model import Portfolio, PortfolioStatus
from portfolios.domain.ports import LedgerChange, WriteConflict

log = logging.getLogger(__name__)


def _owned_by(owner: str | None, condition: str, values: dict[str, Any]) -> str:
    """`condition`, and the stored portfolio belongs to `owner` when one is given."""
    if owner is None:
        return condition
    values[":owner"] = owner
    return f"{condition} AND customerId = :owner"


class PortfolioWrites(RepositoryBase):
    async def create_portfolio(self, portfolio: Portfolio) -> None:
        await transactions.transact(
            self._client,
            [
                self._parts.check_active(portfolio.customer_id),
                self._parts.put_new(items.portfolio_item(portfolio)),
            ],
        )

    async def write(self, changes: Sequence[LedgerChange]) -> None:
        if not changes:
            return
        for change in changes:
            check_journal(change)
        # The surplus chunks to delete are those of the version the change expects: read its counts
        # (a META at another version already means the write cannot succeed).
        metas = await self._metas([change.portfolio.id for change in changes])
        for change in changes:
            meta = metas.get(change.portfolio.id)
            if meta is None or items.version_of(meta) != change.expected_version:
                raise WriteConflict(
                    f"portfolio {change.portfolio.id} is not at version {change.expected_version}"
                )
        customers = {c.portfolio.customer_id for c in changes if c.require_active_customer}
        checks = [self._parts.check_active(customer_id) for customer_id in sorted(customers)]

        def transaction(with_journal: bool) -> list[dict[str, Any]]:
            parts = [
                part
                for change in changes
                for part in self._parts.change(change, metas[change.portfolio.id], with_journal=with_journal)
            ]
            return [*parts, *checks]

        full = transaction(with_journal=True)
        try:
            transactions.check_transaction_limits(full)
        except ValueError:
            if all(change.activities is None for change in changes):
                raise
            # A journal too big for one transaction (far beyond 10,000 activities) is left out: the
            # change is still written, and reads take the activity items instead.
            log.warning(
                "ledger journal of %s left out: the transaction would exceed DynamoDB's limits",
                ", ".join(change.portfolio.id for change in changes),
            )
            full = transaction(with_journal=False)
        await transactions.transact(self._client, full)

    async def rename_portfolio(
        self, portfolio_id: str, name: str, owner: str | None = None
    ) -> Portfolio | None:
        values: dict[str, Any] = {":name": name}
        try:
            response = await self._client.update_item(
                TableName=self._table,
                Key=to_item(table.portfolio_key(portfolio_id)),
                UpdateExpression="SET #name = :name",
                ConditionExpression=_owned_by(owner, transactions.EXISTS, values),
                ExpressionAttributeNames={"#name": "name"},
                ExpressionAttributeValues=to_item(values),
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if transactions.error_code(error) == "ConditionalCheckFailedException":
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
                Key=to_item(table.portfolio_key(portfolio_id)),
                UpdateExpression="SET #status = :closed, closedAt = :at",
                ConditionExpression=_owned_by(owner, condition, values),
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=to_item(values),
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if transactions.error_code(error) != "ConditionalCheckFailedException":
                raise
            # Missing (no item comes back), closed already (then it keeps its first closing time),
            # or not `owner`'s (then it is unchanged: the caller checks the owner of what is
            # returned). The failed write returns the stored item: no second read.
            old = cast("Mapping[str, Any] | None", error.response.get("Item"))
            return items.portfolio_from(from_item(old)) if old else None
        return items.portfolio_from(from_item(response["Attributes"]))
