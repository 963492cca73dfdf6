"""Error masking: unexpected errors reach the client as a generic message and a correlation id.

Kept as they are: GraphQL syntax and validation errors (no original exception), `PublicError`s
(with their `extensions.code`), and variable coercion errors. Everything else is logged with its
stack trace under a fresh correlation id, and the client gets only that id.
"""

from __future__ import annotations

import logging
import re

from graphql import GraphQLError
from strawberry.extensions import MaskErrors
from ulid import ULID

from kit.core.errors import PublicError
from kit.core.money import DecimalError

log = logging.getLogger("kit.core.errors")

INTERNAL_ERROR_CODE = "INTERNAL_SERVER_ERROR"


def is_expected(error: GraphQLError) -> bool:
    """A refusal of the client's request (its code says why), not a failure of ours."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError | PublicError):
        return True
    # No path: raised while parsing or validating the document (a scalar refusing a literal), not
    # by a resolver, so the message is about the client's document.
    return error.path is None


# A variable whose value cannot be coerced; other "Variable '$x' ..." messages reject the document.
_BAD_VARIABLE_VALUE = re.compile(
    r"^Variable '\$\w+' "
    r"(has invalid value|of required type .* was not provided|of non-null type .* must not be null)"
)


def standard_code(error: GraphQLError) -> str:
    """Apollo's codes for errors raised by GraphQL itself, so clients can tell them apart."""
    if error.message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"
    # A variable, or a literal the Decimal scalar refused: the client's value, not its document.
    if _BAD_VARIABLE_VALUE.match(error.message) or isinstance(error.original_error, DecimalError):
        return "BAD_USER_INPUT"
    return "GRAPHQL_VALIDATION_FAILED"


class MaskInternalErrors(MaskErrors):
    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda error: not is_expected(error))

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed = super()._process_errors(errors)
        for error in processed:
            if not (error.extensions or {}).get("code"):
                error.extensions = {**(error.extensions or {}), "code": standard_code(error)}
        return processed

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        correlation_id = str(ULID())
        log.error(
            "unexpected error %s at %s",
            correlation_id,
            ".".join(str(p) for p in error.path or ()),
            exc_info=error.original_error,
        )
        return GraphQLError(
            message=f"Internal error. Reference: {correlation_id}",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": INTERNAL_ERROR_CODE, "correlationId": correlation_id},
        )
