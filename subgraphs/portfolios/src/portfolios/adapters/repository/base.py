"""What the reads and the writes of the repository share: the client, the table, the journal
lines last read or written, and reads of META."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kit.aws.dynamo import batch_get, from_item, to_item

from portfolios.adapters import table
from portfolios.adapters.repository.changes import ChangeParts, JournalLines


class RepositoryBase:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name
        self._journal_lines = JournalLines()
        self._parts = ChangeParts(table_name, self._journal_lines)

    async def _meta(self, portfolio_id: str) -> dict[str, Any] | None:
        response = await self._client.get_item(
            TableName=self._table, Key=to_item(table.portfolio_key(portfolio_id)), ConsistentRead=True
        )
        item = response.get("Item")
        return from_item(item) if item else None

    async def _metas(self, portfolio_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        found = await batch_get(self._client, self._table, [table.portfolio_key(i) for i in portfolio_ids])
        return {item["id"]: item for item in found if item.get("sk") == table.META}
