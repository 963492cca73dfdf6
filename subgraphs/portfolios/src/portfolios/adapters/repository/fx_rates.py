"""The copy of assets' FX closes: `FX_RATES#<FROM>#<TO> / YEAR#<yyyy>` items in the portfolios table,
one per pair and year, with the closes as compact JSON text (`rates`: ISO date -> decimal string),
their provider (`source`) and the revision of assets' chunk they are (`sequence`); each written with
the `APPLIED#<eventId>` marker of the event that carried it, in one transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from kit.aws.dynamo import batch_get, from_item, to_item
from kit.core.money import FEED_DECIMAL, parse_decimal

from portfolios.adapters import table
from portfolios.adapters.repository.directory import apply_once
from portfolios.adapters.repository.transactions import NOT_EXISTS, TransactionParts
from portfolios.domain.fx import FxChunk, FxChunkKey, FxPair
from portfolios.domain.ports import FxChunkChange

FX_RATES_TYPE = "FxRates"


def _key(key: FxChunkKey) -> dict[str, str]:
    return table.fx_rates_key(key.pair.from_, key.pair.to, key.year)


def _chunk_item(chunk: FxChunk) -> dict[str, Any]:
    rates = {day.isoformat(): str(rate) for day, rate in sorted(chunk.rates.items())}
    return {
        **_key(chunk.key),
        "type": FX_RATES_TYPE,
        "from": chunk.key.pair.from_,
        "to": chunk.key.pair.to,
        "year": chunk.key.year,
        "rates": json.dumps(rates, separators=(",", ":")),
        "source": chunk.source,
        "sequence": chunk.sequence,
    }


def _chunk_from(item: dict[str, Any]) -> FxChunk:
    rates = json.loads(str(item["rates"]))
    return FxChunk(
        key=FxChunkKey(FxPair(str(item["from"]), str(item["to"])), int(item["year"])),
        rates={date.fromisoformat(day): parse_decimal(rate, FEED_DECIMAL) for day, rate in rates.items()},
        source=str(item["source"]),
        sequence=int(item["sequence"]),
    )


class DynamoFxReferenceRates:
    """`domain.ports.FxReferenceRates` on the portfolios table."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name
        self._parts = TransactionParts(table_name)

    async def chunks(self, keys: Sequence[FxChunkKey]) -> Sequence[FxChunk]:
        if not keys:
            return []
        found = await batch_get(self._client, self._table, [_key(key) for key in keys])
        return [_chunk_from(item) for item in found]

    async def chunk(self, key: FxChunkKey) -> FxChunk | None:
        response = await self._client.get_item(
            TableName=self._table, Key=to_item(_key(key)), ConsistentRead=True
        )
        item = response.get("Item")
        return _chunk_from(from_item(item)) if item else None

    async def apply(self, change: FxChunkChange) -> bool:
        put = None
        if change.chunk is not None:
            put = self._parts.put(_chunk_item(change.chunk))
            if change.previous is None:
                put["Put"]["ConditionExpression"] = NOT_EXISTS
            else:
                put["Put"]["ConditionExpression"] = "#sequence = :sequence"
                put["Put"]["ExpressionAttributeNames"] = {"#sequence": "sequence"}
                put["Put"]["ExpressionAttributeValues"] = to_item({":sequence": change.previous.sequence})
        return await apply_once(self._client, self._parts, change.event_id, put)
