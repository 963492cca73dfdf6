"""Variables at the router (router/src/plugins/variable-values.ts), and the codes of its own errors.

- Every error the router produces itself carries extensions.code: a document that does not parse
  GRAPHQL_PARSE_FAILED, one that does not validate GRAPHQL_VALIDATION_FAILED, variables that do not
  coerce to their definitions BAD_USER_INPUT. Coercion failures are refused before the cost
  estimate, planning or any subgraph call, with HTTP 400 (200 for an `application/json` client).
- A Decimal variable is a JSON string. JSON.parse has turned a number into a double before any
  code sees it (1E+1000100 into Infinity, 1E-1000100 into 0, 12345678901234567890 into
  12345678901234567000), so a number, boolean, list or object at a Decimal position, at any depth
  of any input, is refused with its path. A literal in the document reaches the subgraph as written.

Generated cases: arbitrary JSON at every Decimal position of every mutation's input (found from the
schema), and arbitrary wrong-typed variables for every root field, whose refusal must be exactly
what GraphQL's coercion (graphql-core, independently of graphql-js) and the Decimal rule say.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from devstack import toolchain, trusted_documents
from devstack.schema_gate import api_schema_sdl
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    Node,
    ObjectFieldNode,
    OperationDefinitionNode,
    build_ast_schema,
    get_named_type,
    is_required_input_field,
    parse,
)
from graphql.execution.values import get_variable_values
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

if TYPE_CHECKING:
    from conftest import Gateway, Issuer, StubSubgraph

GRAPHQL_RESPONSE = "application/graphql-response+json"
SCHEMA: GraphQLSchema = build_ast_schema(
    parse(api_schema_sdl((toolchain.SCHEMA_DIR / "supergraph.graphql").read_text()))
)
DECIMAL_MESSAGE = 'a Decimal is a JSON string such as "12.50", not '
GENERATED = settings(
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# -- helpers -------------------------------------------------------------------------------------------
def send(
    gateway: Gateway,
    token: str,
    body: dict[str, Any] | bytes,
    accept: str = GRAPHQL_RESPONSE,
) -> httpx.Response:
    """`body` as JSON, or bytes written as they are (numbers no JSON encoder writes)."""
    headers = {"Authorization": f"Bearer {token}", "Accept": accept, "Content-Type": "application/json"}
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(gateway.url, headers=headers, content=content, timeout=15.0)


def codes(response: httpx.Response) -> list[Any]:
    return [(error.get("extensions") or {}).get("code") for error in response.json().get("errors") or []]


def assert_refused(
    response: httpx.Response, code: str, status: int = 400, count: int | None = None
) -> list[str]:
    """A refusal: every error with `code`, the status, no data; the messages."""
    body = response.json()
    assert response.status_code == status, (response.status_code, body)
    assert "data" not in body or body["data"] is None, body
    errors = body["errors"]
    assert errors and all((error.get("extensions") or {}).get("code") == code for error in errors), body
    if count is not None:
        assert len(errors) == count, body
    return [error["message"] for error in errors]


@pytest.fixture
def token(issuer: Issuer) -> str:
    """A fresh subject each test: the accepted mutations never meet the rate limit."""
    return issuer.token()


@pytest.fixture
def quiet(stub: StubSubgraph) -> Iterator[None]:
    """The test's requests reach no subgraph at all."""
    before = len(stub.requests)
    yield
    assert stub.seen_since(before) == []


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
    development: Gateway, issuer: Issuer, quiet: None
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


# -- number literals in the document ------------------------------------------------------------------
def add_with(quantity: str, amount: str = '"1"') -> str:
    return (
        f'mutation {{ addInvestment(input: {{portfolioId: "p", symbol: "A", quantity: {quantity}, '
        f'purchasePrice: {{amount: {amount}, currencyCode: "USD"}}, purchasedAt: "2024-01-02"}}) '
        "{ __typename } }"
    )


def forwarded_literal(query: str, name: str) -> str:
    """The text of the first `name: <number>` argument field in the document a subgraph received."""
    found: list[str] = []

    def visit(node: Any) -> None:
        if isinstance(node, ObjectFieldNode) and node.name.value == name and hasattr(node.value, "value"):
            found.append(node.value.value)
        for key in getattr(node, "keys", ()):
            child = getattr(node, key, None)
            for item in child if isinstance(child, (list, tuple)) else [child]:
                if isinstance(item, Node):
                    visit(item)

    visit(parse(query))
    return found[0]


LITERALS_REFUSED = {
    # 64 bits is all the planner reads (it answered HTTP 500 "Failed to parse query").
    "Int beyond 64 bits at a Decimal": add_with("12345678901234567890"),
    "Int beyond 64 bits at an ID": "query { customer(id: 99999999999999999999) { id } }",
    # It carried these as `inf`, `0` and `0.1`.
    "Float beyond a double": add_with("1", "1E+1000100"),
    "Float below a double": add_with("1", "1E-1000100"),
    "Float with more digits than a double": add_with("0.10000000000000000000001"),
    "default beyond a double's integers": (
        "mutation($q: Decimal! = 9007199254740993) { setManualFxRate(input: "
        '{fromCurrency: "USD", toCurrency: "CHF", rate: $q}) { __typename } }'
    ),
}


@pytest.mark.parametrize("case", LITERALS_REFUSED)
def test_a_literal_the_planner_would_change_is_refused_at_validation(
    case: str, production_open: Gateway, token: str, quiet: None
) -> None:
    (message,) = assert_refused(
        send(production_open, token, {"query": LITERALS_REFUSED[case]}), "GRAPHQL_VALIDATION_FAILED"
    )
    assert "as a string" in message, message


@pytest.mark.parametrize(
    ("quantity", "amount"),
    [("10", "0.1"), ("9223372036854775807", "1e2"), ("-0", "1.5e-300"), ("0.000001", "12.50")],
)
def test_literals_reach_the_subgraph_with_their_value(
    quantity: str, amount: str, production_open: Gateway, token: str, stub: StubSubgraph
) -> None:
    before = len(stub.requests)
    send(production_open, token, {"query": add_with(quantity, amount)})
    (forwarded,) = stub.seen_since(before)
    assert Decimal(forwarded_literal(forwarded["query"], "quantity")) == Decimal(quantity)
    assert Decimal(forwarded_literal(forwarded["query"], "amount")) == Decimal(amount)


def carried_as_written(text: str) -> bool:
    """Independently of the router: a 64-bit Int, or a Float whose nearest double is its value."""
    if re.fullmatch(r"-?\d+", text):
        return -(2**63) <= int(text) < 2**63
    double = float(text)
    return math.isfinite(double) and Decimal(repr(double)) == Decimal(text)


@settings(GENERATED)
@given(
    number=st.one_of(
        st.decimals(allow_nan=False, allow_infinity=False).map(str),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.floats(allow_nan=False, allow_infinity=False).map(repr),
    )
)
def test_generated_decimal_literals_are_carried_exactly_or_refused(
    production_open: Gateway, issuer: Issuer, stub: StubSubgraph, number: str
) -> None:
    before = len(stub.requests)
    response = send(production_open, issuer.token(), {"query": add_with(number)})
    if carried_as_written(number):
        (forwarded,) = stub.seen_since(before)
        assert Decimal(forwarded_literal(forwarded["query"], "quantity")) == Decimal(number)
    else:
        assert_refused(response, "GRAPHQL_VALIDATION_FAILED", count=1)
        assert stub.seen_since(before) == []


# -- generated: arbitrary JSON at every Decimal position of every mutation's input ----------------------
DECIMAL = "Decimal"


def decimal_positions(
    type_: GraphQLInputType, path: tuple[str | int, ...] = (), depth: int = 0
) -> Iterator[tuple[tuple[str | int, ...], bool]]:
    """(path, nullable) of every Decimal inside `type_`, lists at index 0, input objects to depth 4."""
    nullable = not isinstance(type_, GraphQLNonNull)
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if isinstance(inner, GraphQLList):
        yield from decimal_positions(inner.of_type, (*path, 0), depth + 1)
    elif isinstance(inner, GraphQLInputObjectType) and depth < 4:
        for name, field in inner.fields.items():
            yield from decimal_positions(field.type, (*path, name), depth + 1)
    elif isinstance(inner, GraphQLScalarType) and inner.name == DECIMAL:
        yield path, nullable


def root_fields(schema: GraphQLSchema) -> list[tuple[str, str, GraphQLField]]:
    roots = [("query", schema.query_type), ("mutation", schema.mutation_type)]
    return [
        (kind, name, field) for kind, root in roots if root for name, field in sorted(root.fields.items())
    ]


def document_for(kind: str, name: str, field: GraphQLField) -> str:
    """The root field with every argument a variable, selecting __typename."""
    declarations = ", ".join(f"${arg}: {definition.type}" for arg, definition in field.args.items())
    arguments = ", ".join(f"{arg}: ${arg}" for arg in field.args)
    head = f"{kind}({declarations})" if declarations else kind
    return (
        f"{head} {{ {name}({arguments}) {{ __typename }} }}"
        if arguments
        else f"{head} {{ {name} {{ __typename }} }}"
    )


MUTATION_DECIMALS = [
    (name, field, (arg, *path), nullable)
    for kind, name, field in root_fields(SCHEMA)
    if kind == "mutation"
    for arg, definition in field.args.items()
    for path, nullable in decimal_positions(definition.type)
]


def test_every_mutation_with_a_decimal_input_is_covered() -> None:
    """The positions are found from the schema: at least the lots, sales, prices and FX rates."""
    found = {name for name, *_ in MUTATION_DECIMALS}
    assert {
        "addInvestment",
        "sellInvestment",
        "setManualPrice",
        "setManualFxRate",
        "updateInvestment",
    } <= found
    assert len(MUTATION_DECIMALS) >= 10, MUTATION_DECIMALS


def placed(value: Any, path: tuple[str | int, ...], new: Any) -> Any:
    copy = json.loads(json.dumps(value))
    holder = copy
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = new
    return copy


def printed(path: tuple[str | int, ...]) -> str:
    text = str(path[0])
    for key in path[1:]:
        text += f"[{key}]" if isinstance(key, int) else f".{key}"
    return text


# JSON values as JSON readers produce them: no NaN or infinities; floats with a fraction (a float
# such as 3.0 is written "3.0" by Python and read back as the integer 3 by JavaScript).
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=False, allow_infinity=False).filter(lambda number: not number.is_integer())
    | st.text(max_size=12)
)
ANY_JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
DECIMAL_TEXT = st.decimals(allow_nan=False, allow_infinity=False).map(str)


@settings(GENERATED)
@given(
    position=st.sampled_from(MUTATION_DECIMALS),
    value=st.one_of(ANY_JSON, DECIMAL_TEXT, st.integers(min_value=-(10**30), max_value=10**30)),
)
def test_generated_values_at_decimal_positions(
    production_open: Gateway, issuer: Issuer, stub: StubSubgraph, examples: Any, position: Any, value: Any
) -> None:
    name, field, (arg, *path), nullable = position
    variables = {name_: examples.value(definition.type) for name_, definition in field.args.items()}
    variables[arg] = placed(variables[arg], tuple(path), value) if path else value
    before = len(stub.requests)
    response = send(
        production_open,
        issuer.token(),
        {"query": document_for("mutation", name, field), "variables": variables},
    )
    where = printed((arg, *path))
    if isinstance(value, str) or (value is None and nullable):
        # Not the router's to refuse: the request reaches the subgraph.
        assert "BAD_USER_INPUT" not in codes(response), response.json()
        assert len(stub.seen_since(before)) == 1
    elif value is None:
        (message,) = assert_refused(response, "BAD_USER_INPUT")
        assert "must not be null" in message or "not to be null" in message, message
        assert stub.seen_since(before) == []
    else:
        (message,) = assert_refused(response, "BAD_USER_INPUT", count=1)
        expected_where = "" if where == arg else f' at "{where}"'
        assert message.startswith(f'Variable "${arg}"{expected_where}: {DECIMAL_MESSAGE}'), message
        assert stub.seen_since(before) == []


# -- generated: arbitrary wrong-typed variables for every root field -----------------------------------
# Values GraphQL's coercion accepts for each built-in scalar; a custom scalar (Decimal, Date, ...)
# takes any string at the router (the subgraphs judge the format).
VALID_SCALARS: dict[str, st.SearchStrategy[Any]] = {
    "Int": st.integers(min_value=-(2**31), max_value=2**31 - 1),
    "Float": st.floats(allow_nan=False, allow_infinity=False).filter(lambda number: not number.is_integer()),
    "Boolean": st.booleans(),
    "ID": st.text(max_size=12) | st.integers(min_value=-(2**53), max_value=2**53),
}


def json_for(type_: GraphQLInputType, depth: int = 0) -> st.SearchStrategy[Any]:
    """Mostly shaped like the type, with arbitrary JSON at any position now and then."""
    if isinstance(type_, GraphQLNonNull):
        return json_for(type_.of_type, depth)
    if depth > 4:
        return ANY_JSON
    if isinstance(type_, GraphQLList):
        shaped: st.SearchStrategy[Any] = st.lists(json_for(type_.of_type, depth + 1), max_size=3) | json_for(
            type_.of_type, depth + 1
        )
    elif isinstance(type_, GraphQLInputObjectType):
        fields = {name: json_for(field.type, depth + 1) for name, field in type_.fields.items()}
        required = {
            name: fields[name] for name, field in type_.fields.items() if is_required_input_field(field)
        }
        optional = {name: fields[name] for name in fields if name not in required}
        shaped = st.fixed_dictionaries(required, optional=optional)
    elif isinstance(type_, GraphQLEnumType):
        shaped = st.sampled_from([*type_.values, "not_a_value", ""])
    else:
        assert isinstance(type_, GraphQLScalarType)
        valid = VALID_SCALARS.get(type_.name, st.text(max_size=12))
        shaped = st.one_of(valid, valid, valid, SCALARS)
    # One in five values anywhere is arbitrary JSON: most requests carry one wrong value or two.
    return st.one_of(shaped, shaped, shaped, shaped, ANY_JSON)


def expected_refusal(
    operation: OperationDefinitionNode, field: GraphQLField, variables: dict[str, Any]
) -> bool:
    """What GraphQL's coercion (graphql-core) and the Decimal rule say of these variables."""
    coerced = get_variable_values(SCHEMA, operation.variable_definitions, variables)
    if isinstance(coerced, list):
        return True
    return any(
        not_a_decimal_string(definition.type, variables.get(arg))
        for arg, definition in field.args.items()
        if arg in variables
    )


def not_a_decimal_string(type_: GraphQLInputType, value: Any) -> bool:
    if value is None:
        return False
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if isinstance(inner, GraphQLList):
        items = value if isinstance(value, list) else [value]
        return any(not_a_decimal_string(inner.of_type, item) for item in items)
    if isinstance(inner, GraphQLInputObjectType):
        return isinstance(value, dict) and any(
            not_a_decimal_string(inner.fields[key].type, item)
            for key, item in value.items()
            if key in inner.fields
        )
    return get_named_type(inner).name == DECIMAL and not isinstance(value, str)


ROOT_FIELDS = [entry for entry in root_fields(SCHEMA) if entry[2].args]


@st.composite
def operations(draw: st.DrawFn) -> tuple[str, GraphQLField, dict[str, Any]]:
    kind, name, field = draw(st.sampled_from(ROOT_FIELDS))
    variables = {}
    for arg, definition in field.args.items():
        if draw(st.integers(0, 9)) > 0:  # now and then a variable is left out
            variables[arg] = draw(json_for(definition.type))
    return document_for(kind, name, field), field, variables


@settings(GENERATED, max_examples=150)
@given(operation=operations())
def test_generated_wrong_typed_variables_get_coded_errors(
    production_open: Gateway, issuer: Issuer, stub: StubSubgraph, operation: Any
) -> None:
    document, field, variables = operation
    (definition,) = parse(document).definitions
    assert isinstance(definition, OperationDefinitionNode)
    before = len(stub.requests)
    response = send(production_open, issuer.token(), {"query": document, "variables": variables})
    found = codes(response)
    assert all(found), response.json()  # every error, refused or not, has its code
    assert response.status_code < 500, response.text
    refused = expected_refusal(definition, field, variables)
    event("refused" if refused else "passed on")
    if refused:
        assert_refused(response, "BAD_USER_INPUT")
        assert stub.seen_since(before) == []
    else:
        assert "BAD_USER_INPUT" not in found, (variables, response.json())
