"""Every kept contract operation refuses bad input through the router: a user error that writes
nothing, a standard GraphQL error for a malformed document, BAD_USER_INPUT for a JSON float."""

from __future__ import annotations

import pytest
from devstack.client import operation

from .contract_book import money

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("operation", "make_input", "field", "code"),
    [
        (
            "AddInvestment",
            lambda b: {
                "portfolioId": b["portfolio"],
                "symbol": "AAPL",
                "quantity": "0",
                "purchasePrice": money("1"),
                "purchasedAt": "2024-01-01",
            },
            ["input", "quantity"],
            "INVALID",
        ),
        (
            "AddInvestment",
            lambda b: {
                "portfolioId": b["portfolio"],
                "symbol": "AAPL",
                "quantity": "-3",
                "purchasePrice": money("1"),
                "purchasedAt": "2024-01-01",
            },
            ["input", "quantity"],
            "INVALID",
        ),
        (
            "AddInvestment",
            lambda b: {
                "portfolioId": "01HZZZZZZZZZZZZZZZZZZZZZZZ",
                "symbol": "AAPL",
                "quantity": "1",
                "purchasePrice": money("1"),
                "purchasedAt": "2024-01-01",
            },
            ["input", "portfolioId"],
            "NOT_FOUND",
        ),
        (
            "CreatePortfolio",
            lambda b: {
                "customerId": "01HZZZZZZZZZZZZZZZZZZZZZZZ",
                "name": "x",
                "kind": "IRA",
                "baseCurrency": "USD",
            },
            ["input", "customerId"],
            "NOT_FOUND",
        ),
        (
            "CreatePortfolio",
            lambda b: {"customerId": b["customer"], "name": "x", "kind": "IRA", "baseCurrency": "XYZ"},
            ["input", "baseCurrency"],
            "INVALID",
        ),
        (
            "SetManualPrice",
            lambda b: {"symbol": "AAPL", "price": money("-1")},
            ["input", "price", "amount"],
            "INVALID",
        ),
        (
            "RegisterCustomer",
            lambda b: {"email": "e2e.tester@example.com", "name": "Dup"},
            ["input", "email"],
            "EMAIL_TAKEN",
        ),
    ],
)
def test_bad_input_gets_a_user_error_and_writes_nothing(
    router, book, operation, make_input, field, code
) -> None:
    before = router.run("Dashboard", {"customerId": book["customer"]})
    data = router.run(operation, {"input": make_input(book)})
    payload = next(iter(data.values()))
    assert payload["userErrors"], payload
    assert any(e["field"][: len(field)] == field and e["code"] == code for e in payload["userErrors"]), (
        payload
    )
    after = router.run("Dashboard", {"customerId": book["customer"]})
    assert [p["id"] for p in after["customer"]["portfolios"]] == [
        p["id"] for p in before["customer"]["portfolios"]
    ]
    assert after["customer"]["portfolios"][0]["positions"] == before["customer"]["portfolios"][0]["positions"]


def test_malformed_documents_get_standard_graphql_errors(router) -> None:
    syntax = router.raw("query { customer(id: ")
    assert syntax["errors"] and "Syntax Error" in syntax["errors"][0]["message"]
    unknown = router.raw('query { customer(id: "x") { noSuchField } }')
    assert unknown["errors"] and "noSuchField" in unknown["errors"][0]["message"]
    wrong_type = router.raw("query($q: Decimal!) { instrument(symbol: $q) { symbol } }", {"q": "1"})
    assert wrong_type["errors"]


def test_money_as_a_json_float_is_refused_with_bad_user_input(router, book) -> None:
    lot = {
        "portfolioId": book["portfolio"],
        "symbol": "AAPL",
        "quantity": 1.5,
        "purchasePrice": money("100"),
        "purchasedAt": "2024-01-01",
    }
    body = router.raw(operation("AddInvestment"), {"input": lot})
    # The router refuses it before planning: JSON.parse has already made the number a double.
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"] == (
        'Variable "$input" at "input.quantity": a Decimal is a JSON string such as "12.50", not a number.'
    )
    assert "Traceback" not in str(body)
