"""Hostile decimals through the GraphQL API: every Decimal input of every mutation (recordActivity's
and correctActivity's amounts, rates, split ratios and lot quantities included).

A value outside kit.core.money's client bounds (1E-1000100, 29 digits, NaN, unicode digits, 100 000
digits, ...) is refused by the Decimal scalar with BAD_USER_INPUT before any resolver runs; a value
inside them but outside the domain's bounds gets an INVALID userError on its field. Either way
nothing is written, the answer shows no internals, and the service keeps answering.
"""

from __future__ import annotations

import copy
import json
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kit_testing import HOSTILE_DECIMALS, INTERNALS, refusal_codes

ADD_INVESTMENT = """
mutation AddInvestment($input: AddInvestmentInput!) {
  addInvestment(input: $input) { investment { id quantity } userErrors { field message code } }
}"""

SELL_INVESTMENT = """
mutation SellInvestment($input: SellInvestmentInput!) {
  sellInvestment(input: $input) { realizedGain { amount } userErrors { field message code } }
}"""

UPDATE_INVESTMENT = """
mutation UpdateInvestment($input: UpdateInvestmentInput!) {
  updateInvestment(input: $input) {
    investment { id quantity }
    userErrors { field message code }
  }
}"""

RECORD_ACTIVITY = """
mutation RecordActivity($input: RecordActivityInput!) {
  recordActivity(input: $input) { activity { id } userErrors { field message code } }
}"""

CORRECT_ACTIVITY = """
mutation CorrectActivity($input: CorrectActivityInput!) {
  correctActivity(input: $input) { activity { id } userErrors { field message code } }
}"""

_MONEY_AND_RATE = [("price", "amount"), ("fees", "amount"), ("fxRate",), ("quantity",)]
# Every Decimal of every mutation's input, as a path into the input object (an int: a list index).
DECIMAL_FIELDS: dict[str, list[tuple[str | int, ...]]] = {
    "addInvestment": [("quantity",), ("purchasePrice", "amount"), ("fees", "amount"), ("fxRate",)],
    "sellInvestment": [("quantity",), ("price", "amount"), ("fees", "amount"), ("fxRate",)],
    "updateInvestment": [("quantity",), ("purchasePrice", "amount"), ("fees", "amount"), ("fxRate",)],
    "recordActivity": [
        *_MONEY_AND_RATE,
        ("amount", "amount"),
        ("splitRatio", "from"),
        ("splitRatio", "to"),
        ("lots", 0, "quantity"),
    ],
    "correctActivity": [
        *_MONEY_AND_RATE,
        ("amount", "amount"),
        ("splitRatio", "from"),
        ("splitRatio", "to"),
        ("lots", 0, "quantity"),
    ],
}
DOCUMENTS = {
    "addInvestment": ADD_INVESTMENT,
    "sellInvestment": SELL_INVESTMENT,
    "updateInvestment": UPDATE_INVESTMENT,
    "recordActivity": RECORD_ACTIVITY,
    "correctActivity": CORRECT_ACTIVITY,
}


def _with(values: dict[str, Any], path: tuple[str | int, ...], value: object) -> dict[str, Any]:
    result = copy.deepcopy(values)
    target: Any = result
    for key in path[:-1]:
        target = target[key] if isinstance(key, int) else target.setdefault(key, {"currencyCode": "USD"})
    target[path[-1]] = value
    return result


@pytest.fixture(scope="module")
async def book(api):
    """A EUR portfolio holding one USD lot: every Decimal field (fxRate too) is meaningful."""
    customer = await api.register_customer()
    portfolio = await api.create_portfolio(customer, baseCurrency="EUR")
    lot = await api.add_investment(portfolio["id"], fxRate="0.9")
    return {"portfolio": portfolio["id"], "lot": lot["id"]}


def _inputs(book: dict[str, str]) -> dict[str, dict[str, Any]]:
    trade = {
        "portfolioId": book["portfolio"],
        "symbol": "AAPL",
        "quantity": "1",
        "fees": {"amount": "1", "currencyCode": "USD"},
        "fxRate": "0.9",
    }
    return {
        "addInvestment": {
            **trade,
            "purchasePrice": {"amount": "100", "currencyCode": "USD"},
            "purchasedAt": "2024-05-01",
        },
        "sellInvestment": {
            **trade,
            "price": {"amount": "100", "currencyCode": "USD"},
            "soldAt": "2024-06-03",
        },
        "updateInvestment": {"id": book["lot"], "quantity": "2"},
        # Every Decimal field at once: the scalar refuses a hostile one before any rule is asked.
        "recordActivity": {
            **trade,
            "type": "SELL",
            "occurredAt": "2024-06-03",
            "price": {"amount": "100", "currencyCode": "USD"},
            "amount": {"amount": "1", "currencyCode": "USD"},
            "splitRatio": {"from": "1", "to": "2"},
            "lots": [{"investmentId": book["lot"], "quantity": "1"}],
        },
        "correctActivity": {
            "activityId": book["lot"],
            "quantity": "2",
            "price": {"amount": "100", "currencyCode": "USD"},
            "amount": {"amount": "1", "currencyCode": "USD"},
            "fees": {"amount": "1", "currencyCode": "USD"},
            "fxRate": "0.9",
            "splitRatio": {"from": "1", "to": "2"},
            "lots": [{"investmentId": book["lot"], "quantity": "1"}],
        },
    }


async def test_every_decimal_input_refuses_every_hostile_value_and_writes_nothing(api, book):
    before_items = await api.snapshot()
    before_state = await api.state(book["portfolio"])
    tried, slowest = 0, 0.0
    for mutation, paths in DECIMAL_FIELDS.items():
        base = _inputs(book)[mutation]
        for path in paths:
            for name, value in HOSTILE_DECIMALS.items():
                started = time.perf_counter()
                body = await api.gql(DOCUMENTS[mutation], {"input": _with(base, path, value)})
                slowest = max(slowest, time.perf_counter() - started)
                tried += 1
                where = f"{mutation} {'.'.join(map(str, path))} = {name}"
                assert refusal_codes(body) == ["BAD_USER_INPUT"], where
                assert body.get("data") is None, where
                assert "$input" in body["errors"][0]["message"], where
    assert tried == (12 + 8 + 8) * len(HOSTILE_DECIMALS)
    assert slowest < 1.0  # refused before any arithmetic, whatever the size
    assert await api.snapshot() == before_items
    assert await api.state(book["portfolio"]) == before_state


@pytest.mark.parametrize(
    "literal",
    [
        "1E-1000100",
        "1e+1000100",
        '"1E-999999999"',
        "1" * 29,
        '"-0"',
        '" 1"',
        '"\u0661\u0662"',
        pytest.param("1" * 100_000, id="100000-digits"),
    ],
)
async def test_a_hostile_decimal_literal_in_the_document_is_bad_user_input(api, book, literal):
    document = f"""mutation {{ addInvestment(input: {{
        portfolioId: "{book["portfolio"]}", symbol: "AAPL", quantity: {literal},
        purchasePrice: {{ amount: "100", currencyCode: "USD" }}, purchasedAt: "2024-05-01", fxRate: "0.9"
    }}) {{ investment {{ id }} userErrors {{ code }} }} }}"""
    before = await api.count_items()
    body = await api.gql(document)
    assert refusal_codes(body) == ["BAD_USER_INPUT"]
    assert body.get("data") is None
    assert await api.count_items() == before


async def test_a_json_number_of_100000_digits_is_refused_without_a_server_error(api, book):
    """JSON itself cannot read it (Python refuses integers of more than 4300 digits)."""
    values = _inputs(book)["addInvestment"]
    raw = json.dumps({"query": ADD_INVESTMENT, "variables": {"input": {**values, "quantity": 0}}})
    raw = raw.replace('"quantity": 0', '"quantity": ' + "1" * 100_000)
    before = await api.count_items()
    response = await api.http.post("/graphql", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert INTERNALS.search(response.text) is None, response.text
    assert await api.count_items() == before


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("quantity", "999999999999999999", ["input", "quantity"]),  # parses; above MAX_QUANTITY
        ("quantity", "0.000000000000000001", ["input", "quantity"]),  # parses; more than 8 places
        ("quantity", "0", ["input", "quantity"]),
        ("quantity", "-1", ["input", "quantity"]),
        ("fxRate", "0.000000000000000001", ["input", "fxRate"]),  # more than 15 places
        ("fxRate", "999999999999999999", ["input", "fxRate"]),
    ],
)
async def test_a_parsable_decimal_outside_the_domain_bounds_is_an_invalid_user_error(
    api, book, field, value, path
):
    before = await api.count_items()
    payload = await api.add_investment_payload(book["portfolio"], **({"fxRate": "0.9"} | {field: value}))
    assert payload["investment"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(path, "INVALID")]
    assert await api.count_items() == before


@pytest.mark.parametrize("amount", ["999999999999999999", "0.00000000001", "-5"])
async def test_a_parsable_price_outside_the_domain_bounds_is_an_invalid_user_error(api, book, amount):
    before = await api.count_items()
    payload = await api.add_investment_payload(
        book["portfolio"], purchasePrice={"amount": amount, "currencyCode": "USD"}, fxRate="0.9"
    )
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["input", "purchasePrice", "amount"], "INVALID")
    ]
    assert await api.count_items() == before


# Digits, Arabic-Indic digits, points, exponents: mostly near-numbers, the cases that slip through.
NUMBERISH = st.from_regex("\\A-?[0-9\u0661\u0662]{0,30}(\\.[0-9]{0,25})?([eE][-+]?[0-9]{1,9})?\\Z")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(quantity=st.one_of(NUMBERISH, st.text(max_size=40)))
async def test_any_quantity_text_is_recorded_or_refused_as_bad_input_or_invalid(api, book, quantity):
    body = await api.gql(ADD_INVESTMENT, {"input": {**_inputs(book)["addInvestment"], "quantity": quantity}})
    codes = refusal_codes(body)
    if codes:
        assert codes == ["BAD_USER_INPUT"]
        return
    payload = body["data"]["addInvestment"]
    if payload["investment"] is None:
        assert {e["code"] for e in payload["userErrors"]} == {"INVALID"}
        assert {tuple(e["field"]) for e in payload["userErrors"]} == {("input", "quantity")}
    else:
        assert payload["userErrors"] == []


async def test_the_service_still_answers_after_the_hostile_inputs(api, book):
    state = await api.state(book["portfolio"])
    assert state["id"] == book["portfolio"]
    health = await api.http.get("/health")
    assert health.status_code == 200
