"""dayChange through `_entities`, as the router sends a portfolio (@requires), with manual prices
whose numbers are known: a position without a previous close (or without a price) has a null dayChange
that says why, and the total leaves it out and says so; a lot bought today, sent with the holding's
open lots, moves from its purchase price (more cases: tests/unit/test_assets_valuation_day_change.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kit_testing import execute

SET_MANUAL_PRICE = """
mutation($input: SetManualPriceInput!) { setManualPrice(input: $input) { userErrors { code } } }
"""
VALUATION = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Portfolio {
      valuation {
        marketValue { amount } dayChange { amount currencyCode } dayChangeComplete complete
        positions { instrument { symbol } marketValue { amount } dayChange { amount } dayChangeMissing }
      }
    }
  }
}
"""
AS_OF = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Portfolio { valuation { asOf dayChange { amount } } }
  }
}
"""


async def pin(assets: Any, symbol: str, price: str, previous: str | None = None) -> None:
    manual: dict[str, Any] = {"symbol": symbol, "price": {"amount": price, "currencyCode": "USD"}}
    if previous is not None:
        manual["previousClose"] = {"amount": previous, "currencyCode": "USD"}
    payload = (await assets.gql(SET_MANUAL_PRICE, {"input": manual}))["setManualPrice"]
    assert payload["userErrors"] == []


def representation(holdings: list[tuple[str, str, str]]) -> dict[str, Any]:
    return {
        "__typename": "Portfolio",
        "id": "01PORTFOLIODAY",
        "baseCurrency": "USD",
        "owner": {"id": "01JALICE0000000000000000AA"},
        "holdings": [{"symbol": s, "quantity": q, "costBasis": c} for s, q, c in holdings],
    }


async def test_a_position_without_previous_close_says_so_and_the_total_leaves_it_out(assets: Any) -> None:
    await pin(assets, "DAY-STOCK", "200.00", "195.00")
    await pin(assets, "DAY-FUND", "11.00")  # no previous close
    portfolio = representation(
        [("DAY-STOCK", "14", "2812.40"), ("DAY-FUND", "7", "70.00"), ("DAY-NOPRICE", "1", "5.00")]
    )
    [answer] = (await assets.gql(VALUATION, {"representations": [portfolio]}))["_entities"]
    valuation = answer["valuation"]
    stock, fund, unpriced = valuation["positions"]

    assert stock["dayChange"] == {"amount": "70.00"} and stock["dayChangeMissing"] is None  # 14 x 5.00
    # No previous close: unknown, not 0; the position is still priced.
    assert fund["dayChange"] is None and fund["dayChangeMissing"] == "NO_PREVIOUS_CLOSE"
    assert fund["marketValue"] == {"amount": "77.00"}
    assert unpriced["dayChange"] is None and unpriced["dayChangeMissing"] == "UNPRICED"
    # The total is the sum of the rounded lines that exist, and says some are missing.
    assert valuation["dayChange"] == {"amount": "70.00", "currencyCode": "USD"}
    assert valuation["dayChangeComplete"] is False and valuation["complete"] is False


async def test_when_every_position_has_a_day_change_the_total_is_complete(assets: Any) -> None:
    await pin(assets, "DAY-A", "10.005", "10")
    await pin(assets, "DAY-B", "10.005", "10")
    portfolio = representation([("DAY-A", "1", "10"), ("DAY-B", "1", "10")])
    [answer] = (await assets.gql(VALUATION, {"representations": [portfolio]}))["_entities"]
    valuation = answer["valuation"]
    # Each line 0.005 rounds half-even to 0.00; the total is their sum (0.00), not round(0.010) = 0.01.
    assert [p["dayChange"] for p in valuation["positions"]] == [{"amount": "0.00"}] * 2
    assert valuation["dayChange"]["amount"] == "0.00" and valuation["dayChangeComplete"] is True


async def test_a_lot_bought_today_moves_from_its_purchase_price_through_a_representation(assets: Any) -> None:
    """The open lots as the portfolios subgraph sends them (parallel lists): 2 held since 2020 move
    from the previous close, 1 bought in the quote's session from its purchase price."""
    await pin(assets, "DAY-LOTS", "10", "8")
    before = representation([("DAY-LOTS", "3", "23.50")])
    [answer] = (await assets.gql(AS_OF, {"representations": [before]}))["_entities"]
    # Without lots every unit counts as held before the session: 3 x (10 - 8) = 6.00.
    assert answer["valuation"]["dayChange"] == {"amount": "6.00"}
    session = datetime.fromisoformat(answer["valuation"]["asOf"]).astimezone(UTC).date().isoformat()

    portfolio = representation([("DAY-LOTS", "3", "23.50")])
    portfolio["holdings"][0]["openLots"] = {
        "quantities": ["2", "1"],
        "purchasedOn": ["2020-03-02", session],
        "purchasePrices": ["7", "9.5"],
        "currencies": ["USD", "USD"],
        "fxRates": [None, None],
    }
    [answer] = (await assets.gql(VALUATION, {"representations": [portfolio]}))["_entities"]
    valuation = answer["valuation"]
    # 2 x (10 - 8) = 4.00 from the close, 1 x (10 - 9.5) = 0.50 from the purchase price: 4.50.
    assert valuation["positions"][0]["dayChange"] == {"amount": "4.50"}
    assert valuation["dayChange"] == {"amount": "4.50", "currencyCode": "USD"}
    assert valuation["dayChangeComplete"] is True and valuation["marketValue"] == {"amount": "30.00"}


async def test_open_lots_that_are_not_parallel_lists_are_refused(assets: Any) -> None:
    await pin(assets, "DAY-LOTS", "10")
    portfolio = representation([("DAY-LOTS", "1", "10")])
    portfolio["holdings"][0]["openLots"] = [
        {"quantity": "1", "purchasedAt": "2025-11-24", "purchasePrice": "9", "currency": "USD"}
    ]
    body = await execute(assets.client, VALUATION, {"representations": [portfolio]})
    assert body["data"]["_entities"] == [None]
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["path"] == ["_entities", 0]
