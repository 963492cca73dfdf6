"""Items of the assets table <-> domain objects (see adapters/table.py for the keys).

Amounts and rates are stored as decimal strings: DynamoDB numbers would drop trailing zeros
("200.00" -> 200), and a price should read back exactly as it was set. Read back, they are bounded
like every Decimal made from text (kit.core.money)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from kit.aws.dynamo import Item
from kit.core.money import STORED_DECIMAL, Amount, parse_decimal

from assets.adapters.table import fx_key, instrument_key, listing_key, manual_price_key
from assets.domain.fx import MANUAL_FX_SOURCE, FxRate
from assets.domain.instruments import AssetClass, Instrument
from assets.domain.manual import ManualPrice


def _decimal(value: object) -> Decimal:
    return parse_decimal(value, STORED_DECIMAL)


def _text(amount: Amount | None) -> str | None:
    return None if amount is None else format(amount.value, "f")


def instrument_from(item: Item) -> Instrument:
    return Instrument(
        symbol=item["symbol"],
        name=item["name"],
        asset_class=AssetClass(item["assetClass"]),
        currency=item.get("currency"),
        exchange=item.get("exchange"),
    )


def instrument_items(instrument: Instrument, updated_at: datetime) -> tuple[dict[str, Any], dict[str, Any]]:
    """The manual instrument's item and its copy in the search partition."""
    fields = {
        "symbol": instrument.symbol,
        "name": instrument.name,
        "assetClass": instrument.asset_class.value,
        "currency": instrument.currency,
        "exchange": instrument.exchange,
        "updatedAt": updated_at.isoformat(),
    }
    return {**instrument_key(instrument.symbol), **fields}, {**listing_key(instrument.symbol), **fields}


def price_from(item: Item) -> ManualPrice:
    currency = item["currency"]
    previous = item.get("previousClose")
    expires = item.get("expiresAt")
    return ManualPrice(
        symbol=item["symbol"],
        price=Amount(_decimal(item["price"]), currency),
        previous_close=None if previous is None else Amount(_decimal(previous), currency),
        set_at=datetime.fromisoformat(item["setAt"]),
        expires_at=None if expires is None else datetime.fromisoformat(expires),
    )


def price_item(price: ManualPrice) -> dict[str, Any]:
    return {
        **manual_price_key(price.symbol),
        "symbol": price.symbol,
        "price": _text(price.price),
        "currency": price.price.currency_code,
        "previousClose": _text(price.previous_close),
        "setAt": price.set_at.isoformat(),
        "expiresAt": None if price.expires_at is None else price.expires_at.isoformat(),
    }


def fx_rate_from(item: Item) -> FxRate:
    return FxRate(
        from_currency=item["fromCurrency"],
        to_currency=item["toCurrency"],
        rate=_decimal(item["rate"]),
        source=MANUAL_FX_SOURCE,
        as_of=datetime.fromisoformat(item["setAt"]),
    )


def fx_rate_item(rate: FxRate) -> dict[str, Any]:
    return {
        **fx_key(rate.from_currency, rate.to_currency),
        "fromCurrency": rate.from_currency,
        "toCurrency": rate.to_currency,
        "rate": format(rate.rate, "f"),
        "setAt": rate.as_of.isoformat(),
    }
