"""dayChange through `_entities`, as the router sends a portfolio (@requires), with manual prices
whose numbers are known: a position without a previous close (or without a price) has a null dayChange
that says why, and the total leaves it out and says so. (A lot bought today, measured from its purchase
price, needs the open lots in the representation: tests/unit/test_assets_valuation_day_change.py.)"""

from __future__ import annotations

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


async def test_open_lots_are_not_part_of_the_representation_yet(assets: Any) -> None:
    """The portfolios subgraph does not send them (see the report of issue 15): a representation
    that carries them is refused by the kit's check against the @requires selection."""
    await pin(assets, "DAY-LOTS", "10")
    portfolio = representation([("DAY-LOTS", "1", "10")])
    portfolio["holdings"][0]["lots"] = [
        {"quantity": "1", "purchasedAt": "2025-11-24", "purchasePrice": "9", "currency": "USD"}
    ]
    body = await execute(assets.client, VALUATION, {"representations": [portfolio]})
    assert body["data"]["_entities"] == [None]
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["path"] == ["_entities", 0]
