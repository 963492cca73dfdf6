"""The repository's reads of single entries by key (an activity, the owners of ids, an idempotency
record) and of pages of entries (activities, the audit trail), newest first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kit.aws.dynamo import batch_get, from_item, to_item

from portfolios.adapters import items, table
from portfolios.adapters.repository.base import RepositoryBase
from portfolios.domain.model import Activity, ActivityPage, AuditPage, Portfolio
from portfolios.domain.ports import IdempotencyRecord, Owner

# An activity page asks for a few more than it needs: the `after` item itself may come back.
_PAGE_MARGIN = 2


class EntryReads(RepositoryBase):
    async def portfolio_and_idempotency(
        self, portfolio_id: str, idempotency_key: str | None
    ) -> tuple[Portfolio | None, IdempotencyRecord | None]:
        keys = [table.portfolio_key(portfolio_id)]
        if idempotency_key is not None:
            keys.append(table.idempotency_key(portfolio_id, idempotency_key))
        found = await batch_get(self._client, self._table, keys)
        portfolio = next((items.portfolio_from(i) for i in found if i["sk"] == table.META), None)
        record = next(
            (items.idempotency_from(i) for i in found if i.get("type") == items.IDEMPOTENCY_TYPE), None
        )
        return portfolio, record

    async def owners(self, ids: Sequence[str]) -> Mapping[str, Owner]:
        if not ids:
            return {}
        found = await batch_get(self._client, self._table, [table.ref_key(i) for i in ids])
        return {owner.id: owner for owner in (items.owner_from(item) for item in found)}

    async def _activity_date(self, portfolio_id: str, activity_id: str) -> str | None:
        """An activity's trade date (part of its key), from its REF item; None when it is not one of
        this portfolio's activities."""
        response = await self._client.get_item(
            TableName=self._table, Key=to_item(table.ref_key(activity_id)), ConsistentRead=True
        )
        ref = from_item(response.get("Item") or {})
        if ref.get("portfolioId") != portfolio_id or not ref.get("occurredOn"):
            return None
        return str(ref["occurredOn"])

    async def activity(self, portfolio_id: str, activity_id: str) -> Activity | None:
        day = await self._activity_date(portfolio_id, activity_id)
        if day is None:
            return None
        response = await self._client.get_item(
            TableName=self._table,
            Key=to_item(table.activity_key(portfolio_id, day, activity_id)),
            ConsistentRead=True,
        )
        item = response.get("Item")
        return (
            items.activity_from_data(items.raw_data(item), portfolio_id)
            if item and items.DATA in item
            else None
        )

    async def _page(
        self, portfolio_id: str, first_sk: str, last_sk: str, first: int, skip_sk: str | None
    ) -> tuple[list[Mapping[str, Any]], bool]:
        """Up to `first` items with a JSON `a` from `last_sk` down to `first_sk` (inclusive; `skip_sk`
        left out), and whether more follow."""
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :first AND :last",
            "ExpressionAttributeValues": to_item(
                {":pk": table.portfolio_pk(portfolio_id), ":first": first_sk, ":last": last_sk}
            ),
            "ProjectionExpression": "sk, #data",
            "ExpressionAttributeNames": {"#data": items.DATA},
            "ScanIndexForward": False,
            "ConsistentRead": True,
            "Limit": first + _PAGE_MARGIN,
        }
        found: list[Mapping[str, Any]] = []
        while len(found) <= first:
            response = await self._client.query(**query)
            for raw in response.get("Items", []):
                if items.DATA in raw and raw["sk"]["S"] != skip_sk:
                    found.append(raw)
            start = response.get("LastEvaluatedKey")
            if not start:
                break
            query["ExclusiveStartKey"] = start
        return found[:first], len(found) > first

    async def activities(self, portfolio_id: str, first: int, after: str | None) -> ActivityPage:
        # Newest first: descending sort keys from just below `after` down to the oldest activity.
        # The cursor is an activity id; its trade date (the rest of its key) is in its REF item.
        last, skip = table.ACTIVITY_END, None
        if after is not None:
            day = await self._activity_date(portfolio_id, after)
            if day is None:  # not an activity of this portfolio (any more): nothing follows it
                return ActivityPage(activities=(), has_next=False)
            last = skip = table.activity_sk(day, after)
        if first <= 0:
            return ActivityPage(activities=(), has_next=False)
        found, more = await self._page(portfolio_id, table.ACTIVITY_PREFIX, last, first, skip)
        return ActivityPage(
            activities=tuple(items.activity_from_data(items.raw_data(raw), portfolio_id) for raw in found),
            has_next=more,
        )

    async def audit_trail(self, portfolio_id: str, first: int, after: str | None) -> AuditPage:
        if first <= 0:
            return AuditPage(entries=(), has_next=False)
        last = table.audit_sk(after) if after is not None else table.AUDIT_END
        skip = last if after is not None else None
        found, more = await self._page(portfolio_id, table.AUDIT_PREFIX, last, first, skip)
        return AuditPage(
            entries=tuple(items.audit_from({items.DATA: raw[items.DATA]["S"]}) for raw in found),
            has_next=more,
        )
