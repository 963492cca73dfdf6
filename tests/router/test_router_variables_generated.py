"""Generated variables at the router: arbitrary JSON at every Decimal position of every mutation's
input (found from the schema), and arbitrary wrong-typed variables for every root field, whose refusal
must be exactly what GraphQL's coercion (graphql-core, independently of graphql-js) and the Decimal
rule say (router/src/plugins/variable-values.ts)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    get_named_type,
    is_required_input_field,
    parse,
)
from graphql.execution.values import get_variable_values
from hypothesis import event, given, settings
from hypothesis import strategies as st
from kit_testing import TestIssuer

from .examples import API_SCHEMA, example_value
from .gateway import Gateway
from .stub import StubSubgraph
from .variable_checks import DECIMAL_MESSAGE, GENERATED, assert_refused, codes, send

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
    for kind, name, field in root_fields(API_SCHEMA)
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
    production_open: Gateway, issuer: TestIssuer, stub: StubSubgraph, position: Any, value: Any
) -> None:
    name, field, (arg, *path), nullable = position
    variables = {name_: example_value(definition.type) for name_, definition in field.args.items()}
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
    coerced = get_variable_values(API_SCHEMA, operation.variable_definitions, variables)
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


ROOT_FIELDS = [entry for entry in root_fields(API_SCHEMA) if entry[2].args]


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
    production_open: Gateway, issuer: TestIssuer, stub: StubSubgraph, operation: Any
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
