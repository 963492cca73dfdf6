"""Issue 7 in the assets subgraph: who may set prices and FX rates, who may see a valuation.

Market data (instruments, quotes, search) is public to every authenticated role; manual prices and
FX rates are for operators and admins; a portfolio's valuation only for its owner and staff.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from assets.adapters.catalog import load_catalog
from assets.domain.simulation import simulated_quote
from kit_testing import ISSUER, execute

OPERATIONS = Path(__file__).resolve().parents[4] / "schema" / "operations"
SET_MANUAL_PRICE = (OPERATIONS / "SetManualPrice.graphql").read_text()
SET_MANUAL_FX_RATE = (OPERATIONS / "SetManualFxRate.graphql").read_text()
INSTRUMENT = (OPERATIONS / "Instrument.graphql").read_text()
SEARCH = (OPERATIONS / "SearchInstruments.graphql").read_text()

VALUATION = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Portfolio {
      id
      valuation { marketValue { amount currencyCode } costBasis { amount } complete positions { weight } }
    }
  }
}
"""
INSTRUMENT_ENTITIES = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Instrument { symbol name quote { source } } }
}
"""

ALICE = "01JALICE0000000000000000AA"
BOB = "01JB0B00000000000000000000"
D = Decimal


def tokens() -> dict[str, str]:
    return {"operator": ISSUER.operator(), "admin": ISSUER.admin()}


def price_input(symbol: str, amount: str, currency: str = "USD") -> dict[str, Any]:
    return {"input": {"symbol": symbol, "price": {"amount": amount, "currencyCode": currency}}}


def fx_input(source: str, target: str, rate: str) -> dict[str, Any]:
    return {"input": {"fromCurrency": source, "toCurrency": target, "rate": rate}}


def portfolio(
    portfolio_id: str, owner: str | None, *holdings: tuple[str, str, str], base: str = "USD"
) -> dict[str, Any]:
    representation: dict[str, Any] = {
        "__typename": "Portfolio",
        "id": portfolio_id,
        "baseCurrency": base,
        "holdings": [{"symbol": s, "quantity": q, "costBasis": c} for s, q, c in holdings],
    }
    if owner is not None:
        representation["owner"] = {"id": owner}
    return representation


def assert_forbidden(body: dict[str, Any], path: list[Any]) -> dict[str, Any]:
    errors = body["errors"]
    assert len(errors) == 1, errors
    (error,) = errors
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["path"] == path
    return error


async def fx_items(assets: Any) -> list[dict[str, Any]]:
    response = await assets.runtime.dynamodb.query(
        TableName=assets.table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "FX"}},
        ConsistentRead=True,
    )
    items: list[dict[str, Any]] = response["Items"]
    return items


# -- manual prices and FX rates: operators and admins only ----------------------------------------
async def test_a_customer_cannot_set_a_manual_price_and_nothing_is_written(assets: Any) -> None:
    customer = ISSUER.customer(ALICE)
    listed = load_catalog().get("NVDA")
    assert listed is not None
    simulated = simulated_quote(listed, assets.now).price.value
    # The customer reads the quote first (allowed): it is now in the quote cache.
    before = await execute(assets.client, INSTRUMENT, {"symbol": "NVDA"}, token=customer)
    assert before["data"]["instrument"]["quote"]["source"] == "simulated"
    items_before = await assets.item_count()
    assets.runtime.counter.reset()

    refused = await execute(assets.client, SET_MANUAL_PRICE, price_input("NVDA", "1.00"), token=customer)
    assert refused["data"] is None  # no payload, no instrument: nothing of the target comes back
    error = assert_forbidden(refused, ["setManualPrice"])
    assert error["message"] == "Only operators and admins may set or clear manual prices and FX rates."
    # Bad input is refused the same way: authorization comes before validation (no userErrors oracle).
    invalid = await execute(assets.client, SET_MANUAL_PRICE, price_input("bad symbol", "-1"), token=customer)
    assert invalid["data"] is None
    assert_forbidden(invalid, ["setManualPrice"])

    assert assets.runtime.counter.total == 0  # not one DynamoDB call, let alone a write
    assert await assets.item_count() == items_before
    fresh, _ = await assets.runtime.quote_cache.fresh(["NVDA"])
    assert fresh["NVDA"].price.value == simulated  # the cached feed quote was not dropped
    after = await execute(assets.client, INSTRUMENT, {"symbol": "NVDA"}, token=customer)
    assert after["data"]["instrument"]["quote"]["source"] == "simulated"
    assert D(after["data"]["instrument"]["quote"]["price"]["amount"]) == simulated
    assert assets.provider.calls == [["NVDA"]]  # the second read came from the cache


async def test_a_customer_cannot_set_a_manual_fx_rate_and_nothing_is_written(assets: Any) -> None:
    customer = ISSUER.customer(ALICE)
    own = portfolio("P-ALICE-EUR", ALICE, ("AAPL", "10", "1500"), base="EUR")
    admin_price = await execute(assets.client, SET_MANUAL_PRICE, price_input("AAPL", "200"))
    assert admin_price["data"]["setManualPrice"]["userErrors"] == []
    valued = await execute(assets.client, VALUATION, {"representations": [own]}, token=customer)
    value_before = valued["data"]["_entities"][0]["valuation"]["marketValue"]
    assert value_before["currencyCode"] == "EUR"
    fx_before = await fx_items(assets)
    assets.runtime.counter.reset()

    refused = await execute(assets.client, SET_MANUAL_FX_RATE, fx_input("USD", "EUR", "0.5"), token=customer)
    assert refused["data"] is None
    assert_forbidden(refused, ["setManualFxRate"])
    invalid = await execute(assets.client, SET_MANUAL_FX_RATE, fx_input("EUR", "EUR", "-2"), token=customer)
    assert invalid["data"] is None
    assert_forbidden(invalid, ["setManualFxRate"])

    assert assets.runtime.counter.total == 0
    assert await fx_items(assets) == fx_before
    # Had 0.5 been stored, the value would be 10 x 200 x 0.5 = 1000 EUR; it is still the feed's rate.
    again = await execute(assets.client, VALUATION, {"representations": [own]}, token=customer)
    assert again["data"]["_entities"][0]["valuation"]["marketValue"] == value_before
    assert D(value_before["amount"]) != D("1000")


@pytest.mark.parametrize("role", ["operator", "admin"])
async def test_operators_and_admins_set_manual_prices_and_fx_rates(assets: Any, role: str) -> None:
    token = tokens()[role]
    symbol = f"STAFF-{role.upper()}"
    items_before = await assets.item_count()

    priced = await execute(assets.client, SET_MANUAL_PRICE, price_input(symbol, "12.50", "CHF"), token=token)
    assert "errors" not in priced
    payload = priced["data"]["setManualPrice"]
    assert payload["userErrors"] == []
    assert payload["instrument"]["symbol"] == symbol
    # a unit price: as precise as given, trailing zeros trimmed
    assert payload["instrument"]["quote"]["price"] == {"amount": "12.5", "currencyCode": "CHF"}
    assert payload["instrument"]["quote"]["source"] == "manual"

    pair = ("GBP", "JPY") if role == "operator" else ("CAD", "SEK")
    rated = await execute(assets.client, SET_MANUAL_FX_RATE, fx_input(*pair, "190.25"), token=token)
    assert "errors" not in rated
    fx = rated["data"]["setManualFxRate"]
    assert fx["userErrors"] == []
    assert (fx["fxRate"]["fromCurrency"], fx["fxRate"]["toCurrency"]) == pair
    assert (fx["fxRate"]["rate"], fx["fxRate"]["source"]) == ("190.25", "manual")
    # instrument + its search entry + price (one transaction), then the rate
    assert await assets.item_count() == items_before + 4
    assert any(item["sk"]["S"] == f"PAIR#{pair[0]}#{pair[1]}" for item in await fx_items(assets))


# -- market data: every authenticated role --------------------------------------------------------
@pytest.mark.parametrize("role", ["customer", "operator", "admin"])
async def test_every_role_reads_instruments_quotes_and_search(assets: Any, role: str) -> None:
    token = {"customer": ISSUER.customer(BOB), **tokens()}[role]
    listed = load_catalog().get("AMZN")  # no manual price in this module
    assert listed is not None

    one = await execute(assets.client, INSTRUMENT, {"symbol": "amzn"}, token=token)
    assert "errors" not in one
    instrument = one["data"]["instrument"]
    assert (instrument["symbol"], instrument["name"]) == ("AMZN", listed.instrument.name)
    assert D(instrument["quote"]["price"]["amount"]) == simulated_quote(listed, assets.now).price.value

    found = await execute(assets.client, SEARCH, {"query": "microsoft", "first": 1}, token=token)
    assert "errors" not in found
    assert [edge["node"]["symbol"] for edge in found["data"]["searchInstruments"]["edges"]] == ["MSFT"]

    representations = [{"__typename": "Instrument", "symbol": "BTC"}]
    entities = await execute(
        assets.client, INSTRUMENT_ENTITIES, {"representations": representations}, token=token
    )
    assert "errors" not in entities
    assert entities["data"]["_entities"] == [
        {"symbol": "BTC", "name": "Bitcoin", "quote": {"source": "simulated"}}
    ]


# -- Portfolio.valuation: the owner and staff only ------------------------------------------------
async def test_a_customer_values_only_its_own_portfolios_in_one_batch(assets: Any) -> None:
    admin_price = await execute(assets.client, SET_MANUAL_PRICE, price_input("OWNCO", "10"))
    assert admin_price["data"]["setManualPrice"]["userErrors"] == []
    assets.runtime.counter.reset()
    representations = [
        portfolio("P-ALICE-1", ALICE, ("OWNCO", "3", "20")),
        portfolio("P-BOB", BOB, ("TSLA", "7", "700"), ("OWNCO", "1", "1")),
        portfolio("P-NOBODY", None, ("AMD", "2", "100")),
        portfolio("P-ALICE-2", ALICE, ("OWNCO", "0.5", "6")),
    ]

    body = await execute(
        assets.client, VALUATION, {"representations": representations}, token=ISSUER.customer(ALICE)
    )

    first, bob, nobody, second = body["data"]["_entities"]
    # OWNCO 3 x 10 = 30.00 on a cost of 20.00; 0.5 x 10 = 5.00 on a cost of 6.00 (amounts in cents)
    assert first["id"] == "P-ALICE-1"
    assert first["valuation"]["marketValue"] == {"amount": "30.00", "currencyCode": "USD"}
    assert first["valuation"]["costBasis"] == {"amount": "20.00"}
    assert second["valuation"]["marketValue"] == {"amount": "5.00", "currencyCode": "USD"}
    assert bob is None and nobody is None  # nothing of them, not even the id
    errors = sorted(body["errors"], key=lambda error: error["path"])
    assert [error["path"] for error in errors] == [["_entities", 1], ["_entities", 2]]
    assert [error["extensions"]["code"] for error in errors] == ["FORBIDDEN", "FORBIDDEN"]
    assert [error["message"] for error in errors] == [
        "You may not see portfolio P-BOB.",
        "You may not see portfolio P-NOBODY.",
    ]
    # Still one read for the symbols of both of Alice's portfolios; the refused ones were never priced.
    assert assets.calls["BatchGetItem"] == 1 and assets.runtime.counter.total == 1
    assert assets.provider.calls == []  # TSLA and AMD (only in refused portfolios) were not asked for


@pytest.mark.parametrize("role", ["operator", "admin"])
async def test_staff_value_anyones_portfolio(assets: Any, role: str) -> None:
    admin_price = await execute(assets.client, SET_MANUAL_PRICE, price_input("STAFFCO", "4"))
    assert admin_price["data"]["setManualPrice"]["userErrors"] == []
    representations = [
        portfolio("P-ALICE", ALICE, ("STAFFCO", "2", "5")),
        portfolio("P-BOB", BOB, ("STAFFCO", "3", "9")),
        portfolio("P-NOBODY", None, ("STAFFCO", "1", "1")),
    ]
    body = await execute(assets.client, VALUATION, {"representations": representations}, token=tokens()[role])
    assert "errors" not in body
    # 2 x 4 = 8, 3 x 4 = 12, 1 x 4 = 4
    values = [entity["valuation"]["marketValue"]["amount"] for entity in body["data"]["_entities"]]
    assert values == ["8.00", "12.00", "4.00"]


async def test_owner_ids_are_compared_exactly(assets: Any) -> None:
    representation = portfolio("P-BOB", None, ("AAPL", "1", "1"))
    representation["owner"] = {"__typename": "Customer", "id": BOB.lower()}  # not Bob's exact id either
    body = await execute(
        assets.client, VALUATION, {"representations": [representation]}, token=ISSUER.customer(BOB)
    )
    assert body["data"]["_entities"] == [None]
    assert_forbidden(body, ["_entities", 0])
