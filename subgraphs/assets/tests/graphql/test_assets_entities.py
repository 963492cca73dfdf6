"""Federation entry points (`_entities` for Instrument and Portfolio) and the quote cache."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from assets.adapters.catalog import load_catalog
from assets.domain.simulation import simulated_quote
from kit.money import EXACT, RATIO

SET_MANUAL_PRICE = """
mutation SetManualPrice($input: SetManualPriceInput!) {
  setManualPrice(input: $input) { instrument { symbol } userErrors { field message code } }
}
"""

ENTITIES = """
query Entities($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Instrument {
      symbol name assetClass currency exchange
      quote { price { amount currencyCode } previousClose { amount } source stale }
    }
    ... on Portfolio {
      id
      valuation {
        marketValue { amount currencyCode }
        costBasis { amount currencyCode }
        unrealizedGain { amount currencyCode }
        unrealizedGainPercent
        dayChange { amount currencyCode }
        asOf
        complete
        positions {
          instrument { symbol name assetClass currency quote { source } }
          quantity
          price { amount currencyCode }
          marketValue { amount currencyCode }
          costBasis { amount currencyCode }
          unrealizedGain { amount currencyCode }
          weight
          stale
        }
      }
    }
  }
}
"""

QUOTES = """
query Quotes($a: String!, $b: String!) {
  a: instrument(symbol: $a) { quote { price { amount } source } }
  b: instrument(symbol: $b) { quote { price { amount } source } }
}
"""

D = Decimal


async def set_price(
    assets: Any, symbol: str, amount: str, currency: str, previous: str | None = None
) -> None:
    manual: dict[str, Any] = {"symbol": symbol, "price": {"amount": amount, "currencyCode": currency}}
    if previous is not None:
        manual["previousClose"] = {"amount": previous, "currencyCode": currency}
    payload = (await assets.gql(SET_MANUAL_PRICE, {"input": manual}))["setManualPrice"]
    assert payload["userErrors"] == []


async def test_three_instrument_representations_cost_one_batch_get(assets: Any) -> None:
    await set_price(assets, "ENT-FUND", "99.5", "CHF")
    assets.runtime.counter.reset()

    representations = [
        {"__typename": "Instrument", "symbol": "AAPL"},
        {"__typename": "Instrument", "symbol": "ENT-FUND"},
        {"__typename": "Instrument", "symbol": "ZZUNKNOWN"},
    ]
    entities = (await assets.gql(ENTITIES, {"representations": representations}))["_entities"]

    assert assets.calls["BatchGetItem"] == 1
    assert assets.runtime.counter.total == 1  # nothing but that one read
    apple, fund, unknown = entities
    listed = load_catalog().get("AAPL")
    assert listed is not None
    assert apple["name"] == "Apple Inc." and apple["assetClass"] == "STOCK" and apple["exchange"] == "NASDAQ"
    assert apple["quote"]["source"] == "simulated"
    assert D(apple["quote"]["price"]["amount"]) == simulated_quote(listed, assets.now).price.value
    assert fund == {
        "symbol": "ENT-FUND",
        "name": "ENT-FUND",
        "assetClass": "OTHER",
        "currency": "CHF",
        "exchange": None,
        "quote": {
            "price": {"amount": "99.5", "currencyCode": "CHF"},
            "previousClose": None,
            "source": "manual",
            "stale": False,
        },
    }
    # Unknown symbols still resolve, so a portfolio holding one does not break the response.
    assert unknown == {
        "symbol": "ZZUNKNOWN",
        "name": "ZZUNKNOWN",
        "assetClass": "UNKNOWN",
        "currency": None,
        "exchange": None,
        "quote": None,
    }


async def test_portfolio_valuations_from_representations(assets: Any) -> None:
    await set_price(assets, "AAPL", "200.00", "USD", previous="195.00")
    await set_price(assets, "MSFT", "400.50", "USD", previous="410.00")
    await set_price(assets, "VFUND", "12.3456", "EUR")
    assets.runtime.counter.reset()

    representations = [
        {
            "__typename": "Portfolio",
            "id": "01PORTFOLIOUSD",
            "baseCurrency": "USD",
            "holdings": [
                {"__typename": "Holding", "symbol": "AAPL", "quantity": "10", "costBasis": "1500.00"},
                {"__typename": "Holding", "symbol": "MSFT", "quantity": "2.5", "costBasis": "1000.00"},
                {"__typename": "Holding", "symbol": "NOPE", "quantity": "5", "costBasis": "50.00"},
                {"__typename": "Holding", "symbol": "VFUND", "quantity": "3", "costBasis": "30.00"},
            ],
        },
        {
            "__typename": "Portfolio",
            "id": "01PORTFOLIOEUR",
            "baseCurrency": "EUR",
            "holdings": [{"symbol": "VFUND", "quantity": "10", "costBasis": "100"}],
        },
    ]
    usd, eur = (await assets.gql(ENTITIES, {"representations": representations}))["_entities"]

    # One read for all symbols of both portfolios, one Query for the manual FX rates (both portfolios
    # in one batch); no read of the portfolios themselves.
    assert assets.calls["BatchGetItem"] == 1 and assets.calls["Query"] == 1
    assert assets.runtime.counter.total == 2

    assert usd["id"] == "01PORTFOLIOUSD"
    valuation = usd["valuation"]
    # AAPL 10 x 200.00 = 2000.00 (gain 500.00, day 10 x 5.00 = 50.00)
    # MSFT 2.5 x 400.50 = 1001.250 (gain 1.250, day 2.5 x -9.50 = -23.750)
    # NOPE: no price at all -> unpriced, complete false
    # VFUND: 3 x 12.3456 EUR = 37.0368 EUR, at the simulated EUR->USD rate 1 / 0.8650 (= 1.15607) this is
    #   42.8171 USD (gain 42.8171 - 30.00 = 12.8171; no previous close -> no day change)
    #   The rate is a quotient (28 digits, kit.money.RATIO); the value is an exact product of it.
    vfund_usd = EXACT.multiply(D("37.0368"), RATIO.divide(1, D("0.8650")))
    assert D("42.8171") < vfund_usd < D("42.8172")
    total = EXACT.add(D("3001.25"), vfund_usd)  # 3044.0671...
    assert D(valuation["marketValue"]["amount"]) == total
    assert valuation["marketValue"]["currencyCode"] == "USD"
    assert D(valuation["costBasis"]["amount"]) == D("2530")
    assert D(valuation["unrealizedGain"]["amount"]) == EXACT.subtract(total, D("2530"))
    assert D(valuation["dayChange"]["amount"]) == D("26.25")
    assert valuation["asOf"] == assets.now.isoformat()
    assert valuation["complete"] is False

    aapl, msft, nope, vfund = valuation["positions"]
    assert aapl["instrument"] == {
        "symbol": "AAPL",
        "name": "Apple Inc.",
        "assetClass": "STOCK",
        "currency": "USD",
        "quote": {"source": "manual"},
    }
    assert aapl["quantity"] == "10"
    assert aapl["price"] == {"amount": "200.00", "currencyCode": "USD"}
    assert D(aapl["marketValue"]["amount"]) == D("2000")
    assert D(aapl["unrealizedGain"]["amount"]) == D("500")
    assert D(aapl["weight"]) == RATIO.divide(D("2000.00"), total)
    assert D(msft["marketValue"]["amount"]) == D("1001.25")
    assert D(msft["unrealizedGain"]["amount"]) == D("1.25")
    assert abs(D(aapl["weight"]) + D(msft["weight"]) + D(vfund["weight"]) - 1) < D("1e-25")
    assert nope["instrument"]["assetClass"] == "UNKNOWN" and nope["instrument"]["quote"] is None
    assert nope["price"] is None and nope["marketValue"] is None and nope["weight"] is None
    assert nope["costBasis"] == {"amount": "50.00", "currencyCode": "USD"}
    assert vfund["instrument"]["currency"] == "EUR"
    assert vfund["price"] == {"amount": "12.3456", "currencyCode": "EUR"}  # the price stays native
    assert D(vfund["marketValue"]["amount"]) == vfund_usd
    assert D(vfund["unrealizedGain"]["amount"]) == EXACT.subtract(vfund_usd, D("30.00"))
    assert all(position["stale"] is False for position in valuation["positions"])

    # EUR portfolio: VFUND 10 x 12.3456 = 123.456, gain 23.456 on 100 = 23.456%, no previous close -> day 0
    assert eur["valuation"]["complete"] is True
    assert eur["valuation"]["marketValue"] == {"amount": "123.4560", "currencyCode": "EUR"}
    assert D(eur["valuation"]["unrealizedGainPercent"]) == D("23.456")
    assert D(eur["valuation"]["dayChange"]["amount"]) == 0
    assert D(eur["valuation"]["positions"][0]["weight"]) == 1


async def test_portfolio_without_holdings_values_to_zero(assets: Any) -> None:
    representations = [{"__typename": "Portfolio", "id": "P0", "baseCurrency": "USD", "holdings": []}]
    (entity,) = (await assets.gql(ENTITIES, {"representations": representations}))["_entities"]
    valuation = entity["valuation"]
    assert valuation["marketValue"] == {"amount": "0", "currencyCode": "USD"}
    assert valuation["complete"] is True and valuation["asOf"] is None and valuation["positions"] == []
    assert valuation["unrealizedGainPercent"] is None
    assert assets.runtime.counter.total == 0  # nothing to read


async def test_cached_quotes_are_not_fetched_again_within_the_ttl(assets: Any) -> None:
    first = await assets.gql(QUOTES, {"a": "AMD", "b": "INTC"})
    assert assets.provider.calls == [["AMD", "INTC"]]  # one batch, one provider call

    second = await assets.gql(QUOTES, {"a": "AMD", "b": "INTC"})
    assert second == first
    assert len(assets.provider.calls) == 1  # served from the cache

    await assets.gql(QUOTES, {"a": "AMD", "b": "QCOM"})
    assert assets.provider.calls[1:] == [["QCOM"]]  # only the miss goes to the provider


async def test_quotes_are_fetched_again_after_the_ttl(assets_factory: Any) -> None:
    async with assets_factory(quote_ttl_seconds=1) as assets:
        await assets.gql(QUOTES, {"a": "TSLA", "b": "F"})
        await assets.gql(QUOTES, {"a": "TSLA", "b": "F"})
        assert len(assets.provider.calls) == 1
        await asyncio.sleep(1.2)
        await assets.gql(QUOTES, {"a": "TSLA", "b": "F"})
        assert len(assets.provider.calls) == 2
