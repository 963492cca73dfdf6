"""GraphQL types every subgraph shares: the Decimal scalar, Money, MoneyInput and UserError.

Python `decimal.Decimal` maps to the GraphQL `Decimal` scalar through `SCALAR_MAP` (installed by
`kit.graphql.schema.federated_schema`), so types simply annotate fields with `Decimal`.

Money leaves every subgraph through one of two constructors (DESIGN.md decision 6):
`Money.amount_of` for an amount of money (value, cost, gain, fee, proceeds, cash, income), rounded
half-even to the currency's minor unit with exactly that many digits, and `Money.price_of` for a
unit price or rate (price, previous close, change per unit, average cost), at most 10 places with
trailing zeros trimmed. A bare `Decimal` rate or percentage goes through `kit.core.money.unit_price`.

`Money` and `UserError` are value types that appear in more than one subgraph, so they are
`@shareable` (federation requires it for identical value types resolved by several subgraphs).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, overload

import strawberry
from graphql import FloatValueNode, IntValueNode, StringValueNode, ValueNode
from strawberry.federation.schema_directives import Shareable
from strawberry.types.scalar import ScalarDefinition

from kit.core.errors import InputProblems
from kit.core.money import CLIENT_DECIMAL, Amount, DecimalError, money_amount, parse_decimal, unit_price

__all__ = ["DECIMAL_SCALAR", "SCALAR_MAP", "Decimal", "Money", "MoneyInput", "PageInfo", "UserError"]


def _serialize_decimal(value: Decimal | int) -> str:
    """The digits exactly as the resolver made them ("1234.50" stays "1234.50"), in plain notation,
    never exponent form (1E+3 is "1000"), so that clients can parse it with any decimal library; a
    negative zero is "0" (with its places: -0.00 is "0.00"), since zero has no sign on a statement."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        # A float here would be a bug of ours (money is Decimal end to end): fail, never guess digits.
        raise TypeError(f"Decimal fields are resolved with Decimal, not {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite():
        raise TypeError("a Decimal field must be a finite number")
    return format(number.copy_abs() if number.is_zero() else number, "f")


def _parse_decimal(value: object) -> Decimal:
    # kit.core.money.parse_decimal bounds the text before making a Decimal; its DecimalError (a
    # ValueError) becomes a BAD_USER_INPUT error naming the variable (kit.graphql.masking).
    return parse_decimal(value, CLIENT_DECIMAL)


def _parse_decimal_literal(node: ValueNode, _variables: dict[str, Any] | None = None) -> Decimal:
    # A literal in the document keeps its exact source text: 0.1 stays 0.1, never a float first.
    if isinstance(node, StringValueNode | IntValueNode | FloatValueNode):
        return _parse_decimal(node.value)
    raise DecimalError("Decimal must be a string or a number literal")


DECIMAL_SCALAR = strawberry.scalar(
    name="Decimal",
    description=(
        'An exact decimal number, serialized as a JSON string in plain notation such as "1234.50" '
        "(never an exponent). Output: an amount of money has exactly its currency's minor-unit digits; "
        "a unit price, rate, percentage or weight has at most 10 digits after the point, trailing "
        "zeros trimmed. Input: plain notation (ASCII digits, one optional point, an optional leading "
        "minus; no exponent), at most 28 significant digits, 18 digits after the point, and less than "
        "10^18 in magnitude."
    ),
    serialize=_serialize_decimal,
    parse_value=_parse_decimal,
    parse_literal=_parse_decimal_literal,
)
SCALAR_MAP: dict[object, ScalarDefinition] = {Decimal: DECIMAL_SCALAR}


@strawberry.type(
    description=(
        "An amount in one currency (ISO 4217 code). A sum of money (a value, cost, gain, fee, "
        'proceeds, cash, income) is rounded half-even to the currency\'s minor unit ("1234.50"; '
        'JPY "1235"; BHD "1.235"), and a total is the sum of its rounded lines; a unit price or rate '
        '(price, previous close, average cost) has at most 10 decimal places ("150.25").'
    ),
    directives=[Shareable()],
)
class Money:
    amount: Decimal
    currency_code: str

    @overload
    @classmethod
    def amount_of(cls, amount: Amount) -> Money: ...
    @overload
    @classmethod
    def amount_of(cls, amount: None) -> None: ...
    @classmethod
    def amount_of(cls, amount: Amount | None) -> Money | None:
        """An amount of money as a statement shows it: `kit.core.money.money_amount` (None stays None)."""
        if amount is None:
            return None
        return cls(amount=money_amount(amount), currency_code=amount.currency_code)

    @overload
    @classmethod
    def price_of(cls, price: Amount) -> Money: ...
    @overload
    @classmethod
    def price_of(cls, price: None) -> None: ...
    @classmethod
    def price_of(cls, price: Amount | None) -> Money | None:
        """A unit price or rate in a currency: `kit.core.money.unit_price` (None stays None)."""
        if price is None:
            return None
        return cls(amount=unit_price(price.value), currency_code=price.currency_code)


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
