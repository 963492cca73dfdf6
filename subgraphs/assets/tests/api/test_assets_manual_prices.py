"""setManualPrice and the instrument query, through the ASGI app against DynamoDB Local."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from assets.adapters.catalog import load_catalog
from assets.domain.simulation import simulated_quote
from kit_testing import execute

SET_MANUAL_PRICE = """
mutation SetManualPrice($input: SetManualPriceInput!) {
  setManualPrice(input: $input) {
    instrument {
      symbol name assetClass currency exchange
      quote { price { amount currencyCode } previousClose { amount currencyCode } change { amount }
              changePercent asOf source stale }
    }
    userErrors { field message code }
  }
}
"""

INSTRUMENT = """
query Instrument($symbol: String!) {
  instrument(symbol: $symbol) {
    symbol name assetClass currency exchange
    quote {
      price { amount currencyCode }
      previousClose { amount currencyCode }
      change { amount currencyCode }
      changePercent
      asOf
      source
      stale
    }
  }
}
"""


def money(amount: str, currency: str = "USD") -> dict[str, str]:
    return {"amount": amount, "currencyCode": currency}


async def set_price(
    assets: Any, symbol: str, price: dict[str, str], previous: dict[str, str] | None = None
) -> Any:
    variables: dict[str, Any] = {"input": {"symbol": symbol, "price": price}}
    if previous is not None:
        variables["input"]["previousClose"] = previous
    return (await assets.gql(SET_MANUAL_PRICE, variables))["setManualPrice"]


async def test_set_manual_price_on_a_catalog_instrument(assets: Any) -> None:
    before = await assets.item_count()
    payload = await set_price(assets, " msft ", money("401.25"), money("400.00"))

    assert payload["userErrors"] == []
    instrument = payload["instrument"]
    assert instrument["symbol"] == "MSFT"
    assert instrument["name"] == "Microsoft Corporation"
    assert instrument["assetClass"] == "STOCK"
    assert instrument["exchange"] == "NASDAQ"
    quote = instrument["quote"]
    assert quote["price"] == {"amount": "401.25", "currencyCode": "USD"}
    assert quote["previousClose"] == {"amount": "400", "currencyCode": "USD"}  # unit prices: trimmed
    # 401.25 - 400.00 = 1.25; 1.25 / 400 * 100 = 0.3125
    assert quote["change"] == {"amount": "1.25"}
    assert quote["changePercent"] == "0.3125"
    assert quote["source"] == "manual"
    assert quote["stale"] is False
    assert quote["asOf"] == assets.now.isoformat()
    # Only the price item: the catalog owns the instrument.
    assert await assets.item_count() == before + 1
    assert assets.calls["TransactWriteItems"] == 1
    assert assets.provider.calls == []  # a manual price never asks the feed


async def test_manual_price_overrides_the_simulated_feed(assets: Any) -> None:
    catalog = load_catalog()
    listed = catalog.get("NVDA")
    assert listed is not None
    simulated = simulated_quote(listed, assets.now)

    before = (await assets.gql(INSTRUMENT, {"symbol": "NVDA"}))["instrument"]["quote"]
    assert before["source"] == "simulated"
    assert Decimal(before["price"]["amount"]) == simulated.price.value
    assert assets.provider.calls == [["NVDA"]]
    assert (await assets.runtime.quote_cache.fresh(["NVDA"]))[0] != {}

    await set_price(assets, "NVDA", money("123.4567"))
    # The cache entry was dropped on set, and later reads serve the manual price.
    assert (await assets.runtime.quote_cache.fresh(["NVDA"]))[0] == {}
    after = (await assets.gql(INSTRUMENT, {"symbol": "nvda"}))["instrument"]["quote"]
    assert after["source"] == "manual"
    assert after["price"] == {"amount": "123.4567", "currencyCode": "USD"}
    assert after["previousClose"] is None
    assert after["change"] is None and after["changePercent"] is None
    assert len(assets.provider.calls) == 1  # the feed was not asked again


async def test_unknown_symbol_becomes_a_manual_instrument(assets: Any) -> None:
    before = await assets.item_count()
    payload = await set_price(assets, "my-fund.a", money("12.3456", "EUR"), money("12.00", "EUR"))
    assert payload["userErrors"] == []
    assert payload["instrument"] == {
        "symbol": "MY-FUND.A",
        "name": "MY-FUND.A",
        "assetClass": "OTHER",
        "currency": "EUR",
        "exchange": None,
        "quote": {
            "price": {"amount": "12.3456", "currencyCode": "EUR"},
            "previousClose": {"amount": "12", "currencyCode": "EUR"},  # a unit price: trimmed
            "change": {"amount": "0.3456"},
            "changePercent": "2.88",  # 0.3456 / 12.00 * 100, a rate: trimmed
            "asOf": assets.now.isoformat(),
            "source": "manual",
            "stale": False,
        },
    }
    assert await assets.item_count() == before + 3  # instrument, its search entry + price: one transaction
    assert assets.calls["TransactWriteItems"] == 1

    assets.runtime.counter.reset()
    found = (await assets.gql(INSTRUMENT, {"symbol": "MY-FUND.A"}))["instrument"]
    assert found["assetClass"] == "OTHER" and found["currency"] == "EUR"
    assert found["quote"]["source"] == "manual"
    assert assets.calls["BatchGetItem"] == 1

    # A new price in the same currency replaces the old one; no new items.
    again = await set_price(assets, "MY-FUND.A", money("13", "EUR"))
    assert again["userErrors"] == [] and again["instrument"]["quote"]["price"]["amount"] == "13"
    assert await assets.item_count() == before + 3


async def test_a_manual_instrument_keeps_its_currency(assets: Any) -> None:
    first = await set_price(assets, "LOCALCO", money("50", "GBP"))
    assert first["userErrors"] == []
    before = await assets.item_count()

    payload = await set_price(assets, "LOCALCO", money("60", "USD"))
    assert payload["instrument"] is None
    assert payload["userErrors"] == [
        {
            "field": ["input", "price", "currencyCode"],
            "message": "LOCALCO is a manual instrument in GBP, not USD.",
            "code": "CURRENCY_MISMATCH",
        }
    ]
    assert await assets.item_count() == before
    quote = (await assets.gql(INSTRUMENT, {"symbol": "LOCALCO"}))["instrument"]["quote"]
    assert quote["price"] == {"amount": "50", "currencyCode": "GBP"}  # the old price stands


@pytest.mark.parametrize(
    ("symbol", "price", "previous", "field", "code"),
    [
        ("bad symbol", money("1"), None, ["input", "symbol"], "INVALID"),
        ("   ", money("1"), None, ["input", "symbol"], "INVALID"),
        ("TOO-LONG-SYMBOL-12345", money("1"), None, ["input", "symbol"], "INVALID"),
        ("AAPL", money("0"), None, ["input", "price", "amount"], "INVALID"),
        ("AAPL", money("-12.5"), None, ["input", "price", "amount"], "INVALID"),
        ("NEWCO", money("10", "XYZ"), None, ["input", "price", "currencyCode"], "INVALID"),
        ("AAPL", money("10", "EUR"), None, ["input", "price", "currencyCode"], "CURRENCY_MISMATCH"),
        ("AAPL", money("10"), money("0"), ["input", "previousClose", "amount"], "INVALID"),
        ("AAPL", money("10"), money("9", "QQQ"), ["input", "previousClose", "currencyCode"], "INVALID"),
        (
            "AAPL",
            money("10"),
            money("9", "EUR"),
            ["input", "previousClose", "currencyCode"],
            "CURRENCY_MISMATCH",
        ),
    ],
)
async def test_bad_input_is_a_user_error_and_writes_nothing(
    assets: Any,
    symbol: str,
    price: dict[str, str],
    previous: dict[str, str] | None,
    field: list[str],
    code: str,
) -> None:
    before = await assets.item_count()
    payload = await set_price(assets, symbol, price, previous)
    assert payload["instrument"] is None
    assert [(error["field"], error["code"]) for error in payload["userErrors"]] == [(field, code)]
    assert all(error["message"] for error in payload["userErrors"])
    assert await assets.item_count() == before
    assert assets.calls["TransactWriteItems"] == 0


async def test_float_amounts_are_refused_by_the_scalar(assets: Any) -> None:
    variables = {"input": {"symbol": "AAPL", "price": {"amount": 10.5, "currencyCode": "USD"}}}
    body = await execute(assets.client, SET_MANUAL_PRICE, variables)
    assert body.get("data") is None
    assert "float" in body["errors"][0]["message"]


async def test_instrument_query_normalizes_and_returns_null_for_unknown(assets: Any) -> None:
    data = await assets.gql(INSTRUMENT, {"symbol": "  brk.b "})
    instrument = data["instrument"]
    assert instrument["symbol"] == "BRK.B"
    assert instrument["name"] == "Berkshire Hathaway Inc. Class B"
    assert instrument["currency"] == "USD" and instrument["exchange"] == "NYSE"
    assert instrument["quote"]["source"] == "simulated"
    quote = instrument["quote"]
    # change = price - previousClose, changePercent = change / previousClose * 100
    price, previous = Decimal(quote["price"]["amount"]), Decimal(quote["previousClose"]["amount"])
    assert Decimal(quote["change"]["amount"]) == price - previous
    # a rate: the nearest to 10 places (half-even), trailing zeros trimmed
    percent = (price - previous) / previous * 100
    assert abs(Decimal(quote["changePercent"]) - percent) <= Decimal("0.00000000005")
    assert len(quote["changePercent"].partition(".")[2]) <= 10
    assert not quote["changePercent"].endswith("0")
    assert quote["asOf"] == "2025-11-24T15:30:00+00:00"  # start of the 15-second step

    crypto = (await assets.gql(INSTRUMENT, {"symbol": "btc"}))["instrument"]
    assert crypto["assetClass"] == "CRYPTO" and crypto["exchange"] == "CRYPTO" and crypto["currency"] == "USD"

    assert (await assets.gql(INSTRUMENT, {"symbol": "NOSUCHTHING"}))["instrument"] is None
    assert (await assets.gql(INSTRUMENT, {"symbol": "not a symbol"}))["instrument"] is None
