"""Hostile text in the string inputs of the portfolios mutations and queries, and malformed
`_entities` (issue 11).

Free text (a portfolio's name, an idempotency key) obeys kit.core.text: a control character, a lone
surrogate or unbounded length is a userError INVALID at that field and nothing is written; ids,
symbols and currency codes refuse any hostile text by their own pattern. A query's id that no id
can be is BAD_USER_INPUT; `_entities` refuses a malformed representation at its index.
"""

from __future__ import annotations

from typing import Any

import pytest
from kit_testing import ISSUER

HOSTILE = {
    "NUL": "Main\u0000",
    "C0": "Main\u001b[31m",
    "C1": "Main\u0085",
    "newline": "Main\nbook",
    "lone surrogate": "Main\ud800",
    "low surrogate": "\udfffMain",
    "15k": "x" * 15_000,
    "bidi override": "\u202eniaM",
}
RENAME = """mutation($input: RenamePortfolioInput!) {
  renamePortfolio(input: $input) { portfolio { id name } userErrors { field message code } } }"""
CLOSE = """mutation($input: ClosePortfolioInput!) {
  closePortfolio(input: $input) { portfolio { id } userErrors { field message code } } }"""
REMOVE = """mutation($input: RemoveInvestmentInput!) {
  removeInvestment(input: $input) { removedInvestmentId userErrors { field message code } } }"""
UPDATE = """mutation($input: UpdateInvestmentInput!) {
  updateInvestment(input: $input) { investment { id } userErrors { field message code } } }"""
PORTFOLIO = "query($id: ID!) { portfolio(id: $id) { id name } }"
ENTITIES = """query($r: [_Any!]!) { _entities(representations: $r) {
  __typename ... on Portfolio { id name } ... on Investment { id } ... on Customer { id } } }"""


def errors_of(payload: dict[str, Any]) -> list[tuple[tuple[str, ...], str]]:
    return [(tuple(e["field"]), e["code"]) for e in payload["userErrors"]]


@pytest.fixture(scope="module")
async def seeded(api):
    return await api.seed(name="Hostile text")


@pytest.mark.parametrize("hostile", list(HOSTILE), ids=str)
async def test_create_and_rename_refuse_hostile_names_and_write_nothing(api, seeded, hostile):
    before = await api.count_items()
    created = await api.create_portfolio_payload(seeded.customer_id, name=HOSTILE[hostile])
    assert created["portfolio"] is None
    assert errors_of(created) == [(("input", "name"), "INVALID")]
    renamed = (await api.data(RENAME, {"input": {"id": seeded.portfolio_id, "name": HOSTILE[hostile]}}))[
        "renamePortfolio"
    ]
    assert errors_of(renamed) == [(("input", "name"), "INVALID")]
    assert await api.count_items() == before
    assert (await api.state(seeded.portfolio_id))["name"] == "Hostile text"


@pytest.mark.parametrize("hostile", list(HOSTILE), ids=str)
async def test_buy_and_sell_refuse_hostile_idempotency_keys_and_write_nothing(api, seeded, hostile):
    before = await api.count_items()
    bought = await api.add_investment_payload(seeded.portfolio_id, idempotencyKey=HOSTILE[hostile])
    assert bought["investment"] is None
    assert errors_of(bought) == [(("input", "idempotencyKey"), "INVALID")]
    sold = await api.sell_payload(seeded.portfolio_id, idempotencyKey=HOSTILE[hostile])
    assert errors_of(sold) == [(("input", "idempotencyKey"), "INVALID")]
    assert await api.count_items() == before


@pytest.mark.parametrize("hostile", list(HOSTILE), ids=str)
async def test_hostile_ids_symbols_and_codes_are_invalid(api, seeded, hostile):
    text = HOSTILE[hostile]
    before = await api.count_items()
    created = await api.create_portfolio_payload(text, baseCurrency=text)
    assert {field for field, _ in errors_of(created)} == {("input", "customerId"), ("input", "baseCurrency")}
    bought = await api.add_investment_payload(
        seeded.portfolio_id, symbol=text, purchasePrice={"amount": "1", "currencyCode": text}
    )
    assert set(errors_of(bought)) == {
        (("input", "symbol"), "INVALID"),
        (("input", "purchasePrice", "currencyCode"), "INVALID"),
    }
    for document, name in (
        (CLOSE, "closePortfolio"),
        (REMOVE, "removeInvestment"),
        (UPDATE, "updateInvestment"),
    ):
        payload = (await api.data(document, {"input": {"id": text}}))[name]
        assert errors_of(payload) == [(("input", "id"), "INVALID")], name
    other = (await api.add_investment_payload(text))["userErrors"]
    assert [(e["field"], e["code"]) for e in other] == [(["input", "portfolioId"], "INVALID")]
    assert await api.count_items() == before


RECORD = """mutation($input: RecordActivityInput!) {
  recordActivity(input: $input) { activity { id } userErrors { field message code } } }"""
CORRECT = """mutation($input: CorrectActivityInput!) {
  correctActivity(input: $input) { activity { id } userErrors { field message code } } }"""
REMOVE_ACTIVITY = """mutation($input: RemoveActivityInput!) {
  removeActivity(input: $input) { removedActivityId userErrors { field message code } } }"""


@pytest.mark.parametrize("hostile", list(HOSTILE), ids=str)
async def test_record_and_correct_activity_refuse_hostile_text_and_write_nothing(api, seeded, hostile):
    text = HOSTILE[hostile]
    dividend = {
        "portfolioId": seeded.portfolio_id,
        "type": "DIVIDEND",
        "occurredAt": "2024-06-01",
        "symbol": "AAPL",
        "amount": {"amount": "1", "currencyCode": "USD"},
    }
    before = await api.snapshot()
    for field, value, path in (
        ("note", text + "\u0000", ("input", "note")),  # a control character in free text
        ("idempotencyKey", text, ("input", "idempotencyKey")),
        ("symbol", text, ("input", "symbol")),
        ("amount", {"amount": "1", "currencyCode": text}, ("input", "amount", "currencyCode")),
        ("portfolioId", text, ("input", "portfolioId")),
        ("counterpartPortfolioId", text, ("input", "counterpartPortfolioId")),
    ):
        values = {**dividend, field: value}
        if field == "counterpartPortfolioId":
            values = {**values, "type": "TRANSFER_OUT", "quantity": "1"}
            del values["amount"]
        payload = (await api.data(RECORD, {"input": values}))["recordActivity"]
        assert payload["activity"] is None
        assert (path, "INVALID") in errors_of(payload), (field, payload)
    for document, name, values in (
        (CORRECT, "correctActivity", {"activityId": text}),
        (CORRECT, "correctActivity", {"activityId": seeded.lot_id, "note": text + "\u0000"}),
        (CORRECT, "correctActivity", {"activityId": seeded.lot_id, "symbol": text}),
        (REMOVE_ACTIVITY, "removeActivity", {"activityId": text}),
    ):
        payload = (await api.data(document, {"input": values}))[name]
        assert [code for _, code in errors_of(payload)] == ["INVALID"], (values, payload)
    assert await api.snapshot() == before


async def test_a_name_is_stored_in_nfc_and_foreign_scripts_stay(api, seeded):
    created = await api.create_portfolio(
        seeded.customer_id, name=" Zoe\u0308 \u05e9\u05dc\u05d5\u05dd \U0001f4b0 "
    )
    assert created["name"] == "Zo\u00eb \u05e9\u05dc\u05d5\u05dd \U0001f4b0"


@pytest.mark.parametrize("hostile", ["NUL", "lone surrogate", "15k", "C1"])
async def test_a_query_id_no_id_can_be_is_bad_user_input_without_a_read(api, seeded, hostile):
    api.runtime.counter.reset()
    for token in (ISSUER.admin(), seeded.token):
        body = await api.gql(PORTFOLIO, {"id": HOSTILE[hostile]}, token=token)
        assert body["data"] == {"portfolio": None}
        assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
            (["portfolio"], "BAD_USER_INPUT")
        ]
    assert api.calls == {}


MALFORMED: list[Any] = [
    {"__typename": "Portfolio"},
    {"__typename": "Investment"},
    {"__typename": "Customer"},
    {},
    {"__typename": "Query"},
    {"__typename": "Instrument", "symbol": "AAPL"},  # resolvable: false here
    {"__typename": "Portfolio", "id": 5},
    {"__typename": "Investment", "id": {"id": "x"}},
    {"__typename": "Customer", "id": ["x"]},
    {"__typename": "Portfolio", "id": "\ud800"},
    {"__typename": "Customer", "id": "x" * 15_000},
    {"__typename": "Portfolio", "id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "name": "x"},
    -1,
]


@pytest.mark.parametrize("bad", MALFORMED, ids=[repr(m)[:30] for m in MALFORMED])
async def test_a_malformed_representation_is_bad_user_input_beside_valid_ones(api, seeded, bad):
    good = [
        {"__typename": "Portfolio", "id": seeded.portfolio_id},
        {"__typename": "Investment", "id": seeded.lot_id},
        {"__typename": "Customer", "id": seeded.customer_id},
    ]
    body = await api.gql(ENTITIES, {"r": [good[0], bad, good[1], good[2]]})
    assert body["data"]["_entities"] == [
        {"__typename": "Portfolio", "id": seeded.portfolio_id, "name": "Hostile text"},
        None,
        {"__typename": "Investment", "id": seeded.lot_id},
        {"__typename": "Customer", "id": seeded.customer_id},
    ]
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["_entities", 1], "BAD_USER_INPUT")
    ]


@pytest.mark.parametrize("representations", ["{}", "-1", '{__typename: "Portfolio"}'])
async def test_representations_that_are_no_list_are_bad_user_input(api, representations):
    body = await api.gql(f"{{ _entities(representations: {representations}) {{ __typename }} }}")
    assert body["data"] == {"_entities": [None]}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
