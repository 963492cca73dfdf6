"""Field execution without per-field overhead for plain data (issue 15's cost target).

A five-year DAY history is some 1,800 points of ten fields each: graphql-core builds a resolve info,
runs the completion chain (non-null, list, leaf or object checks) and, for an object, its type test, for
every one of those 18,000 fields, although Strawberry resolves them by reading an attribute (a "basic"
field: no resolver, no field extension, no exception handler, so its resolver never reads the info).
That overhead was most of the time a history took to serve.

`PlainFieldExecutor` takes a shorter way for such a field when its value is ordinary: it reads the
attribute as Strawberry's basic resolver does (the config's `default_resolver`), coerces a scalar or
enum at once, and executes an object's sub-selection at once when the type has no type test
(`is_type_of`): what graphql-core's object completion does after that test. A field whose value is
null, an exception or awaitable, whose coercion fails, or any field while a field middleware (a schema
extension with `resolve`) is installed, goes graphql-core's way; that reads the attribute again, so the
error, its path and its message are graphql-core's own. The response is the same, value for value and
error for error (tests/graphql/test_kit_execution.py compares the two).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, NamedTuple

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
)
from graphql.pyutils import Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

__all__ = ["PlainFieldExecutor"]


class _Plain(NamedTuple):
    """How a basic field is read and what it completes to: a leaf (scalar or enum) or an object."""

    field_def: GraphQLField  # held, so that no other field reuses its id while cached
    python_name: str
    read: Callable[[Any, str], Any]
    leaf: GraphQLScalarType | GraphQLEnumType | None
    object_type: GraphQLObjectType | None
    return_type: GraphQLOutputType


# Per schema: field id -> its plan, or the field alone when it goes graphql-core's way.
_PLANS: weakref.WeakKeyDictionary[GraphQLSchema, dict[int, _Plain | GraphQLField]] = (
    weakref.WeakKeyDictionary()
)


def _plan(field_def: GraphQLField) -> _Plain | GraphQLField:
    definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    resolve = field_def.resolve
    if (
        not isinstance(definition, StrawberryField)
        or not definition.is_basic_field
        or definition.is_subscription
        # Strawberry gives a basic field this resolver only when no exception handler applies to it.
        or getattr(resolve, "__name__", None) != "_get_basic_result"
        or not getattr(resolve, "_is_default", False)
    ):
        return field_def
    return_type = field_def.type
    named = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
    read, name = definition.default_resolver, definition.python_name
    if isinstance(named, GraphQLScalarType | GraphQLEnumType):
        return _Plain(field_def, name, read, named, None, return_type)
    if isinstance(named, GraphQLObjectType) and named.is_type_of is None:
        return _Plain(field_def, name, read, None, named, return_type)
    return field_def


class PlainFieldExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor with the shorter way for basic fields (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        middleware = self.middleware_manager
        self._plans: dict[int, _Plain | GraphQLField] | None = None
        if middleware is None or not middleware.middlewares:
            self._plans = _PLANS.setdefault(self.schema, {})

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Path,
        position_context: Any,
    ) -> Any:
        plans = self._plans
        field_def = parent_type.fields.get(field_details_list[0].node.name.value)
        if plans is None or field_def is None:  # a middleware, or __typename and introspection
            return super().execute_field(parent_type, source, field_details_list, path, position_context)
        plan = plans.get(id(field_def))
        if plan is None:
            plan = plans[id(field_def)] = _plan(field_def)
        if isinstance(plan, _Plain):
            value = _plain_value(plan, source)
            if value is not Undefined and not self.is_awaitable(value):
                if plan.leaf is None:
                    return self._completed_object(plan, field_details_list, path, value, position_context)
                coerced = _coerced_leaf(plan.leaf, value)
                if coerced is not Undefined:
                    return coerced
        return super().execute_field(parent_type, source, field_details_list, path, position_context)

    def _completed_object(
        self, plan: _Plain, field_details_list: Any, path: Path, value: Any, position_context: Any
    ) -> Any:
        """The sub-selection of `value`, an error in it handled as graphql-core's `execute_field` does."""
        assert plan.object_type is not None  # a plan has a leaf or an object type
        try:
            completed = self.collect_and_execute_subfields(
                plan.object_type, field_details_list, path, value, position_context
            )
        except Exception as raw_error:  # graphql-core's own handler reports it
            self.handle_field_error(raw_error, plan.return_type, field_details_list, path)
            return None
        if not self.is_awaitable(completed):
            return completed

        async def await_completed() -> Any:
            try:
                return await completed
            except Exception as raw_error:  # as above
                self.handle_field_error(raw_error, plan.return_type, field_details_list, path)
                return None

        return await_completed()


def _plain_value(plan: _Plain, source: Any) -> Any:
    """The attribute a basic field reads, or Undefined when graphql-core must handle it (null, error)."""
    try:
        value = plan.read(source, plan.python_name)
    except Exception:  # graphql-core's way reads it again and reports it
        return Undefined
    if value is None or isinstance(value, Exception):
        return Undefined
    return value


def _coerced_leaf(leaf: GraphQLScalarType | GraphQLEnumType, value: Any) -> Any:
    """The serialized scalar or enum, or Undefined when graphql-core must handle it."""
    try:
        coerced = leaf.coerce_output_value(value)
    except Exception:  # graphql-core's way raises the located error
        return Undefined
    return Undefined if coerced is None else coerced
