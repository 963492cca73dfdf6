"""Hostile input through the assets GraphQL API: every Decimal of setManualPrice and setManualFxRate,
the holdings of a Portfolio representation, and searchInstruments cursors.

Each is refused with BAD_USER_INPUT (a value the Decimal scalar or a representation cannot take) or
an INVALID userError (parsable, outside the domain's bounds); nothing is written, no answer shows
internals, and the service keeps answering.
"""

from __future__ import annotations

import copy
import time
from typing import Any

import pytest
from kit.core.paging import encode_cursor
from kit_testing import HOSTILE_DECIMALS, refusal_codes

SET_MANUAL_PRICE = """
mutation($input: SetManualPriceInput!) {
  setManualPrice(input: $input) { instrument { symbol } userErrors { field message code } }
}"""
SET_MANUAL_FX_RATE = """
mutation($input: SetManualFxRateInput!) {
  setManualFxRate(input: $input) { fxRate { rate } userErrors { field message code } }
}"""
VALUATION = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Portfolio { id valuation { marketValue { amount currencyCode } complete } }
  }
}"""
SEARCH = """
query($after: String) {
  searchInstruments(query: "a", first: 2, after: $after) { edges { cursor node { symbol } } }
}"""

INPUTS: dict[str, tuple[str, dict[str, Any], list[tuple[str, ...]]]] = {
    "setManualPrice": (
        SET_MANUAL_PRICE,
        {
            "symbol": "HOSTILE-FUND",
            "price": {"amount": "10", "currencyCode": "USD"},
            "previousClose": {"amount": "9", "currencyCode": "USD"},
        },
        [("price", "amount"), ("previousClose", "amount")],
    ),
    "setManualFxRate": (
        SET_MANUAL_FX_RATE,
        {"fromCurrency": "EUR", "toCurrency": "NOK", "rate": "11.5"},
        [("rate",)],
    ),
}


async def post(assets: Any, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = await assets.client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _with(values: dict[str, Any], path: tuple[str, ...], value: object) -> dict[str, Any]:
    result = copy.deepcopy(values)
    target = result
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return result


async def test_every_decimal_input_refuses_every_hostile_value_and_writes_nothing(assets: Any) -> None:
    before = await assets.item_count()
    tried, slowest = 0, 0.0
    for mutation, (document, values, paths) in INPUTS.items():
        for path in paths:
            for name, value in HOSTILE_DECIMALS.items():
                started = time.perf_counter()
                body = await post(assets, document, {"input": _with(values, path, value)})
                slowest = max(slowest, time.perf_counter() - started)
                tried += 1
                where = f"{mutation} {'.'.join(path)} = {name}"
                assert refusal_codes(body) == ["BAD_USER_INPUT"], where
                assert body.get("data") is None, where
    assert tried == 3 * len(HOSTILE_DECIMALS)
    assert slowest < 1.0
    assert await assets.item_count() == before
    # Still serving, and the valid input is accepted.
    body = await post(assets, SET_MANUAL_FX_RATE, {"input": INPUTS["setManualFxRate"][1]})
    assert body["data"]["setManualFxRate"]["userErrors"] == []


@pytest.mark.parametrize(
    ("mutation", "path", "value", "field"),
    [
        ("setManualPrice", ("price", "amount"), "999999999999999999", ["input", "price", "amount"]),
        ("setManualPrice", ("price", "amount"), "0", ["input", "price", "amount"]),
        ("setManualPrice", ("previousClose", "amount"), "-1", ["input", "previousClose", "amount"]),
        ("setManualFxRate", ("rate",), "999999999999999999", ["input", "rate"]),
        ("setManualFxRate", ("rate",), "0", ["input", "rate"]),
    ],
)
async def test_a_parsable_decimal_outside_the_domain_bounds_is_an_invalid_user_error(
    assets: Any, mutation: str, path: tuple[str, ...], value: str, field: list[str]
) -> None:
    document, values, _ = INPUTS[mutation]
    before = await assets.item_count()
    body = await post(assets, document, {"input": _with(values, path, value)})
    assert refusal_codes(body) == []
    errors = body["data"][mutation]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [(field, "INVALID")]
    assert await assets.item_count() == before


GOOD_HOLDING = {"symbol": "AAPL", "quantity": "10", "costBasis": "1500"}
HOSTILE_HOLDINGS: dict[str, object] = {
    "tiny quantity": [{**GOOD_HOLDING, "quantity": "1E-999999999"}],
    "huge cost basis": [{**GOOD_HOLDING, "costBasis": "1E+1000100"}],
    "100000 digits": [{**GOOD_HOLDING, "quantity": "1" * 100_000}],
    "NaN": [{**GOOD_HOLDING, "costBasis": "NaN"}],
    "Arabic-Indic digits": [{**GOOD_HOLDING, "quantity": "\u0661\u0662"}],
    "float": [{**GOOD_HOLDING, "quantity": 1.5}],
    "no quantity": [{"symbol": "AAPL", "costBasis": "1"}],
    "symbol not a string": [{**GOOD_HOLDING, "symbol": 7}],
    "holding not an object": ["AAPL"],
    "holdings not a list": "AAPL",
}


@pytest.mark.parametrize("case", list(HOSTILE_HOLDINGS))
async def test_hostile_holdings_in_a_representation_are_bad_user_input_for_that_entity_only(
    assets: Any, case: str
) -> None:
    portfolio = {"__typename": "Portfolio", "baseCurrency": "USD"}
    representations = [
        {**portfolio, "id": "P-HOSTILE", "holdings": HOSTILE_HOLDINGS[case]},
        {**portfolio, "id": "P-FINE", "holdings": [GOOD_HOLDING]},
    ]
    started = time.perf_counter()
    body = await post(assets, VALUATION, {"representations": representations})
    assert time.perf_counter() - started < 2.0
    assert refusal_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["path"] == ["_entities", 0]
    hostile, fine = body["data"]["_entities"]
    assert hostile is None
    assert fine["id"] == "P-FINE" and fine["valuation"]["complete"] is True


@pytest.mark.parametrize("currency", ["\u00b9", "usd", "XYZ", "U$D", 7, ["USD"]])
async def test_a_base_currency_that_is_no_currency_is_bad_user_input_for_that_entity_only(
    assets: Any, currency: object
) -> None:
    # A valuation rounds to the base currency's minor unit: an unknown code must not become a 500.
    representations = [
        {"__typename": "Portfolio", "id": "P-ODD", "baseCurrency": currency, "holdings": [GOOD_HOLDING]},
        {"__typename": "Portfolio", "id": "P-FINE", "baseCurrency": "USD", "holdings": [GOOD_HOLDING]},
    ]
    body = await post(assets, VALUATION, {"representations": representations})
    assert refusal_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["path"] == ["_entities", 0]
    odd, fine = body["data"]["_entities"]
    assert odd is None
    assert fine["id"] == "P-FINE" and fine["valuation"]["complete"] is True


async def test_holdings_computed_by_the_portfolios_subgraph_are_accepted(assets: Any) -> None:
    """A cost basis is a product (quantity x price x fx rate): far more digits than a client's input."""
    cost = "1234567890123.123456789012345678901234567"
    representations = [
        {
            "__typename": "Portfolio",
            "id": "P-WIDE",
            "baseCurrency": "USD",
            "holdings": [{"symbol": "AAPL", "quantity": "0.12345678", "costBasis": cost}],
        }
    ]
    body = await post(assets, VALUATION, {"representations": representations})
    assert refusal_codes(body) == []
    assert body["data"]["_entities"][0]["valuation"]["complete"] is True


@pytest.mark.parametrize(
    "key",
    [
        "search:\u0661",  # Arabic-Indic digit one: int() reads it
        "search:\u00b2",  # superscript two: isdigit() says yes, int() raises
        "search:" + "9" * 5000,  # more digits than int() converts
        "search:-1",
        "other:1",
    ],
)
async def test_a_search_cursor_that_decodes_to_anything_but_an_offset_is_bad_user_input(
    assets: Any, key: str
) -> None:
    body = await post(assets, SEARCH, {"after": encode_cursor(key)})
    assert refusal_codes(body) == ["BAD_USER_INPUT"]
    assert body["data"] is None
    # and a real cursor still works
    first = await post(assets, SEARCH, {"after": None})
    cursor = first["data"]["searchInstruments"]["edges"][-1]["cursor"]
    assert refusal_codes(await post(assets, SEARCH, {"after": cursor})) == []
