"""DynamoDB access for manual instruments and manual prices (see adapters/table.py for the items)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from kit.aws.dynamo import Item, batch_get, from_item, query_all, to_item
from kit.core.money import STORED_DECIMAL, Amount, parse_decimal

from assets.domain.fx import MANUAL_FX_SOURCE, FxRate
from assets.domain.instruments import AssetClass, Instrument
from assets.domain.manual import ManualPrice, ManualPriceChange

INSTRUMENT_SK = "INSTRUMENT"
MANUAL_PRICE_SK = "MANUAL_PRICE"
# Every manual instrument also has a copy in one partition, so that search lists them with one Query.
INSTRUMENTS_PK = "INSTRUMENTS"
# Manual FX rates: one partition, one item per pair (few items: one Query reads them all).
FX_PK = "FX"


def fx_key(from_currency: str, to_currency: str) -> dict[str, str]:
    return {"pk": FX_PK, "sk": f"PAIR#{from_currency}#{to_currency}"}


def instrument_pk(symbol: str) -> str:
    return f"INSTRUMENT#{symbol}"


def key(symbol: str, sk: str) -> dict[str, str]:
    return {"pk": instrument_pk(symbol), "sk": sk}


@dataclass(frozen=True, slots=True)
class ManualRecords:
    """What the table holds for one symbol."""

    instrument: Instrument | None = None
    price: ManualPrice | None = None


class ManualInstrumentCurrencyConflict(Exception):
    """The symbol is already a manual instrument in another currency."""

    def __init__(self, symbol: str, currency: str | None) -> None:
        super().__init__(f"{symbol} is a manual instrument in {currency or 'another currency'}")
        self.symbol = symbol
        self.currency = currency


def _instrument_from(item: Item) -> Instrument:
    return Instrument(
        symbol=item["symbol"],
        name=item["name"],
        asset_class=AssetClass(item["assetClass"]),
        currency=item.get("currency"),
        exchange=item.get("exchange"),
    )


def _decimal(value: object) -> Decimal:
    # Amounts are stored as decimal strings: DynamoDB numbers would drop trailing zeros ("200.00" -> 200),
    # and a price should read back exactly as it was set. Bounded like every Decimal made from text.
    return parse_decimal(value, STORED_DECIMAL)


def _text(amount: Amount | None) -> str | None:
    return None if amount is None else format(amount.value, "f")


def _price_from(item: Item) -> ManualPrice:
    currency = item["currency"]
    previous = item.get("previousClose")
    return ManualPrice(
        symbol=item["symbol"],
        price=Amount(_decimal(item["price"]), currency),
        previous_close=None if previous is None else Amount(_decimal(previous), currency),
        set_at=datetime.fromisoformat(item["setAt"]),
    )


class AssetsRepository:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    async def manual_records(
        self, instrument_symbols: Sequence[str], price_symbols: Sequence[str]
    ) -> dict[str, ManualRecords]:
        """The manual instrument items of `instrument_symbols` and the manual prices of `price_symbols`,
        in ONE BatchGetItem (more only past 100 keys, in concurrent chunks)."""
        keys = [key(s, INSTRUMENT_SK) for s in instrument_symbols] + [
            key(s, MANUAL_PRICE_SK) for s in price_symbols
        ]
        if not keys:
            return {}
        instruments: dict[str, Instrument] = {}
        prices: dict[str, ManualPrice] = {}
        for item in await batch_get(self._client, self._table, keys):
            if item["sk"] == INSTRUMENT_SK:
                instruments[item["symbol"]] = _instrument_from(item)
            elif item["sk"] == MANUAL_PRICE_SK:
                prices[item["symbol"]] = _price_from(item)
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
        price_item = {
            **key(price.symbol, MANUAL_PRICE_SK),
            "symbol": price.symbol,
            "price": _text(price.price),
            "currency": price.price.currency_code,
            "previousClose": _text(price.previous_close),
            "setAt": price.set_at.isoformat(),
        }
        actions: list[dict[str, Any]] = [{"Put": {"TableName": self._table, "Item": to_item(price_item)}}]
        instrument = change.new_instrument
        if instrument is not None:
            fields = {
                "symbol": instrument.symbol,
                "name": instrument.name,
                "assetClass": instrument.asset_class.value,
                "currency": instrument.currency,
                "exchange": instrument.exchange,
                "updatedAt": price.set_at.isoformat(),
            }
            instrument_item = {**key(instrument.symbol, INSTRUMENT_SK), **fields}
            actions.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": to_item(instrument_item),
                        "ConditionExpression": "attribute_not_exists(pk) OR currency = :currency",
                        "ExpressionAttributeValues": to_item({":currency": instrument.currency}),
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                }
            )
            index_item = {"pk": INSTRUMENTS_PK, "sk": f"SYMBOL#{instrument.symbol}", **fields}
            actions.append({"Put": {"TableName": self._table, "Item": to_item(index_item)}})
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

    async def manual_instruments(self) -> list[Instrument]:
        """Every manual instrument (one Query on the index partition)."""
        items = await query_all(
            self._client,
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_item({":pk": INSTRUMENTS_PK}),
        )
        return [_instrument_from(item) for item in items]

    async def manual_fx_rates(self) -> list[FxRate]:
        """Every manual FX rate (one Query)."""
        items = await query_all(
            self._client,
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_item({":pk": FX_PK}),
        )
        return [
            FxRate(
                from_currency=item["fromCurrency"],
                to_currency=item["toCurrency"],
                rate=_decimal(item["rate"]),
                source=MANUAL_FX_SOURCE,
                as_of=datetime.fromisoformat(item["setAt"]),
            )
            for item in items
        ]

    async def save_manual_fx_rate(self, rate: FxRate) -> None:
        """Store the pair and drop its reverse, in one transaction: the latest rate set wins, and the
        inverse is implied from it."""
        item = {
            **fx_key(rate.from_currency, rate.to_currency),
            "fromCurrency": rate.from_currency,
            "toCurrency": rate.to_currency,
            "rate": format(rate.rate, "f"),
            "setAt": rate.as_of.isoformat(),
        }
        await self._client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": self._table, "Item": to_item(item)}},
                {
                    "Delete": {
                        "TableName": self._table,
                        "Key": to_item(fx_key(rate.to_currency, rate.from_currency)),
                    }
                },
            ]
        )
