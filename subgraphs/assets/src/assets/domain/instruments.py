"""Instruments and the bundled catalog."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal

from kit.core.money import Amount, MoneyError, is_iso_currency, parse_decimal
from kit.core.text import TextKind, trimmed

SYMBOL_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9.\-]{0,19}")


class AssetClass(enum.Enum):
    STOCK = "STOCK"
    ETF = "ETF"
    CRYPTO = "CRYPTO"
    FUND = "FUND"
    OTHER = "OTHER"
    UNKNOWN = "UNKNOWN"


def normalize_symbol(raw: str) -> str | None:
    """The canonical form of a ticker symbol (trimmed, upper case), or None when it is malformed."""
    symbol = trimmed(raw, TextKind.CODE).upper()
    return symbol if SYMBOL_PATTERN.fullmatch(symbol) else None


def lookup_key(symbol: str) -> str:
    """The key a symbol is looked up by: normalized when well-formed, else as given (then unknown)."""
    return normalize_symbol(symbol) or symbol


@dataclass(frozen=True, slots=True)
class Instrument:
    symbol: str
    name: str
    asset_class: AssetClass
    currency: str | None
    exchange: str | None

    @classmethod
    def manual(cls, symbol: str, currency: str) -> Instrument:
        """An instrument the catalog does not list, created by pinning a price for it."""
        return cls(symbol=symbol, name=symbol, asset_class=AssetClass.OTHER, currency=currency, exchange=None)

    @classmethod
    def unknown(cls, symbol: str) -> Instrument:
        """A symbol nothing is known about; still an entity, so that a portfolio holding it resolves."""
        return cls(symbol=symbol, name=symbol, asset_class=AssetClass.UNKNOWN, currency=None, exchange=None)


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    instrument: Instrument
    reference_price: Amount

    @property
    def symbol(self) -> str:
        return self.instrument.symbol


class CatalogError(ValueError):
    """The bundled catalog is malformed."""


_LISTED_CLASSES = {AssetClass.STOCK, AssetClass.ETF, AssetClass.CRYPTO, AssetClass.FUND}


def parse_catalog_record(record: Mapping[str, object]) -> CatalogEntry:
    symbol = str(record.get("symbol", ""))
    if normalize_symbol(symbol) != symbol:
        raise CatalogError(f"malformed symbol {symbol!r}")
    try:
        asset_class = AssetClass(record.get("assetClass"))
    except ValueError as error:
        raise CatalogError(f"{symbol}: unknown asset class {record.get('assetClass')!r}") from error
    if asset_class not in _LISTED_CLASSES:
        raise CatalogError(f"{symbol}: {asset_class.value} is not a listed asset class")
    currency = str(record.get("currency", ""))
    if not is_iso_currency(currency):
        raise CatalogError(f"{symbol}: {currency!r} is not an ISO 4217 currency")
    name = str(record.get("name", "")).strip()
    exchange = str(record.get("exchange", "")).strip()
    if not name or not exchange:
        raise CatalogError(f"{symbol}: name and exchange are required")
    raw_price = record.get("referencePrice")
    if not isinstance(raw_price, str):
        raise CatalogError(f"{symbol}: referencePrice must be a decimal string")
    try:
        reference: Decimal = parse_decimal(raw_price)
    except MoneyError as error:
        raise CatalogError(f"{symbol}: {error}") from error
    if reference <= 0:
        raise CatalogError(f"{symbol}: referencePrice must be positive")
    instrument = Instrument(symbol, name, asset_class, currency, exchange)
    return CatalogEntry(instrument=instrument, reference_price=Amount(reference, currency))


class Catalog:
    """The instruments this service lists, by symbol; immutable once built."""

    def __init__(self, entries: Iterable[CatalogEntry]) -> None:
        self._entries: dict[str, CatalogEntry] = {}
        for entry in entries:
            if entry.symbol in self._entries:
                raise CatalogError(f"duplicate symbol {entry.symbol}")
            self._entries[entry.symbol] = entry

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, object]]) -> Catalog:
        return cls(parse_catalog_record(record) for record in records)

    def get(self, symbol: str) -> CatalogEntry | None:
        return self._entries.get(symbol)

    def __contains__(self, symbol: object) -> bool:
        return symbol in self._entries

    def __iter__(self) -> Iterator[CatalogEntry]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)
