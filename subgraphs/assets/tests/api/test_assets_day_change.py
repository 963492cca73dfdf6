"""dayChange through `_entities`, as the router sends a portfolio (@requires: holdings and the open
lots of its positions), with manual prices whose numbers are known: a lot bought today moves from its
purchase price; a position without a previous close has a null dayChange that says why, and the total
leaves it out and says so."""

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


def lot(quantity: str, price: str, on: str) -> dict[str, Any]:
    return {
        "__typename": "Investment",
        "remainingQuantity": quantity,
        "purchasedAt": on,
        "purchasePrice": {"amount": price, "currencyCode": "USD"},
    }


def representation(positions: list[tuple[str, str, str, list[dict[str, Any]]]]) -> dict[str, Any]:
    return {
        "__typename": "Portfolio",
        "id": "01PORTFOLIODAY",
        "baseCurrency": "USD",
        "owner": {"id": "01JALICE0000000000000000AA"},
        "holdings": [{"symbol": s, "quantity": q, "costBasis": c} for s, q, c, _ in positions],
        "positions": [{"instrument": {"symbol": s}, "lots": lots} for s, _, _, lots in positions],
    }


async def test_a_lot_bought_today_and_a_position_without_previous_close(assets: Any) -> None:
    # Pinned at NOW (2025-11-24): the quotes' session is that UTC day.
    await pin(assets, "DAY-STOCK", "200.00", "195.00")
    await pin(assets, "DAY-FUND", "11.00")  # no previous close
    await pin(assets, "DAY-NEW", "10.57")  # no previous close, but bought entirely today
    portfolio = representation(
        [
            (
                "DAY-STOCK",
                "14",
                "2812.40",
                [lot("10", "190", "2025-11-20"), lot("4", "203.10", "2025-11-24")],
            ),
            ("DAY-FUND", "7", "70.00", [lot("7", "10", "2025-11-03")]),
            ("DAY-NEW", "3", "30.00", [lot("3", "10.00", "2025-11-24")]),
        ]
    )
    [answer] = (await assets.gql(VALUATION, {"representations": [portfolio]}))["_entities"]
    valuation = answer["valuation"]
    stock, fund, new = valuation["positions"]

    # 10 held x (200.00 - 195.00) = 50.00, plus 4 bought today x (200.00 - 203.10) = -12.40
    assert stock["dayChange"] == {"amount": "37.60"} and stock["dayChangeMissing"] is None
    # Held since November 3rd and no previous close: unknown, not 0.
    assert fund["dayChange"] is None and fund["dayChangeMissing"] == "NO_PREVIOUS_CLOSE"
    assert fund["marketValue"] == {"amount": "77.00"}
    # All 3 bought today: 3 x (10.57 - 10.00) = 1.71, no previous close needed.
    assert new["dayChange"] == {"amount": "1.71"} and new["dayChangeMissing"] is None
    # The total is the sum of the rounded lines that exist (37.60 + 1.71), and says one is missing.
    assert valuation["dayChange"] == {"amount": "39.31", "currencyCode": "USD"}
    assert valuation["dayChangeComplete"] is False
    assert valuation["complete"] is True  # every position is priced


async def test_without_lots_in_the_representation_every_unit_moves_from_the_previous_close(
    assets: Any,
) -> None:
    await pin(assets, "DAY-OLD", "200.00", "195.00")
    portfolio = representation([("DAY-OLD", "14", "2812.40", [])])
    del portfolio["positions"]  # a caller that sends no positions (an older router plan)
    [answer] = (await assets.gql(VALUATION, {"representations": [portfolio]}))["_entities"]
    assert answer["valuation"]["dayChange"]["amount"] == "70.00"  # 14 x 5.00
    assert answer["valuation"]["dayChangeComplete"] is True


async def test_bad_positions_are_bad_user_input_for_that_portfolio_only(assets: Any) -> None:
    await pin(assets, "DAY-BAD", "10")
    good = representation([("DAY-BAD", "1", "10", [])])
    bad = {**good, "id": "01PORTFOLIOBAD", "positions": [{"instrument": {"symbol": "X"}, "lots": ["x"]}]}
    body = await execute(assets.client, VALUATION, {"representations": [good, bad]})
    assert body["data"]["_entities"][0]["valuation"]["marketValue"] == {"amount": "10.00"}
    assert body["data"]["_entities"][1] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["path"] == ["_entities", 1]
    # The kit checks a representation against the @requires selection before the domain parses it.
    assert error["message"] == "The positions of a Portfolio representation is malformed."
