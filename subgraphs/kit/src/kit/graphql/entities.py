"""`_entities`: a representation is checked against its entity's shape before anything resolves it.

The router sends, per entity, an object with `__typename`, the fields of one of the entity's
`@key`s and the fields its `@requires` name, shaped as the owning subgraph returned them. Anything
else (no key, `{}`, a `__typename` that is no entity of this subgraph, a key that is a number or an
object, a field the entity does not take, a string the text policy refuses, a Decimal that does
not parse) is refused one item at a time: that item of `_entities` is null with a GraphQL error
(extensions.code BAD_USER_INPUT) at its index, and the valid items of the same request resolve as
usual (federation's semantics: `_entities` is a list of nullable entities). Strawberry would hand
such a representation to `resolve_reference` as keyword arguments and fail with an internal error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)
from strawberry.federation.schema_directives import Key, Requires
from strawberry.types.base import StrawberryObjectDefinition

from kit.core.errors import PublicError
from kit.core.money import STORED_DECIMAL, DecimalError, parse_decimal
from kit.core.text import BAD_USER_INPUT, TextError, TextKind, clean_text

__all__ = ["EntityShape", "entity_shapes", "representation_problem"]

_INT_RANGE = range(-(2**31), 2**31)


@dataclass(frozen=True, slots=True)
class EntityShape:
    """What a representation of one entity may carry."""

    name: str
    type_: GraphQLObjectType
    keys: tuple[SelectionSetNode, ...]  # the resolvable @keys; one of them must be there whole
    requires: dict[str, FieldNode]  # top-level fields @requires names, with their sub-selections

    @property
    def key_fields(self) -> list[str]:
        return sorted({_name(node) for key in self.keys for node in key.selections})

    @property
    def allowed(self) -> set[str]:
        return {"__typename", *self.key_fields, *self.requires}


def _name(node: Any) -> str:
    return _field(node).name.value


def _field(node: Any) -> FieldNode:
    assert isinstance(node, FieldNode), "a @key or @requires field set holds fields only"
    return node


def _selection(fields: str) -> SelectionSetNode:
    operation = parse(f"{{ {fields} }}").definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return operation.selection_set


def entity_shapes(
    graphql_schema: GraphQLSchema, definitions: Mapping[str, StrawberryObjectDefinition]
) -> dict[str, EntityShape]:
    """The shape of each entity this subgraph resolves (a `@key` with resolvable: false is only a
    reference to another subgraph's entity: never sent here)."""
    union = graphql_schema.get_type("_Entity")
    if not isinstance(union, GraphQLUnionType):
        return {}
    shapes: dict[str, EntityShape] = {}
    for type_ in union.types:
        definition = definitions[type_.name]
        keys = tuple(
            _selection(str(d.fields))
            for d in definition.directives or ()
            if isinstance(d, Key) and d.resolvable is not False
        )
        if not keys:
            continue
        requires: dict[str, FieldNode] = {}
        for field in definition.fields:
            for directive in field.directives or ():
                if isinstance(directive, Requires):
                    for node in _selection(str(directive.fields)).selections:
                        assert isinstance(node, FieldNode)
                        requires[node.name.value] = node
        shapes[type_.name] = EntityShape(type_.name, type_, keys, requires)
    return shapes


def _scalar_conforms(value: object, type_: GraphQLScalarType) -> bool:
    if type_.name in ("ID", "String"):
        if not isinstance(value, str):  # the router sends ids as strings, never numbers
            return False
        try:
            clean_text(value, TextKind.REFERENCE)
        except TextError:
            return False
        return True
    if type_.name == "Int":
        return isinstance(value, int) and not isinstance(value, bool) and value in _INT_RANGE
    if type_.name == "Float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if type_.name == "Boolean":
        return isinstance(value, bool)
    if type_.name == "Decimal":
        # What a peer subgraph computed (a cost basis is quantity x price x rate): the stored
        # bounds, wider than a client's input.
        try:
            parse_decimal(value, STORED_DECIMAL)
        except DecimalError:
            return False
        return True
    try:  # a custom scalar (Decimal, Date...) parses as a variable would
        type_.parse_value(value)
    except Exception:  # any refusal of the scalar's parser is a malformed value
        return False
    return True


def _conforms(
    value: object, type_: GraphQLOutputType, selection: SelectionSetNode | None, *, required: bool
) -> bool:
    """Whether `value` is what the owning subgraph returns for `type_` with `selection`."""
    if isinstance(type_, GraphQLNonNull):
        return value is not None and _conforms(value, type_.of_type, selection, required=True)
    if value is None:
        return not required
    if isinstance(type_, GraphQLList):
        return isinstance(value, list) and all(
            _conforms(item, type_.of_type, selection, required=False) for item in value
        )
    if isinstance(type_, GraphQLObjectType):
        return selection is not None and _object_conforms(value, type_, selection)
    if isinstance(type_, GraphQLEnumType):
        return isinstance(value, str) and value in type_.values
    return isinstance(type_, GraphQLScalarType) and _scalar_conforms(value, type_)


def _object_conforms(value: object, type_: GraphQLObjectType, selection: SelectionSetNode) -> bool:
    if not isinstance(value, dict):
        return False
    nodes = {_name(node): _field(node) for node in selection.selections}
    if set(value) - {*nodes, "__typename"} or value.get("__typename", type_.name) != type_.name:
        return False
    # A selected field left out counts as null: refused when non-null, accepted when nullable (so a
    # subgraph can add a nullable field to its @requires and still take a representation without it).
    return all(
        name in type_.fields
        and _conforms(value.get(name), type_.fields[name].type, node.selection_set, required=False)
        for name, node in nodes.items()
    )


def _key_present(representation: Mapping[str, Any], shape: EntityShape, key: SelectionSetNode) -> bool:
    for selected in key.selections:
        node = _field(selected)
        name = node.name.value
        if name not in shape.type_.fields or representation.get(name) is None:
            return False
        field_type = shape.type_.fields[name].type
        if not _conforms(representation[name], field_type, node.selection_set, required=True):
            return False
    return True


def representation_problem(representation: object, shapes: Mapping[str, EntityShape]) -> str | None:
    """Why `representation` cannot be resolved here (a sentence that echoes none of it); None when
    it can."""
    entities = ", ".join(sorted(shapes)) or "none"
    if not isinstance(representation, dict):
        return "A representation must be an object with __typename and the fields of an entity's key."
    name = representation.get("__typename")
    shape = shapes.get(name) if isinstance(name, str) else None
    if shape is None:
        return f"__typename must name an entity this subgraph resolves: {entities}."
    if set(representation) - shape.allowed:
        return f"A {shape.name} representation takes only {', '.join(sorted(shape.allowed))}."
    if not any(_key_present(representation, shape, key) for key in shape.keys):
        return f"A {shape.name} representation needs its key ({', '.join(shape.key_fields)}), well formed."
    for field_name, node in shape.requires.items():
        if field_name in representation and not _conforms(
            representation[field_name],
            shape.type_.fields[field_name].type,
            node.selection_set,
            required=False,
        ):
            return f"The {field_name} of a {shape.name} representation is malformed."
    return None


def refusal(problem: str) -> PublicError:
    """What the item of `_entities` resolves to: null with this error at its index."""
    return PublicError(problem, BAD_USER_INPUT)


def checked(
    representations: Sequence[object], shapes: Mapping[str, EntityShape]
) -> list[tuple[int, dict[str, Any] | PublicError]]:
    """Each representation by index: a copy to resolve, or the error it resolves to."""
    out: list[tuple[int, dict[str, Any] | PublicError]] = []
    for index, representation in enumerate(representations):
        problem = representation_problem(representation, shapes)
        if problem is not None or not isinstance(representation, dict):
            out.append((index, refusal(problem or "")))
        else:
            out.append((index, dict(representation)))
    return out
