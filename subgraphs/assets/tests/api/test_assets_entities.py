"""Federation entry points (`_entities` for Instrument and Portfolio) and the quote cache."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from assets.adapters.catalog import load_catalog
from assets.domain.simulation import simulated_quote
from kit.core.money import EXACT, RATIO

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
          dayChange { amount currencyCode }
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
    # Every amount is a line rounded half-even to the cent; every total the sum of its lines.
    # AAPL 10 x 200.00 = 2000.00 (gain 500.00, day 10 x 5.00 = 50.00)
    # MSFT 2.5 x 400.50 = 1001.25 (gain 1.25, day 2.5 x -9.50 = -23.75)
    # NOPE: no price at all -> unpriced, complete false
    # VFUND: 3 x 12.3456 EUR = 37.0368 EUR, at the simulated EUR->USD rate 1 / 0.8650 (a quotient,
    #   kit.core.money.RATIO) = 42.81710982... USD -> 42.82 (gain 42.82 - 30.00 = 12.82; no previous close
    #   -> no day change line)
    vfund_usd = EXACT.multiply(D("37.0368"), RATIO.divide(1, D("0.8650")))
    assert D("42.8171") < vfund_usd < D("42.8172")
    # totals: value 2000.00 + 1001.25 + 42.82 = 3044.07 (the exact sum, 3044.0671..., would also
    # round there); cost 1500.00 + 1000.00 + 30.00 = 2530.00; gain 514.07; day 50.00 - 23.75 = 26.25
    assert valuation["marketValue"] == {"amount": "3044.07", "currencyCode": "USD"}
    assert valuation["costBasis"] == {"amount": "2530.00", "currencyCode": "USD"}
    assert valuation["unrealizedGain"] == {"amount": "514.07", "currencyCode": "USD"}
    assert valuation["dayChange"] == {"amount": "26.25", "currencyCode": "USD"}
    # 514.07 / 2530.00 x 100 = 20.318972332015810..., to 10 places 20.3189723320, trimmed
    assert valuation["unrealizedGainPercent"] == "20.318972332"
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
    assert aapl["price"] == {"amount": "200", "currencyCode": "USD"}  # a unit price, zeros trimmed
    assert aapl["marketValue"] == {"amount": "2000.00", "currencyCode": "USD"}
    assert aapl["unrealizedGain"] == {"amount": "500.00", "currencyCode": "USD"}
    assert aapl["dayChange"] == {"amount": "50.00", "currencyCode": "USD"}
    # weights of the rounded values, 10 places: 2000.00 / 3044.07 = 0.65701511463...
    assert aapl["weight"] == "0.6570151146"
    assert msft["marketValue"] == {"amount": "1001.25", "currencyCode": "USD"}
    assert msft["unrealizedGain"] == {"amount": "1.25", "currencyCode": "USD"}
    assert msft["dayChange"] == {"amount": "-23.75", "currencyCode": "USD"}
    assert msft["weight"] == "0.3289181918"  # 1001.25 / 3044.07
    assert nope["instrument"]["assetClass"] == "UNKNOWN" and nope["instrument"]["quote"] is None
    assert nope["price"] is None and nope["marketValue"] is None and nope["weight"] is None
    assert nope["dayChange"] is None
    assert nope["costBasis"] == {"amount": "50.00", "currencyCode": "USD"}
    assert vfund["instrument"]["currency"] == "EUR"
    assert vfund["price"] == {"amount": "12.3456", "currencyCode": "EUR"}  # the price stays native
    assert vfund["marketValue"] == {"amount": "42.82", "currencyCode": "USD"}
    assert vfund["unrealizedGain"] == {"amount": "12.82", "currencyCode": "USD"}
    assert vfund["dayChange"] is None
    assert vfund["weight"] == "0.0140666936"  # 42.82 / 3044.07
    assert all(position["stale"] is False for position in valuation["positions"])
    # What a reader adds up is what the totals say, to the cent.
    priced = [aapl, msft, vfund]
    for total, field in (
        ("marketValue", "marketValue"),
        ("costBasis", "costBasis"),
        ("unrealizedGain", "unrealizedGain"),
    ):
        assert D(valuation[total]["amount"]) == sum((D(p[field]["amount"]) for p in priced), D(0))
    assert D(valuation["dayChange"]["amount"]) == sum(
        (D(p["dayChange"]["amount"]) for p in priced if p["dayChange"]), D(0)
    )

    # EUR portfolio: VFUND 10 x 12.3456 = 123.456 -> 123.46, gain 23.46 on 100.00 = 23.46%, no
    # previous close -> day change 0.00
    assert eur["valuation"]["complete"] is True
    assert eur["valuation"]["marketValue"] == {"amount": "123.46", "currencyCode": "EUR"}
    assert eur["valuation"]["costBasis"] == {"amount": "100.00", "currencyCode": "EUR"}
    assert eur["valuation"]["unrealizedGainPercent"] == "23.46"
    assert eur["valuation"]["dayChange"] == {"amount": "0.00", "currencyCode": "EUR"}
    assert eur["valuation"]["positions"][0]["weight"] == "1"


async def test_valuation_amounts_show_the_minor_unit_digits_and_rates_ten_places(assets: Any) -> None:
    await set_price(assets, "HALF", "33.335", "USD", previous="33.3")
    await set_price(assets, "THIRD", "25", "USD")
    await set_price(assets, "TOYO", "1234.5", "JPY", previous="1234.4")
    representations = [
        {
            "__typename": "Portfolio",
            "id": "P-TIE",
            "baseCurrency": "USD",
            "holdings": [{"symbol": "HALF", "quantity": "3", "costBasis": "90"}],
        },
        {
            "__typename": "Portfolio",
            "id": "P-THIRD",
            "baseCurrency": "USD",
            "holdings": [{"symbol": "THIRD", "quantity": "4", "costBasis": "75"}],
        },
        {
            "__typename": "Portfolio",
            "id": "P-JPY",
            "baseCurrency": "JPY",
            "holdings": [{"symbol": "TOYO", "quantity": "7", "costBasis": "8000.4"}],
        },
    ]
    tie, third, jpy = (await assets.gql(ENTITIES, {"representations": representations}))["_entities"]

    # 3 x 33.335 = 100.005: a tie, half-even to the even cent -> 100.00; cost 90.00, gain 10.00
    # (11.1111111111...%, 10 places); day 3 x 0.035 = 0.105 -> 0.10 (tie, even)
    valuation = tie["valuation"]
    assert valuation["marketValue"] == {"amount": "100.00", "currencyCode": "USD"}
    assert valuation["costBasis"] == {"amount": "90.00", "currencyCode": "USD"}
    assert valuation["unrealizedGain"] == {"amount": "10.00", "currencyCode": "USD"}
    assert valuation["unrealizedGainPercent"] == "11.1111111111"
    assert valuation["dayChange"] == {"amount": "0.10", "currencyCode": "USD"}
    (position,) = valuation["positions"]
    assert position["price"] == {"amount": "33.335", "currencyCode": "USD"}
    assert position["marketValue"] == {"amount": "100.00", "currencyCode": "USD"}
    assert position["dayChange"] == {"amount": "0.10", "currencyCode": "USD"}
    assert position["weight"] == "1"

    # 4 x 25 = 100.00 on 75.00: gain 25.00 = 33.333...% -> "33.3333333333", not 28 digits
    assert third["valuation"]["unrealizedGainPercent"] == "33.3333333333"
    assert third["valuation"]["dayChange"] == {"amount": "0.00", "currencyCode": "USD"}  # no previous close

    # JPY has no minor unit: 7 x 1234.5 = 8641.5 -> 8642 (tie, even); cost 8000.4 -> 8000; gain 642;
    # day 7 x 0.1 = 0.7 -> 1
    valuation = jpy["valuation"]
    assert valuation["marketValue"] == {"amount": "8642", "currencyCode": "JPY"}
    assert valuation["costBasis"] == {"amount": "8000", "currencyCode": "JPY"}
    assert valuation["unrealizedGain"] == {"amount": "642", "currencyCode": "JPY"}
    assert valuation["unrealizedGainPercent"] == "8.025"  # 642 / 8000 x 100
    assert valuation["dayChange"] == {"amount": "1", "currencyCode": "JPY"}
    assert valuation["positions"][0]["price"] == {"amount": "1234.5", "currencyCode": "JPY"}


async def test_portfolio_without_holdings_values_to_zero(assets: Any) -> None:
    representations = [{"__typename": "Portfolio", "id": "P0", "baseCurrency": "USD", "holdings": []}]
    (entity,) = (await assets.gql(ENTITIES, {"representations": representations}))["_entities"]
    valuation = entity["valuation"]
    assert valuation["marketValue"] == {"amount": "0.00", "currencyCode": "USD"}
    assert valuation["unrealizedGain"] == {"amount": "0.00", "currencyCode": "USD"}
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
