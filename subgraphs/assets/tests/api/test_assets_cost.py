"""Called directly (not through the router), the assets subgraph bounds what one request makes it
resolve (kit.graphql.cost); the router's own requests for a large book run."""

from __future__ import annotations

from kit.graphql.cost import COST_CODE
from kit.graphql.schema import MAX_COST
from kit_testing import execute

INSTRUMENTS = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Instrument { symbol quote { price { amount currencyCode } previousClose { amount } } }
  }
}"""

VALUATIONS = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Portfolio {
      valuation {
        marketValue { amount } costBasis { amount } unrealizedGain { amount } dayChange { amount }
        positions { instrument { symbol } price { amount } marketValue { amount } costBasis { amount } }
      }
    }
  }
}"""

SYMBOLS = ["AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "JPM", "V", "SPY", "QQQ"]


async def test_a_request_above_the_bound_is_refused_before_any_read(assets) -> None:
    # Assets has no nested lists of its own: a huge page is what a direct caller can ask for.
    document = (
        'query { searchInstruments(query: "A", first: 50000) { edges { node { symbol quote { source } } } } }'
    )
    body = await execute(assets.client, document)
    assert body.get("data") is None, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == COST_CODE
    assert error["extensions"]["cost"] == {"estimated": 1 + 50000 * 3, "max": MAX_COST}
    assert dict(assets.calls) == {}
    assert assets.provider.calls == []


async def test_the_routers_fetches_for_a_5_x_40_book_run(assets) -> None:
    instruments = [{"__typename": "Instrument", "symbol": SYMBOLS[n % 10]} for n in range(200)]
    data = await assets.gql(INSTRUMENTS, {"representations": instruments})
    assert len(data["_entities"]) == 200
    holdings = [{"symbol": SYMBOLS[n % 10], "quantity": "1", "costBasis": "10.00"} for n in range(40)]
    portfolios = [
        {
            "__typename": "Portfolio",
            "id": f"P{n}",
            "baseCurrency": "USD",
            "holdings": holdings,
            "owner": {"id": "C1"},
        }
        for n in range(5)
    ]
    data = await assets.gql(VALUATIONS, {"representations": portfolios})
    assert [len(e["valuation"]["positions"]) for e in data["_entities"]] == [40] * 5
