"""GraphQL types every subgraph shares: the Decimal scalar, Money, MoneyInput and UserError.

Python `decimal.Decimal` maps to the GraphQL `Decimal` scalar through `SCALAR_MAP` (installed by
`kit.schema.federated_schema`), so types simply annotate fields with `Decimal`.

`Money` and `UserError` are value types that appear in more than one subgraph, so they are
`@shareable` (federation requires it for identical value types resolved by several subgraphs).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import strawberry
from graphql import FloatValueNode, IntValueNode, StringValueNode, ValueNode
from strawberry.federation.schema_directives import Shareable
from strawberry.types.scalar import ScalarDefinition

from kit.errors import InputProblems
from kit.money import CLIENT_DECIMAL, Amount, DecimalError, parse_decimal

__all__ = ["DECIMAL_SCALAR", "SCALAR_MAP", "Decimal", "Money", "MoneyInput", "PageInfo", "UserError"]


def _serialize_decimal(value: Decimal) -> str:
    # Plain notation, never exponent form ("1E+2"), so that clients can parse it with any decimal lib.
    return format(value, "f")


def _parse_decimal(value: object) -> Decimal:
    # kit.money.parse_decimal bounds the text before making a Decimal; its DecimalError (a
    # ValueError) becomes a BAD_USER_INPUT error naming the variable (kit.masking).
    return parse_decimal(value, CLIENT_DECIMAL)


def _parse_decimal_literal(node: ValueNode, _variables: dict[str, Any] | None = None) -> Decimal:
    # A literal in the document keeps its exact source text: 0.1 stays 0.1, never a float first.
    if isinstance(node, StringValueNode | IntValueNode | FloatValueNode):
        return _parse_decimal(node.value)
    raise DecimalError("Decimal must be a string or a number literal")


DECIMAL_SCALAR = strawberry.scalar(
    name="Decimal",
    description=(
        'An exact decimal number, serialized as a JSON string such as "1234.5600". Input: plain '
        "notation (ASCII digits, one optional point, an optional leading minus; no exponent), at most "
        "28 significant digits, 18 digits after the point, and less than 10^18 in magnitude."
    ),
    serialize=_serialize_decimal,
    parse_value=_parse_decimal,
    parse_literal=_parse_decimal_literal,
)
SCALAR_MAP: dict[object, ScalarDefinition] = {Decimal: DECIMAL_SCALAR}


@strawberry.type(description="An amount in one currency (ISO 4217 code).", directives=[Shareable()])
class Money:
    amount: Decimal
    currency_code: str

    @classmethod
    def of(cls, amount: Amount | None) -> Money | None:
        if amount is None:
            return None
        return cls(amount=amount.value, currency_code=amount.currency_code)


@strawberry.input(description="An amount in one currency (ISO 4217 code).")
class MoneyInput:
    amount: Decimal
    currency_code: str


@strawberry.type(
    description="A problem with the input of a mutation, addressed to a field the client can highlight.",
    directives=[Shareable()],
)
class UserError:
    field: list[str] | None = strawberry.field(
        description='Path to the input field, e.g. ["input", "email"].'
    )
    message: str
    code: str = strawberry.field(description="Stable machine-readable code: INVALID, NOT_FOUND, ...")

    @staticmethod
    def from_problems(error: InputProblems) -> list[UserError]:
        # A problem with no field (the caller's identity, not the input) has field null.
        return [
            UserError(field=list(p.field) or None, message=p.message, code=p.code) for p in error.problems
        ]


@strawberry.type(description="Relay page information.", directives=[Shareable()])
class PageInfo:
    """One definition for every subgraph that pages: a shareable value type must agree field for field."""

    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None
