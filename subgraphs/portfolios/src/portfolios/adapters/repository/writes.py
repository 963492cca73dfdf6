"""The repository's writes: a new portfolio, ledger changes (one transaction for all of them, which
re-checks what the use case read), and the portfolio's own attributes (name, closing); each with
its events, in the same transaction."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from kit.aws.dynamo import to_item

from portfolios.adapters import items, table
from portfolios.adapters.repository import transactions
from portfolios.adapters.repository.base import RepositoryBase
from portfolios.adapters.repository.changes import check_journal
from portfolios.domain.model import Portfolio, PortfolioStatus
from portfolios.domain.outgoing_events import (
    PortfolioClosed,
    PortfolioEvent,
    PortfolioOpened,
    PortfolioRenamed,
)
from portfolios.domain.ports import LedgerChange, WriteConflict

log = logging.getLogger(__name__)


class PortfolioWrites(RepositoryBase):
    async def create_portfolio(self, portfolio: Portfolio) -> None:
        await transactions.transact(
            self._client,
            [
                self._parts.check_active(portfolio.customer_id),
                self._parts.put_new(items.portfolio_item(portfolio)),
                *self._parts.events(
                    [PortfolioOpened.of(portfolio, portfolio.created_at)], items.FIRST_SEQUENCE
                ),
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
        self, portfolio_id: str, name: str, owner: str | None = None, *, at: datetime
    ) -> Portfolio | None:
        meta = await self._meta(portfolio_id)
        if meta is None:
            return None
        portfolio = items.portfolio_from(meta)
        if owner is not None and portfolio.customer_id != owner:
            return None
        if portfolio.name == name:
            return portfolio  # nothing changes: nothing written, no event
        renamed = replace(portfolio, name=name)
        await self._change_meta(
            meta, "#name = :name", {"#name": "name"}, {":name": name}, PortfolioRenamed.of(renamed, at)
        )
        return renamed

    async def close_portfolio(
        self, portfolio_id: str, closed_at: datetime, owner: str | None = None
    ) -> Portfolio | None:
        meta = await self._meta(portfolio_id)
        if meta is None:
            return None
        portfolio = items.portfolio_from(meta)
        # Someone else's is returned unchanged (the caller refuses); a closed one keeps its first
        # closing time.
        if (owner is not None and portfolio.customer_id != owner) or portfolio.is_closed:
            return portfolio
        closed = replace(portfolio, status=PortfolioStatus.CLOSED, closed_at=closed_at)
        await self._change_meta(
            meta,
            "#status = :closed, closedAt = :at",
            {"#status": "status"},
            {":closed": PortfolioStatus.CLOSED.value, ":at": closed_at.isoformat()},
            PortfolioClosed.of(closed, closed_at),
        )
        return closed

    async def _change_meta(
        self,
        meta: Mapping[str, Any],
        assignments: str,
        names: Mapping[str, str],
        values: Mapping[str, Any],
        event: PortfolioEvent,
    ) -> None:
        """META's `assignments` and `event`, in one transaction conditioned on META's event sequence
        as read (every change of the portfolio moves it): WriteConflict when it moved meanwhile."""
        last = items.sequence_of(meta) + 1
        sequence, condition, sequence_values = transactions.sequence_step(items.stored_sequence(meta), last)
        update = {
            "Update": {
                "TableName": self._table,
                "Key": to_item(table.portfolio_key(meta["id"])),
                "UpdateExpression": f"SET {assignments}, {sequence}",
                "ConditionExpression": f"{transactions.EXISTS} AND {condition}",
                "ExpressionAttributeNames": {**names, "#sequence": items.SEQUENCE},
                "ExpressionAttributeValues": to_item({**values, **sequence_values}),
            }
        }
        await transactions.transact(self._client, [update, *self._parts.events([event], last)])
