"""Variables at the router (router/src/plugins/variable-values.ts), and the codes of its own errors.

- Every error the router produces itself carries extensions.code: a document that does not parse
  GRAPHQL_PARSE_FAILED, one that does not validate GRAPHQL_VALIDATION_FAILED, variables that do not
  coerce to their definitions BAD_USER_INPUT. Coercion failures are refused before the cost
  estimate, planning or any subgraph call, with HTTP 400 (200 for an `application/json` client).
- A Decimal variable is a JSON string. JSON.parse has turned a number into a double before any
  code sees it (1E+1000100 into Infinity, 1E-1000100 into 0, 12345678901234567890 into
  12345678901234567000), so a number, boolean, list or object at a Decimal position, at any depth
  of any input, is refused with its path.

Literals in the document: test_router_literals.py; generated cases: test_router_variables_generated.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from devstack import toolchain, trusted_documents
from kit_testing import TestIssuer

from .gateway import Gateway
from .stub import StubSubgraph
from .variable_checks import DECIMAL_MESSAGE, assert_refused, codes, send

# -- explicit cases: coercion ---------------------------------------------------------------------------
ADD = "mutation($input: AddInvestmentInput!) { addInvestment(input: $input) { __typename } }"
VALID_ADD: dict[str, Any] = {
    "portfolioId": "p-1",
    "symbol": "AAPL",
    "quantity": "10",
    "purchasePrice": {"amount": "187.25", "currencyCode": "USD"},
    "purchasedAt": "2024-01-02",
}
CUSTOMER = "query($id: ID!) { customer(id: $id) { id } }"
PAGE = "query($n: Int!) { customers(first: $n) { edges { node { id } } } }"
KIND = (
    "mutation($kind: PortfolioKind!) { createPortfolio(input: "
    '{customerId: "c", name: "n", kind: $kind, baseCurrency: "USD"}) { __typename } }'
)

COERCION_CASES: dict[str, tuple[str, dict[str, Any], str]] = {
    "null for ID!": (CUSTOMER, {"id": None}, 'Variable "$id" of non-null type "ID!" must not be null.'),
    "missing ID!": (CUSTOMER, {}, 'Variable "$id" of required type "ID!" was not provided.'),
    "list for an input object": (ADD, {"input": {**VALID_ADD, "fees": []}}, 'at "input.fees"'),
    "string for an input object": (ADD, {"input": {**VALID_ADD, "fees": "x"}}, 'at "input.fees"'),
    "number for an input object": (ADD, {"input": {**VALID_ADD, "fees": 1}}, 'at "input.fees"'),
    "unknown input field": (ADD, {"input": {**VALID_ADD, "price": "1"}}, 'Field "price" is not defined'),
    "Int of 2^31": (PAGE, {"n": 2**31}, "non 32-bit signed integer"),
    "Int as a string": (PAGE, {"n": "1"}, "Int cannot represent non-integer value"),
    "Int of 1.5": (PAGE, {"n": 1.5}, "Int cannot represent non-integer value"),
    "Int as a boolean": (PAGE, {"n": True}, "Int cannot represent non-integer value"),
    "unknown enum value": (KIND, {"kind": "NOT_A_KIND"}, 'Value "NOT_A_KIND" does not exist'),
    "lower-case enum value": (KIND, {"kind": "brokerage"}, 'Value "brokerage" does not exist'),
    "enum as a number": (KIND, {"kind": 0}, "cannot represent non-string value"),
}


@pytest.mark.parametrize("case", COERCION_CASES)
def test_a_variable_that_does_not_coerce_is_bad_user_input_before_any_subgraph_call(
    case: str, production_open: Gateway, token: str, quiet: None
) -> None:
    document, variables, message = COERCION_CASES[case]
    (text,) = assert_refused(
        send(production_open, token, {"query": document, "variables": variables}), "BAD_USER_INPUT", count=1
    )
    assert message in text
    assert "Did you mean" not in text  # production hides suggestions (enum values too)


def test_an_application_json_client_gets_200_for_the_same_refusal(
    production_open: Gateway, token: str, quiet: None
) -> None:
    """GraphQL over HTTP: 200 for every well-formed request in `application/json`, 400 in its own type."""
    body = {"query": CUSTOMER, "variables": {"id": None}}
    assert_refused(
        send(production_open, token, body, accept="application/json"), "BAD_USER_INPUT", status=200
    )
    assert_refused(send(production_open, token, body), "BAD_USER_INPUT", status=400)


def test_several_bad_variables_each_get_their_code(production_open: Gateway, token: str, quiet: None) -> None:
    document = (
        "query($id: ID!, $n: Int!, $symbol: String!) { customer(id: $id) { id } "
        "customers(first: $n) { edges { node { id } } } instrument(symbol: $symbol) { symbol } }"
    )
    messages = assert_refused(
        send(production_open, token, {"query": document, "variables": {"id": None, "n": "3", "symbol": 7}}),
        "BAD_USER_INPUT",
        count=3,
    )
    assert ["$id" in messages[0], "$n" in messages[1], "$symbol" in messages[2]] == [True] * 3, messages


def test_bad_values_and_decimal_numbers_in_one_input_are_each_reported(
    production_open: Gateway, token: str, quiet: None
) -> None:
    raw = json.dumps({"query": ADD, "variables": {"input": {**VALID_ADD, "quantity": "@q", "fees": []}}})
    raw = raw.replace('"@q"', "1E+1000100")
    messages = assert_refused(send(production_open, token, raw.encode()), "BAD_USER_INPUT", count=2)
    assert any('at "input.quantity": ' + DECIMAL_MESSAGE + "a number." in text for text in messages), messages
    assert any('at "input.fees"' in text and "MoneyInput" in text for text in messages), messages


def test_a_pile_of_bad_values_gets_a_bounded_answer(
    production_open: Gateway, token: str, quiet: None
) -> None:
    """100 unknown fields in one input: at most 20 errors come back, each coded."""
    junk = {f"field{index}": index for index in range(100)}
    response = send(production_open, token, {"query": ADD, "variables": {"input": {**VALID_ADD, **junk}}})
    messages = assert_refused(response, "BAD_USER_INPUT")
    assert len(messages) == 20, messages


def test_variables_are_checked_before_the_cost_estimate(
    development: Gateway, issuer: TestIssuer, quiet: None
) -> None:
    """The development gateway's cost limit is 5: a wrong `first` is a coercion error, not a cost."""
    response = send(development, issuer.token(), {"query": PAGE, "variables": {"n": 10**12}})
    assert_refused(response, "BAD_USER_INPUT")


# -- explicit cases: the codes that were already there stay --------------------------------------------
def test_a_document_that_does_not_parse_is_graphql_parse_failed(
    production_open: Gateway, token: str, quiet: None
) -> None:
    assert_refused(
        send(production_open, token, {"query": "query { customer(id: 1) { id }"}), "GRAPHQL_PARSE_FAILED"
    )


def test_each_validation_error_is_graphql_validation_failed(
    production_open: Gateway, token: str, quiet: None
) -> None:
    response = send(production_open, token, {"query": "{ customer(idx: 1) { nope } }"})
    assert_refused(response, "GRAPHQL_VALIDATION_FAILED", count=3)


def test_a_subgraph_error_keeps_its_own_code(
    production_open: Gateway, token: str, stub: StubSubgraph
) -> None:
    """The stub serves no `customer`: its (uncoded) error comes back as the gateway labels subgraph
    errors, not as BAD_USER_INPUT."""
    response = send(production_open, token, {"query": CUSTOMER, "variables": {"id": "c-1"}})
    assert response.status_code == 200
    assert codes(response) == ["DOWNSTREAM_SERVICE_ERROR"], response.json()


# -- explicit cases: Decimal --------------------------------------------------------------------------
RAW_NUMBERS = ["1E+1000100", "1E-1000100", "12345678901234567890", "0.1", "10", "-0", "1e2"]
OTHER_JSON = {"true": "a boolean", "[]": "a list", '["1"]': "a list", "{}": "an object"}


def with_raw(document: str, variables: dict[str, Any], raw: str) -> bytes:
    """The body with the JSON text `raw` where the string "@raw" is."""
    return json.dumps({"query": document, "variables": variables}).replace('"@raw"', raw).encode()


@pytest.mark.parametrize("raw", RAW_NUMBERS)
@pytest.mark.parametrize(
    ("path", "input_value"),
    [
        ("input.quantity", {**VALID_ADD, "quantity": "@raw"}),
        (
            "input.purchasePrice.amount",
            {**VALID_ADD, "purchasePrice": {"amount": "@raw", "currencyCode": "USD"}},
        ),
        ("input.fees.amount", {**VALID_ADD, "fees": {"amount": "@raw", "currencyCode": "USD"}}),
        ("input.fxRate", {**VALID_ADD, "fxRate": "@raw"}),
    ],
)
def test_a_json_number_at_a_decimal_position_is_refused_with_its_path(
    raw: str, path: str, input_value: dict[str, Any], production_open: Gateway, token: str, quiet: None
) -> None:
    (message,) = assert_refused(
        send(production_open, token, with_raw(ADD, {"input": input_value}, raw)), "BAD_USER_INPUT", count=1
    )
    assert message == f'Variable "$input" at "{path}": {DECIMAL_MESSAGE}a number.'


@pytest.mark.parametrize("raw", OTHER_JSON)
def test_anything_else_but_a_string_at_a_decimal_position_is_refused(
    raw: str, production_open: Gateway, token: str, quiet: None
) -> None:
    body = with_raw(ADD, {"input": {**VALID_ADD, "quantity": "@raw"}}, raw)
    (message,) = assert_refused(send(production_open, token, body), "BAD_USER_INPUT", count=1)
    assert message == f'Variable "$input" at "input.quantity": {DECIMAL_MESSAGE}{OTHER_JSON[raw]}.'


def test_a_decimal_variable_of_its_own_is_named_without_a_path(
    production_open: Gateway, token: str, quiet: None
) -> None:
    document = (
        "mutation($rate: Decimal!) { setManualFxRate(input: "
        '{fromCurrency: "USD", toCurrency: "CHF", rate: $rate}) { __typename } }'
    )
    body = with_raw(document, {"rate": "@raw"}, "1E-1000100")
    (message,) = assert_refused(send(production_open, token, body), "BAD_USER_INPUT")
    assert message == f'Variable "$rate": {DECIMAL_MESSAGE}a number.'


def test_a_kept_operation_by_document_id_refuses_a_number_too(
    production: Gateway, token: str, quiet: None
) -> None:
    """The production profile, trusted documents only: the contract's AddInvestment."""
    text = (toolchain.SCHEMA_DIR / "operations" / "AddInvestment.graphql").read_text()
    body = json.dumps(
        {
            "documentId": trusted_documents.document_id(text),
            "variables": {"input": {**VALID_ADD, "quantity": "@raw"}},
        }
    ).replace('"@raw"', "12345678901234567890")
    (message,) = assert_refused(send(production, token, body.encode()), "BAD_USER_INPUT")
    assert 'at "input.quantity"' in message


def test_decimal_strings_reach_the_subgraph_as_written(
    production_open: Gateway, token: str, stub: StubSubgraph
) -> None:
    before = len(stub.requests)
    exact = "12345678901234567890.123456789"
    variables = {"input": {**VALID_ADD, "quantity": exact, "fees": {"amount": "1E-8", "currencyCode": "USD"}}}
    send(production_open, token, {"query": ADD, "variables": variables})
    (forwarded,) = stub.seen_since(before)
    assert forwarded["variables"]["input"]["quantity"] == exact
    assert forwarded["variables"]["input"]["fees"]["amount"] == "1E-8"
