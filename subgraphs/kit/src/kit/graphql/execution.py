"""Field execution without per-field overhead for plain data (issue 15's cost target).

A five-year DAY history is some 1,800 points of ten fields each: graphql-core builds a resolve info,
runs the completion chain (non-null, list, leaf or object checks) and, for an object, its type test, for
every one of those 18,000 fields, although Strawberry resolves them by reading an attribute (a "basic"
field: no resolver, no field extension, no exception handler; Strawberry marks its resolver
`_is_default` and never reads its info). That overhead was most of the time a history took to serve.

`PlainFieldExecutor` takes a shorter way for such a field when its value is ordinary: a scalar or enum
is coerced at once, and an object without a type test (`is_type_of`) has its sub-selection executed at
once (`collect_and_execute_subfields`: what graphql-core's object completion does after that test). A
field whose value is null, an exception or awaitable, whose coercion fails, or any field while a field
middleware (a schema extension with `resolve`) is installed, goes graphql-core's way; it reads the
attribute again, so the error, its path and its message are graphql-core's own. The response is the same
value for value and error for error.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLEnumType, GraphQLNonNull, GraphQLObjectType, GraphQLScalarType
from graphql.pyutils import Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

__all__ = ["PlainFieldExecutor"]


class PlainFieldExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor with the shorter way for basic fields (see the module docstring)."""

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Path,
        position_context: Any,
    ) -> Any:
        field_def = parent_type.fields.get(field_details_list[0].node.name.value)
        middleware = self.middleware_manager
        if (
            field_def is None  # __typename and introspection: graphql-core knows them
            or not getattr(field_def.resolve, "_is_default", False)
            or (middleware is not None and middleware.middlewares)
        ):
            return super().execute_field(parent_type, source, field_details_list, path, position_context)
        value = _plain_value(field_def.resolve, source)
        if value is not Undefined and not self.is_awaitable(value):
            return_type = field_def.type
            named = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
            if isinstance(named, GraphQLScalarType | GraphQLEnumType):
                coerced = _coerced_leaf(named, value)
                if coerced is not Undefined:
                    return coerced
            elif isinstance(named, GraphQLObjectType) and named.is_type_of is None:
                return self._completed_object(
                    named, return_type, field_details_list, path, value, position_context
                )
        return super().execute_field(parent_type, source, field_details_list, path, position_context)

    def _completed_object(
        self,
        object_type: GraphQLObjectType,
        return_type: Any,
        field_details_list: Any,
        path: Path,
        value: Any,
        position_context: Any,
    ) -> Any:
        """The sub-selection of `value`, an error in it handled as graphql-core's `execute_field` does."""
        try:
            completed = self.collect_and_execute_subfields(
                object_type, field_details_list, path, value, position_context
            )
        except Exception as raw_error:  # graphql-core's own handler reports it
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None
        if not self.is_awaitable(completed):
            return completed

        async def await_completed() -> Any:
            try:
                return await completed
            except Exception as raw_error:  # as above
                self.handle_field_error(raw_error, return_type, field_details_list, path)
                return None

        return await_completed()


def _plain_value(resolve: Any, source: Any) -> Any:
    """The attribute a basic field reads, or Undefined when graphql-core must handle it (null, error)."""
    try:
        value = resolve(source)
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
