"""DynamoDB access for manual instruments, manual prices and manual FX rates (adapters/table.py
says what the items are, adapters/items.py how they map to the domain)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kit.aws.dynamo import batch_get, from_item, query_all, to_item

from assets.adapters.items import (
    fx_rate_from,
    fx_rate_item,
    instrument_from,
    instrument_items,
    price_from,
    price_item,
)
from assets.adapters.table import (
    FX_PK,
    INSTRUMENT_SK,
    INSTRUMENTS_PK,
    MANUAL_PRICE_SK,
    fx_key,
    instrument_key,
    manual_price_key,
)
from assets.domain.fx import FxRate
from assets.domain.instruments import Instrument
from assets.domain.manual import ManualPrice, ManualPriceChange
from assets.domain.ports import ManualInstrumentCurrencyConflict, ManualRecords


class DynamoAssetsRepository:
    """`domain.ports.AssetsRepository` on one DynamoDB table."""

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    async def manual_records(
        self, instrument_symbols: Sequence[str], price_symbols: Sequence[str]
    ) -> dict[str, ManualRecords]:
        """The manual instrument items of `instrument_symbols` and the manual prices of `price_symbols`,
        in ONE BatchGetItem (more only past 100 keys, in concurrent chunks)."""
        keys = [instrument_key(s) for s in instrument_symbols] + [manual_price_key(s) for s in price_symbols]
        if not keys:
            return {}
        instruments: dict[str, Instrument] = {}
        prices: dict[str, ManualPrice] = {}
        for item in await batch_get(self._client, self._table, keys):
            if item["sk"] == INSTRUMENT_SK:
                instruments[item["symbol"]] = instrument_from(item)
            elif item["sk"] == MANUAL_PRICE_SK:
                prices[item["symbol"]] = price_from(item)
        return {
            symbol: ManualRecords(instrument=instruments.get(symbol), price=prices.get(symbol))
            for symbol in instruments.keys() | prices.keys()
        }

    async def save_manual_price(self, change: ManualPriceChange) -> None:
        """Write the price, and the new manual instrument if any, in one TransactWriteItems.

        The instrument is written only if absent or already in the price's currency; otherwise the
        whole transaction is cancelled and `ManualInstrumentCurrencyConflict` raised.
        """
        price = change.price
        actions: list[dict[str, Any]] = [
            {"Put": {"TableName": self._table, "Item": to_item(price_item(price))}}
        ]
        instrument = change.new_instrument
        if instrument is not None:
            item, listing = instrument_items(instrument, price.set_at)
            actions.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": to_item(item),
                        "ConditionExpression": "attribute_not_exists(pk) OR currency = :currency",
                        "ExpressionAttributeValues": to_item({":currency": instrument.currency}),
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                }
            )
            actions.append({"Put": {"TableName": self._table, "Item": to_item(listing)}})
        try:
            await self._client.transact_write_items(TransactItems=actions)
        except self._client.exceptions.TransactionCanceledException as error:
            reasons = error.response.get("CancellationReasons") or []
            if (
                instrument is not None
                and len(reasons) > 1
                and reasons[1].get("Code") == "ConditionalCheckFailed"
            ):
                existing = from_item(reasons[1].get("Item") or {})
                raise ManualInstrumentCurrencyConflict(instrument.symbol, existing.get("currency")) from error
            raise

    async def clear_manual_price(self, symbol: str) -> bool:
        """One conditional DeleteItem: False (nothing written) when the symbol has no manual price. The
        manual instrument, if any, stays: portfolios may hold it, and a price can be set again."""
        try:
            await self._client.delete_item(
                TableName=self._table,
                Key=to_item(manual_price_key(symbol)),
                ConditionExpression="attribute_exists(pk)",
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    async def manual_instruments(self) -> list[Instrument]:
        """Every manual instrument (one Query on the listing partition)."""
        return [instrument_from(item) for item in await self._partition(INSTRUMENTS_PK)]

    async def manual_fx_rates(self) -> list[FxRate]:
        """Every manual FX rate (one Query)."""
        return [fx_rate_from(item) for item in await self._partition(FX_PK)]

    async def save_manual_fx_rate(self, rate: FxRate) -> None:
        """Store the pair and drop its reverse, in one transaction: the latest rate set wins, and the
        inverse is implied from it."""
        await self._client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": self._table, "Item": to_item(fx_rate_item(rate))}},
                {
                    "Delete": {
                        "TableName": self._table,
                        "Key": to_item(fx_key(rate.to_currency, rate.from_currency)),
                    }
                },
            ]
        )

    async def _partition(self, pk: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = await query_all(
            self._client,
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_item({":pk": pk}),
        )
        return items
