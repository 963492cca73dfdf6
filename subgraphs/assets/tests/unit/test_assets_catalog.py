"""The bundled catalog: real instruments, well-formed, enough of each class."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from assets.adapters.catalog import catalog_records, load_catalog
from assets.domain.instruments import AssetClass, Catalog, CatalogError, normalize_symbol
from kit.core.money import is_iso_currency

WELL_KNOWN = {
    "AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "BRK.B", "JPM", "V",
    "SPY", "QQQ", "VTI", "VOO", "IWM", "AGG", "BND", "GLD",
    "BTC", "ETH", "SOL",
}  # fmt: skip


def test_catalog_has_enough_instruments_of_each_class() -> None:
    counts = Counter(entry.instrument.asset_class for entry in load_catalog())
    assert counts[AssetClass.STOCK] + counts[AssetClass.ETF] >= 100
    assert counts[AssetClass.STOCK] >= 50
    assert counts[AssetClass.ETF] >= 30
    assert counts[AssetClass.CRYPTO] >= 10
    assert set(counts) <= {AssetClass.STOCK, AssetClass.ETF, AssetClass.CRYPTO, AssetClass.FUND}


def test_catalog_symbols_are_unique_and_well_formed() -> None:
    symbols = [record["symbol"] for record in catalog_records()]
    duplicates = [symbol for symbol, count in Counter(symbols).items() if count > 1]
    assert duplicates == []
    assert all(normalize_symbol(symbol) == symbol for symbol in symbols)
    assert set(symbols) >= WELL_KNOWN


def test_catalog_prices_are_positive_decimal_strings_in_iso_currencies() -> None:
    for record in catalog_records():
        price = record["referencePrice"]
        assert isinstance(price, str), record["symbol"]
        assert Decimal(price) > 0, record["symbol"]
        assert is_iso_currency(record["currency"]), record["symbol"]
        assert record["currency"] == "USD", record["symbol"]
        assert record["name"].strip() and record["exchange"].strip(), record["symbol"]


def test_crypto_trades_on_crypto_and_listed_instruments_on_real_exchanges() -> None:
    for entry in load_catalog():
        instrument = entry.instrument
        if instrument.asset_class is AssetClass.CRYPTO:
            assert instrument.exchange == "CRYPTO"
        else:
            assert instrument.exchange in {"NASDAQ", "NYSE", "NYSE ARCA", "CBOE"}, instrument.symbol


def test_catalog_parses_to_domain_values() -> None:
    catalog = load_catalog()
    apple = catalog.get("AAPL")
    assert apple is not None
    assert apple.instrument.name == "Apple Inc."
    assert apple.instrument.asset_class is AssetClass.STOCK
    assert apple.reference_price.currency_code == "USD"
    assert catalog.get("NOPE") is None
    assert load_catalog() is catalog  # loaded once


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"symbol": "bad sym"}, "malformed symbol"),
        ({"assetClass": "BOND"}, "unknown asset class"),
        ({"assetClass": "UNKNOWN"}, "not a listed asset class"),
        ({"currency": "XYZ"}, "ISO 4217"),
        ({"referencePrice": 1.5}, "decimal string"),
        ({"referencePrice": "0"}, "positive"),
        ({"referencePrice": "abc"}, "a decimal must be written"),
        ({"referencePrice": "1E-999999999"}, "a decimal must be written"),
        ({"exchange": " "}, "required"),
    ],
)
def test_malformed_catalog_records_are_rejected(change: dict[str, object], message: str) -> None:
    record: dict[str, object] = {
        "symbol": "ABC",
        "name": "Abc Corp",
        "assetClass": "STOCK",
        "currency": "USD",
        "exchange": "NYSE",
        "referencePrice": "10.00",
        **change,
    }
    with pytest.raises(CatalogError, match=message):
        Catalog.from_records([record])


def test_duplicate_symbols_are_rejected() -> None:
    record = {"symbol": "ABC", "name": "Abc", "assetClass": "ETF", "currency": "USD", "exchange": "NYSE",
              "referencePrice": "1"}  # fmt: skip
    with pytest.raises(CatalogError, match="duplicate"):
        Catalog.from_records([record, record])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(" aapl ", "AAPL"), ("brk.b", "BRK.B"), ("BTC-USD", "BTC-USD"), ("A" * 20, "A" * 20), ("", None),
     ("A" * 21, None), (".ABC", None), ("AB C", None), ("ÄPPLE", None), ("AB/C", None)],
)  # fmt: skip
def test_normalize_symbol(raw: str, expected: str | None) -> None:
    assert normalize_symbol(raw) == expected
