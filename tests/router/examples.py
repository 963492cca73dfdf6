"""Valid variables for any document of the API schema: a value of each input type that the router's
variable checks accept (the router does not judge the formats of custom scalars; the subgraphs do)."""

from __future__ import annotations

from typing import Any

from devstack import toolchain
from devstack.schema_gate import api_schema_sdl
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    build_ast_schema,
    is_required_input_field,
    parse,
    type_from_ast,
)

API_SCHEMA: GraphQLSchema = build_ast_schema(
    parse(api_schema_sdl((toolchain.SCHEMA_DIR / "supergraph.graphql").read_text()))
)
# A value of each scalar that GraphQL's coercion accepts.
SCALAR_EXAMPLES: dict[str, Any] = {
    "ID": "id-1",
    "String": "text",
    "Int": 1,
    "Float": 1.5,
    "Boolean": True,
    "Decimal": "1.5",
    "Date": "2024-01-02",
    "DateTime": "2024-01-02T03:04:05Z",
}


def example_value(type_: GraphQLInputType, depth: int = 0) -> Any:
    """A value of `type_` that the router's variable checks accept: every required field, and the
    optional ones of the outer input objects."""
    if isinstance(type_, GraphQLNonNull):
        return example_value(type_.of_type, depth)
    if isinstance(type_, GraphQLList):
        return [example_value(type_.of_type, depth + 1)]
    if isinstance(type_, GraphQLInputObjectType):
        return {
            name: example_value(field.type, depth + 1)
            for name, field in type_.fields.items()
            if is_required_input_field(field) or depth < 2
        }
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    assert isinstance(type_, GraphQLScalarType)
    return SCALAR_EXAMPLES.get(type_.name, "x")


def valid_variables(document: str, **given: Any) -> dict[str, Any]:
    """A value for each variable the document's operation declares; `given` ones as given."""
    (operation,) = [d for d in parse(document).definitions if isinstance(d, OperationDefinitionNode)]
    variables = {}
    for definition in operation.variable_definitions:
        name = definition.variable.name.value
        type_ = type_from_ast(API_SCHEMA, definition.type)
        assert type_ is not None, name
        variables[name] = given[name] if name in given else example_value(type_)  # type: ignore[arg-type]
    return variables
