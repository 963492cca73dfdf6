"""setManualFxRate, valuations converted to the base currency, searchInstruments, and stale quotes
through the GraphQL layer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from assets.adapters.catalog import load_catalog
from assets.domain.quotes import Quote
from assets.domain.simulation import SimulatedPriceProvider
from kit_testing import execute

OPERATIONS = Path(__file__).resolve().parents[4] / "schema" / "operations"
D = Decimal
NOW = datetime(2025, 11, 24, 15, 30, 7, tzinfo=UTC)


def operation(name: str) -> str:
    for folder in (OPERATIONS, OPERATIONS / "planned"):
        if (folder / f"{name}.graphql").exists():
            return (folder / f"{name}.graphql").read_text()
    raise FileNotFoundError(name)


SET_PRICE = """
mutation($input: SetManualPriceInput!) { setManualPrice(input: $input) { userErrors { code } } }
"""
VALUATION = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Portfolio {
      valuation {
        marketValue { amount currencyCode } dayChange { amount currencyCode } complete
        positions { price { amount currencyCode } marketValue { amount currencyCode } stale }
      }
    }
  }
}
"""


def portfolio(base: str, *holdings: tuple[str, str, str]) -> dict[str, Any]:
    return {
        "__typename": "Portfolio",
        "id": f"P-{base}",
        "baseCurrency": base,
        "holdings": [{"symbol": s, "quantity": q, "costBasis": c} for s, q, c in holdings],
    }


async def set_fx(assets: Any, source: str, target: str, rate: str) -> dict[str, Any]:
    variables = {"input": {"fromCurrency": source, "toCurrency": target, "rate": rate}}
    payload: dict[str, Any] = (await assets.gql(operation("SetManualFxRate"), variables))["setManualFxRate"]
    return payload


async def test_set_manual_fx_rate_and_value_a_eur_portfolio_of_usd_stocks(assets: Any) -> None:
    payload = await set_fx(assets, "usd", " eur", "0.9000")
    assert payload["userErrors"] == []
    assert payload["fxRate"] == {
        "fromCurrency": "USD",
        "toCurrency": "EUR",
        "rate": "0.9",  # a rate: trailing zeros trimmed
        "source": "manual",
        "asOf": assets.now.isoformat(),
    }
    await assets.gql(
        SET_PRICE,
        {
            "input": {
                "symbol": "AAPL",
                "price": {"amount": "200", "currencyCode": "USD"},
                "previousClose": {"amount": "190", "currencyCode": "USD"},
            }
        },
    )
    result = await assets.gql(VALUATION, {"representations": [portfolio("EUR", ("AAPL", "10", "1500"))]})
    valuation = result["_entities"][0]["valuation"]
    # 10 x 200 USD x 0.9000 = 1800 EUR; day change 10 x 10 USD x 0.9 = 90 EUR
    assert valuation["marketValue"] == {"amount": "1800.00", "currencyCode": "EUR"}
    assert (
        valuation["dayChange"] == {"amount": "90.00", "currencyCode": "EUR"} and valuation["complete"] is True
    )
    assert valuation["positions"][0]["price"] == {"amount": "200", "currencyCode": "USD"}

    # Setting the reverse pair replaces the first one (the inverse is implied, the latest wins).
    assert (await set_fx(assets, "EUR", "USD", "1.25"))["userErrors"] == []
    result = await assets.gql(VALUATION, {"representations": [portfolio("EUR", ("AAPL", "10", "1500"))]})
    # 2000 USD / 1.25 = 1600 EUR
    assert result["_entities"][0]["valuation"]["marketValue"]["amount"] == "1600.00"
    items = await assets.runtime.dynamodb.query(
        TableName=assets.table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "FX"}},
    )
    assert [item["sk"]["S"] for item in items["Items"]] == ["PAIR#EUR#USD"]


async def test_a_currency_without_any_rate_leaves_the_position_unpriced(assets: Any) -> None:
    # The simulated FX feed has no ISK: nothing converts it, so the position is unpriced, never mixed in.
    await assets.gql(
        SET_PRICE, {"input": {"symbol": "ISK-FUND", "price": {"amount": "100", "currencyCode": "ISK"}}}
    )
    await assets.gql(
        SET_PRICE, {"input": {"symbol": "MSFT", "price": {"amount": "400", "currencyCode": "USD"}}}
    )
    result = await assets.gql(
        VALUATION, {"representations": [portfolio("USD", ("ISK-FUND", "5", "3"), ("MSFT", "1", "300"))]}
    )
    valuation = result["_entities"][0]["valuation"]
    assert valuation["complete"] is False and valuation["marketValue"]["amount"] == "400.00"
    assert valuation["positions"][0]["marketValue"] is None


async def test_bad_fx_input_writes_nothing(assets: Any) -> None:
    before = await assets.item_count()
    payload = await set_fx(assets, "EUR", "EUR", "-2")
    assert payload["fxRate"] is None
    assert {(tuple(e["field"]), e["code"]) for e in payload["userErrors"]} == {
        (("input", "toCurrency"), "INVALID"),
        (("input", "rate"), "INVALID"),
    }
    payload = await set_fx(assets, "EURO", "USD", "1")
    assert [e["field"] for e in payload["userErrors"]] == [["input", "fromCurrency"]]
    assert await assets.item_count() == before


async def test_search_instruments_catalog_and_manual(assets: Any) -> None:
    await assets.gql(
        SET_PRICE, {"input": {"symbol": "APPLESEED-FUND", "price": {"amount": "5", "currencyCode": "USD"}}}
    )
    assets.runtime.counter.reset()
    data = await assets.gql(operation("SearchInstruments"), {"query": "app", "first": 2})
    connection = data["searchInstruments"]
    # the symbol prefix match first, then "Apple Inc." (its name starts with "app")
    assert [edge["node"]["symbol"] for edge in connection["edges"]] == ["APPLESEED-FUND", "AAPL"]
    assert assets.calls["Query"] == 1  # the manual instruments: one Query
    everything = await assets.gql(operation("SearchInstruments"), {"query": "app", "first": 50})
    symbols = [edge["node"]["symbol"] for edge in everything["searchInstruments"]["edges"]]
    assert "APPLESEED-FUND" in symbols and "AAPL" in symbols  # manual by prefix, Apple by name word
    page_info = connection["pageInfo"]
    assert page_info["hasNextPage"] is (len(symbols) > 2) and page_info["endCursor"]
    follow = """query($q: String!, $after: String) { searchInstruments(query: $q, first: 50, after: $after) {
      edges { node { symbol } } pageInfo { hasNextPage } } }"""
    rest = await assets.gql(follow, {"q": "app", "after": page_info["endCursor"]})
    assert [e["node"]["symbol"] for e in rest["searchInstruments"]["edges"]] == symbols[2:]
    apple = next(e["node"] for e in everything["searchInstruments"]["edges"] if e["node"]["symbol"] == "AAPL")
    assert apple == {
        "symbol": "AAPL",
        "name": "Apple Inc.",
        "assetClass": "STOCK",
        "currency": "USD",
        "exchange": "NASDAQ",
    }


async def test_search_first_out_of_range_is_a_bad_user_input_error(assets: Any) -> None:
    for first in (0, 51):
        body = await execute(assets.client, operation("SearchInstruments"), {"query": "a", "first": first})
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


class FlakyProvider:
    """Answers AAPL until told to fail."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.fail = False
        self.calls: list[list[str]] = []

    async def quotes(self, symbols: Sequence[str]) -> dict[str, Quote]:
        self.calls.append(list(symbols))
        if self.fail:
            raise RuntimeError("upstream down")
        result: dict[str, Quote] = await self.inner.quotes(symbols)
        return result


async def test_stale_quotes_are_flagged_in_valuation_and_quote(assets_factory: Any) -> None:
    provider = FlakyProvider(SimulatedPriceProvider(load_catalog(), lambda: NOW))
    async with assets_factory(provider=provider, quote_ttl_seconds=1) as assets:
        query = '{ instrument(symbol: "AMZN") { quote { price { amount } stale } } }'
        fresh = (await assets.gql(query))["instrument"]["quote"]
        assert fresh["stale"] is False
        provider.fail = True
        await assets.runtime.quote_cache.forget(["AMZN"])  # as if the TTL ran out
        stale = (await assets.gql(query))["instrument"]["quote"]
        assert stale == {"price": fresh["price"], "stale": True}
        result = await assets.gql(VALUATION, {"representations": [portfolio("USD", ("AMZN", "1", "100"))]})
        position = result["_entities"][0]["valuation"]["positions"][0]
        assert position["stale"] is True and position["price"]["amount"] == fresh["price"]["amount"]
        assert len(provider.calls) == 2  # the stale quote is served from cache for the TTL, not re-asked
