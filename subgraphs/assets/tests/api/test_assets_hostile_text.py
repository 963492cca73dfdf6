"""Hostile text in the string inputs of the assets mutations and queries, and malformed `_entities`
(issue 11).

A symbol or a currency code with a control character, a lone surrogate or unbounded length is a
userError INVALID at that field and nothing is written; as a query's argument (instrument's
symbol, the search query) it is BAD_USER_INPUT. `_entities` refuses a malformed representation
(an Instrument's or a Portfolio's, its @requires fields included) at its index.
"""

from __future__ import annotations

from typing import Any

import pytest
from kit_testing import ISSUER, execute

HOSTILE = {
    "NUL": "AAPL\u0000",
    "C0": "AAPL\u001b",
    "C1": "AAPL\u0085",
    "newline": "AAPL\n",
    "lone surrogate": "AAPL\ud800",
    "low surrogate": "\udfffAAPL",
    "15k": "A" * 15_000,
    "bidi override": "\u202eLPAA",
}
SET_PRICE = """mutation($input: SetManualPriceInput!) {
  setManualPrice(input: $input) { instrument { symbol } userErrors { field message code } } }"""
SET_FX = """mutation($input: SetManualFxRateInput!) {
  setManualFxRate(input: $input) { fxRate { rate } userErrors { field message code } } }"""
INSTRUMENT = "query($s: String!) { instrument(symbol: $s) { symbol } }"
SEARCH = "query($q: String!) { searchInstruments(query: $q, first: 5) { edges { node { symbol } } } }"
ENTITIES = """query($r: [_Any!]!) { _entities(representations: $r) {
  __typename ... on Instrument { symbol } ... on Portfolio { id valuation { marketValue { amount } } } } }"""


def errors_of(payload: dict[str, Any]) -> list[tuple[tuple[str, ...], str]]:
    return sorted((tuple(e["field"]), e["code"]) for e in payload["userErrors"])


@pytest.mark.parametrize("hostile", list(HOSTILE), ids=str)
async def test_manual_prices_and_rates_refuse_hostile_codes_and_write_nothing(
    assets: Any, hostile: str
) -> None:
    text = HOSTILE[hostile]
    before = await assets.item_count()
    price = await execute(
        assets.client,
        SET_PRICE,
        {"input": {"symbol": text, "price": {"amount": "1", "currencyCode": "USD"}}},
    )
    assert errors_of(price["data"]["setManualPrice"]) == [(("input", "symbol"), "INVALID")]
    currency = await execute(
        assets.client,
        SET_PRICE,
        {
            "input": {
                "symbol": "HOSTILE-TEXT",
                "price": {"amount": "1", "currencyCode": text},
                "previousClose": {"amount": "1", "currencyCode": text},
            }
        },
    )
    assert errors_of(currency["data"]["setManualPrice"]) == [
        (("input", "previousClose", "currencyCode"), "INVALID"),
        (("input", "price", "currencyCode"), "INVALID"),
    ]
    rate = await execute(
        assets.client, SET_FX, {"input": {"fromCurrency": text, "toCurrency": text, "rate": "1.1"}}
    )
    assert errors_of(rate["data"]["setManualFxRate"]) == [
        (("input", "fromCurrency"), "INVALID"),
        (("input", "toCurrency"), "INVALID"),
    ]
    for payload in (price, currency, rate):
        assert "A" * 200 not in str(payload)  # no message echoes what was sent
    assert await assets.item_count() == before


@pytest.mark.parametrize("hostile", list(HOSTILE), ids=str)
async def test_hostile_query_arguments_are_bad_user_input(assets: Any, hostile: str) -> None:
    text = HOSTILE[hostile]
    instrument = await execute(assets.client, INSTRUMENT, {"s": text})
    assert instrument["data"] == {"instrument": None}
    assert [(e["path"], e["extensions"]["code"]) for e in instrument["errors"]] == [
        (["instrument"], "BAD_USER_INPUT")
    ]
    search = await execute(assets.client, SEARCH, {"q": text})
    assert search["data"] is None  # searchInstruments is non-null: the error nulls the whole answer
    assert [(e["path"], e["extensions"]["code"]) for e in search["errors"]] == [
        (["searchInstruments"], "BAD_USER_INPUT")
    ]


async def test_ordinary_query_text_still_answers(assets: Any) -> None:
    body = await execute(assets.client, INSTRUMENT, {"s": " aapl "})
    assert body == {"data": {"instrument": {"symbol": "AAPL"}}}
    assert (await execute(assets.client, INSTRUMENT, {"s": "not a symbol"})) == {"data": {"instrument": None}}
    found = await execute(assets.client, SEARCH, {"q": "Appl\u0065\u0301"})  # NFC: "Applé"
    assert "errors" not in found


PORTFOLIO = {
    "__typename": "Portfolio",
    "id": "01ARZ3NDEKTSV4RRFFQ69G5FAV",
    "baseCurrency": "USD",
    "holdings": [{"symbol": "AAPL", "quantity": "2", "costBasis": "300"}],
    "owner": {"id": "01ARZ3NDEKTSV4RRFFQ69G5FAW"},
}
MALFORMED: list[Any] = [
    {"__typename": "Instrument"},
    {"__typename": "Portfolio"},
    {},
    {"__typename": "Query"},
    {"__typename": "Customer", "id": "01ARZ3NDEKTSV4RRFFQ69G5FAW"},  # resolvable: false here
    {"__typename": "Instrument", "symbol": 5},
    {"__typename": "Instrument", "symbol": {"symbol": "AAPL"}},
    {"__typename": "Instrument", "symbol": "AAPL\u0000"},
    {"__typename": "Instrument", "symbol": "\ud800"},
    {"__typename": "Instrument", "symbol": "A" * 15_000},
    {"__typename": "Instrument", "symbol": "AAPL", "x": 1},
    {**PORTFOLIO, "id": 7},
    {**PORTFOLIO, "holdings": "AAPL"},
    {**PORTFOLIO, "holdings": [{"symbol": "AAPL"}]},
    {**PORTFOLIO, "holdings": [{"symbol": "AAPL", "quantity": "NaN", "costBasis": "1"}]},
    {**PORTFOLIO, "holdings": [{"symbol": "AAPL", "quantity": 1.5, "costBasis": "1"}]},
    {**PORTFOLIO, "holdings": [{"symbol": ["AAPL"], "quantity": "1", "costBasis": "1"}]},
    {**PORTFOLIO, "owner": {"id": 3}},
    {**PORTFOLIO, "owner": "someone"},
    {**PORTFOLIO, "baseCurrency": 840},
    -1,
]


@pytest.mark.parametrize("bad", MALFORMED, ids=[repr(m)[:40] for m in MALFORMED])
async def test_a_malformed_representation_is_bad_user_input_beside_valid_ones(assets: Any, bad: Any) -> None:
    good = [{"__typename": "Instrument", "symbol": "AAPL"}, PORTFOLIO]
    body = await execute(assets.client, ENTITIES, {"r": [good[0], bad, good[1]]}, token=ISSUER.admin())
    entities = body["data"]["_entities"]
    assert entities[0] == {"__typename": "Instrument", "symbol": "AAPL"}
    assert entities[1] is None
    assert entities[2]["id"] == PORTFOLIO["id"] and entities[2]["valuation"]["marketValue"]["amount"]
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["_entities", 1], "BAD_USER_INPUT")
    ]


@pytest.mark.parametrize("representations", ["{}", "-1", '{__typename: "Instrument"}'])
async def test_representations_that_are_no_list_are_bad_user_input(assets: Any, representations: str) -> None:
    body = await execute(
        assets.client, f"{{ _entities(representations: {representations}) {{ __typename }} }}"
    )
    assert body["data"] == {"_entities": [None]}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
