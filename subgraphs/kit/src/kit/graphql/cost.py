"""How much a request may make a subgraph resolve: list sizes in the schema, one estimate before execution.

Every list of objects declares its size with Federation's `@listSize`: the size a large real book
has (`assumed`), or the page asked for by `first` (`paged`). The router estimates each client
operation from the same annotations, composed into the supergraph (router/src/plugins/cost.ts), and refuses
one above ROUTER_MAX_COST before any subgraph call. A subgraph called directly estimates each
request it gets the same way (`_entities` counting its representations) and refuses one above its
own, more generous, bound before resolving anything.

The estimate: a field costs 1 when it returns an object (0 for a scalar or enum; `@cost(weight:)`
overrides), times the size of every list it sits in. So it counts the objects of the largest
answer a book of the assumed sizes gives; a nested fan-out such as
`portfolio { investments { portfolio { investments { ... } } } }` multiplies the sizes and is refused.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
    is_composite_type,
    is_list_type,
    is_non_null_type,
    parse,
    value_from_ast_untyped,
)
from graphql.execution.types import ExecutionResult as GraphQLExecutionResult
from graphql.utilities import get_operation_ast
from strawberry.extensions import SchemaExtension
from strawberry.federation.schema_directives import ListSize

COST_CODE = "COST_ESTIMATED_TOO_EXPENSIVE"

# Assumed sizes: what a large real book has (most have far less). Not caps: a longer list is
# still returned whole; the estimate just counts it at this size.
PORTFOLIOS_PER_CUSTOMER = 10  # brokerage, retirement, HSA, education, trust accounts
POSITIONS_PER_PORTFOLIO = 50  # instruments held in one account
LOTS_PER_PORTFOLIO = 100  # every purchase, sold ones included
OPEN_LOTS_PER_POSITION = 20  # purchases of one instrument still held
LOTS_PER_SALE = 10  # lots one sale takes from
USER_ERRORS_PER_PAYLOAD = 5  # one per input field at most

# A list of objects without @listSize (none of ours: tests/contract checks) counts as this many.
DEFAULT_LIST_SIZE = 10


def assumed(size: int) -> ListSize:
    """`@listSize(assumedSize: size)`: a list whose length the data decides."""
    # Arguments left UNSET are not printed (None would print as an explicit null).
    return ListSize(
        assumed_size=size,
        slicing_arguments=strawberry.UNSET,
        sized_fields=strawberry.UNSET,
        require_one_slicing_argument=strawberry.UNSET,
    )


def paged(max_first: int) -> ListSize:
    """`@listSize` of a connection: `edges` has `first` items (at most `max_first`, counted when unknown)."""
    return ListSize(
        assumed_size=max_first,
        slicing_arguments=["first"],
        sized_fields=["edges"],
        require_one_slicing_argument=strawberry.UNSET,
    )


USER_ERRORS_SIZE = assumed(USER_ERRORS_PER_PAYLOAD)


def user_errors_field() -> Any:
    """The `userErrors` field of a mutation payload, with its size."""
    return strawberry.field(directives=[USER_ERRORS_SIZE])


@dataclass(frozen=True)
class Sizing:
    assumed_size: int | None = None
    slicing_arguments: tuple[str, ...] = ()
    sized_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class CostModel:
    """The @cost and @listSize annotations of a schema, by "Type.field" (and type name for @cost)."""

    field_weights: Mapping[str, int]
    type_weights: Mapping[str, int]
    list_sizes: Mapping[str, Sizing]

    @classmethod
    def from_sdl(cls, sdl: str) -> CostModel:
        field_weights: dict[str, int] = {}
        type_weights: dict[str, int] = {}
        list_sizes: dict[str, Sizing] = {}
        for definition in parse(sdl).definitions:
            type_name = getattr(getattr(definition, "name", None), "value", None)
            if type_name is None:
                continue
            for directive in getattr(definition, "directives", None) or ():
                if directive.name.value == "cost":
                    type_weights[type_name] = int(_arguments(directive)["weight"])
            for field in getattr(definition, "fields", None) or ():
                key = f"{type_name}.{field.name.value}"
                for directive in field.directives or ():
                    arguments = _arguments(directive)
                    if directive.name.value == "cost":
                        field_weights[key] = int(arguments["weight"])
                    elif directive.name.value == "listSize":
                        list_sizes[key] = Sizing(
                            assumed_size=arguments.get("assumedSize"),
                            slicing_arguments=tuple(arguments.get("slicingArguments") or ()),
                            sized_fields=tuple(arguments.get("sizedFields") or ()),
                        )
        return cls(field_weights, type_weights, list_sizes)

    def with_entities(self, query_type: str = "Query") -> CostModel:
        """`_entities` resolves one object per representation: a list argument counts its items."""
        sizes = {**self.list_sizes, f"{query_type}._entities": Sizing(slicing_arguments=("representations",))}
        return CostModel(self.field_weights, self.type_weights, sizes)


def _arguments(directive: Any) -> dict[str, Any]:
    return {
        argument.name.value: value_from_ast_untyped(argument.value) for argument in directive.arguments or ()
    }


class _Estimate:
    def __init__(
        self,
        schema: GraphQLSchema,
        model: CostModel,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.model = model
        self.fragments = fragments
        self.variables = dict(variables)
        # A fragment spread many times is costed once per sizing: linear in the document, however
        # the spreads nest.
        self._fragment_costs: dict[tuple[str, tuple[tuple[str, int], ...]], int] = {}

    def selection_set(self, selection_set: SelectionSetNode, parent: Any, sized: Mapping[str, int]) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, sized)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection_set(selection.selection_set, target or parent, sized)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value, sized)
        return total

    def fragment(self, name: str, sized: Mapping[str, int]) -> int:
        key = (name, tuple(sorted(sized.items())))
        if key not in self._fragment_costs:
            self._fragment_costs[key] = 0  # a cycle (refused by validation anyway) counts nothing
            fragment = self.fragments.get(name)
            if fragment is not None:
                target = self.schema.get_type(fragment.type_condition.name.value)
                self._fragment_costs[key] = self.selection_set(fragment.selection_set, target, sized)
        return self._fragment_costs[key]

    def field(self, node: FieldNode, parent: Any, sized: Mapping[str, int]) -> int:
        name = node.name.value
        if name.startswith("__") or not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return 0  # __typename and introspection; a union has no fields of its own
        definition = parent.fields.get(name)
        if definition is None:
            return 0
        key = f"{parent.name}.{name}"
        named = get_named_type(definition.type)
        weight = self.model.field_weights.get(
            key, self.model.type_weights.get(named.name, 1 if is_composite_type(named) else 0)
        )
        factor = sized.get(name, 1)
        child_sized: dict[str, int] = {}
        sizing = self.model.list_sizes.get(key)
        if sizing is not None:
            size = self._size(sizing, definition, node)
            if sizing.sized_fields:
                child_sized = dict.fromkeys(sizing.sized_fields, size)
            else:
                factor = size
        elif name not in sized and _is_list(definition.type):
            factor = DEFAULT_LIST_SIZE
        children = self.selection_set(node.selection_set, named, child_sized) if node.selection_set else 0
        return factor * (weight + children)

    def _size(self, sizing: Sizing, definition: GraphQLField, node: FieldNode) -> int:
        given = [
            size
            for size in map(self._argument_size(definition, node), sizing.slicing_arguments)
            if size is not None
        ]
        if given:
            return max(given)
        return sizing.assumed_size if sizing.assumed_size is not None else DEFAULT_LIST_SIZE

    def _argument_size(self, definition: GraphQLField, node: FieldNode) -> Callable[[str], int | None]:
        """The size an argument asks for: an integer (first), or a list's length (representations)."""
        literals = {argument.name.value: argument.value for argument in node.arguments or ()}

        def size(name: str) -> int | None:
            if name in literals:
                return _count(value_from_ast_untyped(literals[name], self.variables))
            argument = definition.args.get(name)
            return _count(argument.default_value) if argument is not None else None

        return size


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, list):
        return len(value)
    return None


def _is_list(type_: Any) -> bool:
    return is_list_type(type_.of_type if is_non_null_type(type_) else type_)


def estimate_cost(
    schema: GraphQLSchema,
    model: CostModel,
    document: DocumentNode,
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
) -> int:
    """The estimated cost of the operation `operation_name` of a validated `document`."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    return _Estimate(schema, model, fragments, variables or {}).selection_set(
        operation.selection_set, root, {}
    )


@functools.cache
def cost_model_of(schema: strawberry.federation.Schema) -> CostModel:
    """The annotations of a subgraph's own schema, read once from its federation SDL."""
    query_type = schema._schema.query_type
    return CostModel.from_sdl(schema.as_str()).with_entities(query_type.name if query_type else "Query")


class CostLimiter(SchemaExtension):
    """Refuses a request whose estimated cost is above `max_cost`, before resolving any field."""

    def __init__(self, *, max_cost: int) -> None:
        self.max_cost = max_cost

    def on_execute(self) -> Any:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.result is None:
            estimated = estimate_cost(
                context.schema._schema,
                cost_model_of(context.schema),
                document,
                context.variables,
                context.operation_name,
            )
            if estimated > self.max_cost:
                context.result = GraphQLExecutionResult(
                    data=None, errors=[too_expensive(estimated, self.max_cost)]
                )
        yield


def too_expensive(estimated: int, max_cost: int) -> GraphQLError:
    return GraphQLError(
        f"The operation is too large: its estimated cost {estimated} is above {max_cost}. "
        "Ask for fewer nested lists or smaller pages.",
        extensions={"code": COST_CODE, "cost": {"estimated": estimated, "max": max_cost}},
    )
