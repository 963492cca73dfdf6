"""Generated GraphQL documents, variables and `_entities` representations for the hostile suite, from
the schemas: scalar values skewed to the extremes (extremes.py), mixed with ids that exist, and
strings that carry the GraphQL escapes the printer never writes by itself."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import graphql
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
)
from hypothesis import strategies as st

from .extremes import Extremes
from .suite import Target

# Stand-ins the printer leaves alone, turned into GraphQL escapes in the printed document.
ESCAPES = {"\ue000": "\\u{61}", "\ue001": "\\uD83D\\uDCB0", "\ue002": "\\u{1F4B0}"}

DATE_EXTREMES = [
    "",
    "2024-02-30",
    "2024-13-01",
    "9999-12-31",
    "0000-01-01",
    "-0001-01-01",
    "+275760-09-13",
    "\u0661\u0669\u0667\u0660-\u0660\u0661-\u0660\u0661",
    "2024-01-01T00:00:00Z",
    "x" * 5000,
    "2024-01-01\u0000",
    "\ud800",
]
DATETIME_EXTREMES = [*DATE_EXTREMES, "2024-01-01T25:00:00Z", "2024-01-01T00:00:00+99:00", "1e400"]


def printed(document: graphql.DocumentNode) -> str:
    text = graphql.print_ast(document)
    for stand_in, escape in ESCAPES.items():
        text = text.replace(stand_in, escape)
    return text


def decimals(extremes: Extremes) -> st.SearchStrategy[str]:
    ordinary = st.decimals(
        allow_nan=False, allow_infinity=False, places=4, min_value=-(10**6), max_value=10**6
    )
    return st.one_of(st.sampled_from(extremes.decimal + extremes.decimal_oddities), ordinary.map(str))


def strings(extremes: Extremes, known: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(known),
        st.sampled_from(extremes.string),
        st.text(max_size=12).map(lambda text: text + "\ue000" if text else "\ue001\ue002"),
        st.text(max_size=20),
    )


def dates() -> st.SearchStrategy[str]:
    return st.one_of(st.dates(min_value=date(1990, 1, 1)).map(date.isoformat), st.sampled_from(DATE_EXTREMES))


def datetimes() -> st.SearchStrategy[str]:
    ordinary = st.datetimes(min_value=datetime(1990, 1, 1)).map(lambda moment: moment.isoformat() + "Z")
    return st.one_of(ordinary, st.sampled_from(DATETIME_EXTREMES))


def scalar_values(
    extremes: Extremes, target: Target, demo_customer_id: str
) -> dict[str, st.SearchStrategy[Any]]:
    """Python values for each scalar by name, extremes and real ids mixed."""
    ids = [target.customer_id, target.portfolio_id, target.investment_id, demo_customer_id]
    words = ["AAPL", "ACME-PRIVATE", "USD", "EUR", "JPY", "US", "ada.investor@example.com", "+14155550123"]
    return {
        "Decimal": decimals(extremes),
        "Date": dates(),
        "DateTime": datetimes(),
        "String": strings(extremes, words),
        "ID": strings(extremes, ids),
        "Int": st.one_of(st.integers(-3, 120), st.sampled_from([2**31, -(2**31) - 1, 2**53 + 1, 0])),
        "Float": st.floats(allow_nan=False, allow_infinity=False),
        "Boolean": st.booleans(),
    }


def value_node(value: Any) -> graphql.ValueNode:
    """A GraphQL literal for a JSON-like value (for `_Any` and the custom scalars)."""
    if value is None:
        return graphql.NullValueNode()
    if isinstance(value, bool):
        return graphql.BooleanValueNode(value=value)
    if isinstance(value, int):
        return graphql.IntValueNode(value=str(value))
    if isinstance(value, float):
        return graphql.FloatValueNode(value=repr(value))
    if isinstance(value, str):
        return graphql.StringValueNode(value=value)
    if isinstance(value, list):
        return graphql.ListValueNode(values=tuple(value_node(item) for item in value))
    return graphql.ObjectValueNode(
        fields=tuple(
            graphql.ObjectFieldNode(name=graphql.NameNode(value=key), value=value_node(item))
            for key, item in value.items()
        )
    )


def custom_scalars(schema: GraphQLSchema, values: dict[str, st.SearchStrategy[Any]]) -> dict[str, Any]:
    strategies = {
        name: strategy.map(value_node) for name, strategy in values.items() if name in schema.type_map
    }
    if "_Any" in schema.type_map:
        strategies["_Any"] = representations(schema, values).map(value_node)
    return strategies


# -- representations for `_entities`, from the subgraph's own @key and @requires --------------------
def _directive_fields(node: Any, directive: str) -> list[str]:
    found = []
    for usage in getattr(node, "directives", None) or ():
        if usage.name.value == directive:
            for argument in usage.arguments:
                if argument.name.value == "fields":
                    found.append(argument.value.value)
    return found


def _selection_values(
    schema: GraphQLSchema,
    parent: GraphQLObjectType,
    selection: graphql.SelectionSetNode,
    values: dict[str, st.SearchStrategy[Any]],
) -> st.SearchStrategy[dict[str, Any]]:
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for node in selection.selections:
        assert isinstance(node, graphql.FieldNode)
        field_type = parent.fields[node.name.value].type
        fields[node.name.value] = _output_values(schema, field_type, node.selection_set, values)
    return st.fixed_dictionaries(fields)


def _output_values(
    schema: GraphQLSchema,
    type_: Any,
    selection: graphql.SelectionSetNode | None,
    values: dict[str, st.SearchStrategy[Any]],
) -> st.SearchStrategy[Any]:
    if isinstance(type_, GraphQLNonNull):
        return _output_values(schema, type_.of_type, selection, values)
    if isinstance(type_, GraphQLList):
        return st.lists(_output_values(schema, type_.of_type, selection, values), max_size=4)
    if isinstance(type_, GraphQLObjectType) and selection is not None:
        inner = _selection_values(schema, type_, selection, values)
        return st.builds(lambda fields, name: {"__typename": name, **fields}, inner, st.just(type_.name))
    if isinstance(type_, GraphQLEnumType):
        return st.sampled_from([*type_.values, "NOT_A_VALUE"])
    assert isinstance(type_, GraphQLScalarType)
    return values.get(type_.name, values["String"])


def representations(
    schema: GraphQLSchema, values: dict[str, st.SearchStrategy[Any]]
) -> st.SearchStrategy[Any]:
    """What the router sends to `_entities`: each entity's @key fields (and for an entity with
    @requires fields, those too), with hostile values, plus malformed ones."""
    entity_union = schema.type_map["_Entity"]
    assert isinstance(entity_union, graphql.GraphQLUnionType)
    shapes = []
    for entity in entity_union.types:
        field_sets = list(_directive_fields(entity.ast_node, "key"))
        for field in entity.fields.values():
            field_sets.extend(_directive_fields(field.ast_node, "requires"))
        selection = graphql.parse("{ " + " ".join(field_sets) + " }").definitions[0]
        assert isinstance(selection, graphql.OperationDefinitionNode)
        shapes.append(
            st.builds(
                lambda fields, name: {"__typename": name, **fields},
                _selection_values(schema, entity, selection.selection_set, values),
                st.just(entity.name),
            )
        )
    malformed = st.one_of(
        st.builds(
            lambda name: {"__typename": name},
            st.sampled_from([*(t.name for t in entity_union.types), "Query", "", "__Schema"]),
        ),
        st.builds(dict, st.just(())),
        st.recursive(
            st.none() | st.booleans() | st.integers() | values["String"],
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.sampled_from(["__typename", "id", "symbol", "x"]), inner, max_size=3)
            ),
            max_leaves=6,
        ),
    )
    return st.one_of(*shapes, malformed)


# -- variables from the schema's input types --------------------------------------------------------
def json_values(
    type_: GraphQLInputType, values: dict[str, st.SearchStrategy[Any]], depth: int = 0
) -> st.SearchStrategy[Any]:
    """Variable values for an input type: mostly well-shaped, with hostile leaves and now and then a
    value of the wrong shape."""
    wrong = st.sampled_from([None, 1e308, -1, True, [], {}, "x"])
    if isinstance(type_, GraphQLNonNull):
        return (
            st.one_of(json_values(type_.of_type, values, depth), wrong)
            if depth == 0
            else json_values(type_.of_type, values, depth)
        )
    if isinstance(type_, GraphQLList):
        return st.one_of(st.none(), st.lists(json_values(type_.of_type, values, depth + 1), max_size=3))
    if isinstance(type_, GraphQLInputObjectType):
        required = {
            name: json_values(field.type, values, depth + 1)
            for name, field in type_.fields.items()
            if graphql.is_required_input_field(field)
        }
        optional = {
            name: json_values(field.type, values, depth + 1)
            for name, field in type_.fields.items()
            if not graphql.is_required_input_field(field)
        }
        shaped = st.fixed_dictionaries(required, optional=optional)
        return st.one_of(st.none(), shaped, shaped.map(lambda fields: {**fields, "unknownField": 1}), wrong)
    if isinstance(type_, GraphQLEnumType):
        return st.one_of(st.none(), st.sampled_from([*type_.values, "not_a_value", ""]))
    assert isinstance(type_, GraphQLScalarType)
    return st.one_of(st.none(), values.get(type_.name, values["String"]), wrong)


@st.composite
def operations_with_variables(
    draw: st.DrawFn, schema: GraphQLSchema, values: dict[str, st.SearchStrategy[Any]]
) -> tuple[str, dict[str, Any]]:
    """One root field (a query's or a mutation's), every argument passed as a variable."""
    roots = [("query", schema.query_type), ("mutation", schema.mutation_type)]
    kind, root = draw(st.sampled_from([(k, r) for k, r in roots if r is not None]))
    assert root is not None
    name = draw(st.sampled_from(sorted(root.fields)))
    field = root.fields[name]
    declarations = ", ".join(f"${arg}: {arg_def.type}" for arg, arg_def in field.args.items())
    arguments = ", ".join(f"{arg}: ${arg}" for arg in field.args)
    head = f"{kind}({declarations})" if declarations else kind
    call = f"{name}({arguments})" if arguments else name
    document = f"{head} {{ {call} {{ __typename }} }}"
    variables = {arg: draw(json_values(arg_def.type, values)) for arg, arg_def in field.args.items()}
    return document, variables
