"""kit.graphql.types: the Decimal scalar, Money/MoneyInput and UserError."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import pytest
import strawberry
from kit.core.errors import InputProblems, Problem
from kit.core.money import Amount
from kit.graphql.schema import federated_schema
from kit.graphql.types import Money, MoneyInput, UserError


@strawberry.type
class Query:
    @strawberry.field
    def echo(self, value: Decimal) -> Decimal:
        return value

    @strawberry.field
    def constant(self, text: str) -> Decimal:
        return Decimal(text)

    @strawberry.field
    def money(self, input: MoneyInput) -> Money:
        return Money(amount=input.amount, currency_code=input.currency_code)

    @strawberry.field
    def maybe_money(self) -> Money | None:
        return Money.amount_of(None)

    @strawberry.field
    def amount(self, value: str, currency: str) -> Money:
        return Money.amount_of(Amount(Decimal(value), currency))

    @strawberry.field
    def price(self, value: str, currency: str) -> Money:
        return Money.price_of(Amount(Decimal(value), currency))

    @strawberry.field
    def float_number(self) -> Decimal:
        return 0.1  # type: ignore[return-value]  # the bug the scalar refuses to hide

    @strawberry.field
    def int_number(self) -> Decimal:
        return 7  # type: ignore[return-value]

    @strawberry.field
    def problems(self) -> list[UserError]:
        return [UserError(field=["input", "email"], message="taken", code="TAKEN")]


SCHEMA = federated_schema(query=Query)

ECHO = "query($v: Decimal!) { echo(value: $v) }"


async def run(document: str, variables: dict[str, Any] | None = None) -> tuple[Any, list[Any]]:
    result = await SCHEMA.execute(document, variable_values=variables)
    return result.data, list(result.errors or [])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1E+2", "100"),
        ("0.10", "0.10"),
        ("1.5E-7", "0.00000015"),
        ("-12.3400", "-12.3400"),
        ("123456789012345678901234.56789", "123456789012345678901234.56789"),
        ("1234.50", "1234.50"),  # the digits the resolver made, exactly: a trailing zero stays
        ("1E+3", "1000"),
        ("-0.00", "0.00"),  # a negative zero has no sign, and keeps its places
        ("-0", "0"),
        ("0E-10", "0.0000000000"),
    ],
)
async def test_decimal_serializes_as_a_string_in_plain_notation(text: str, expected: str) -> None:
    data, errors = await run("query($t: String!) { constant(text: $t) }", {"t": text})
    assert errors == []
    assert data == {"constant": expected}


@pytest.mark.parametrize(
    ("literal", "expected"),
    [("0.1", "0.1"), ("0.10", "0.10"), ("5", "5"), ('"0.30"', "0.30"), ("-12.5", "-12.5")],
)
async def test_decimal_literal_is_parsed_from_its_source_text(literal: str, expected: str) -> None:
    # echo serializes with format "f": 1E+3 comes back as "1000"
    data, errors = await run(f"{{ echo(value: {literal}) }}")
    assert errors == []
    assert data == {"echo": format(Decimal(expected), "f")}


async def test_literal_point_one_is_exactly_one_tenth() -> None:
    seen: list[Decimal] = []

    @strawberry.type
    class Capture:
        @strawberry.field
        def capture(self, value: Decimal) -> bool:
            seen.append(value)
            return True

    schema = federated_schema(query=Capture)
    result = await schema.execute("{ capture(value: 0.1) }")
    assert result.errors is None
    assert seen == [Decimal("0.1")]
    assert isinstance(seen[0], Decimal)
    assert seen[0] != Decimal.from_float(0.1)  # not the binary float's expansion


@pytest.mark.parametrize(("value", "expected"), [("0.10", "0.10"), ("42", "42"), (7, "7"), ("-3.5", "-3.5")])
async def test_decimal_variables_as_strings_or_ints_are_accepted(value: object, expected: str) -> None:
    data, errors = await run(ECHO, {"v": value})
    assert errors == []
    assert data == {"echo": expected}


@pytest.mark.parametrize("value", [0.1, 1.5, 100.0, True])
async def test_decimal_variable_given_as_json_float_is_refused(value: object) -> None:
    data, errors = await run(ECHO, {"v": value})
    assert data is None
    assert len(errors) == 1
    assert "float" in errors[0].message
    assert "$v" in errors[0].message
    assert errors[0].extensions == {"code": "BAD_USER_INPUT"}


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "sNaN", "abc", ""])
async def test_non_finite_or_garbage_decimal_variable_is_refused(value: str) -> None:
    data, errors = await run(ECHO, {"v": value})
    assert data is None
    assert len(errors) == 1
    assert "Decimal" in errors[0].message
    # A client mistake, reported as such: not masked as an internal error.
    assert errors[0].extensions == {"code": "BAD_USER_INPUT"}


HOSTILE_DECIMALS = [
    "1E-1000100",
    "1E+1000100",
    "1E-999999999",
    "1e5",
    "9" * 29,
    "0.0000000000000000001",
    "1" + "0" * 18,
    "NaN",
    "Infinity",
    "-0",
    " 1",
    "\u0661\u0662",
    "1" * 100_000,
]


@pytest.mark.parametrize("value", [pytest.param(v, id=v[:24]) for v in HOSTILE_DECIMALS])
async def test_hostile_decimal_variables_are_bad_user_input_fast(value: str) -> None:
    started = time.perf_counter()
    data, errors = await run(ECHO, {"v": value})
    assert time.perf_counter() - started < 0.5
    assert data is None
    assert [e.extensions for e in errors] == [{"code": "BAD_USER_INPUT"}]
    assert "$v" in errors[0].message
    assert "a decimal must" in errors[0].message
    assert len(errors[0].message) < 400  # a 100 000-digit value is not echoed back in full


@pytest.mark.parametrize(
    "literal", ["1E-1000100", "1e+1000100", "1e5", '"1E-999999999"', "9" * 29, '"-0"', '" 1"', "1" * 100_000]
)
async def test_hostile_decimal_literals_are_bad_user_input(literal: str) -> None:
    data, errors = await run(f"{{ echo(value: {literal}) }}")
    assert data is None
    assert [e.extensions for e in errors] == [{"code": "BAD_USER_INPUT"}]
    assert "a decimal must" in errors[0].message


async def test_a_json_integer_beyond_the_bounds_is_bad_user_input() -> None:
    # (JSON itself refuses integers of more than 4300 digits before GraphQL sees them.)
    for value in (10**18, -(10**40), 10**1000):
        data, errors = await run(ECHO, {"v": value})
        assert data is None
        assert [e.extensions for e in errors] == [{"code": "BAD_USER_INPUT"}]


@pytest.mark.parametrize("literal", ['"NaN"', '"abc"', "true", "[1]"])
async def test_invalid_decimal_literal_is_reported_as_a_validation_error_not_masked(literal: str) -> None:
    """An invalid Decimal literal in the document is the client's mistake (a validation error).

    kit.graphql.masking promises to keep validation errors as they are; they must not come back as
    "Internal error. Reference: ..." with INTERNAL_SERVER_ERROR.
    """
    data, errors = await run(f"{{ echo(value: {literal}) }}")
    assert data is None
    assert len(errors) == 1
    assert (errors[0].extensions or {}).get("code") != "INTERNAL_SERVER_ERROR", errors[0].message
    assert "Decimal" in errors[0].message


async def test_money_input_round_trips_through_money() -> None:
    document = "query($m: MoneyInput!) { money(input: $m) { amount currencyCode } }"
    data, errors = await run(document, {"m": {"amount": "1234.5600", "currencyCode": "USD"}})
    assert errors == []
    assert data == {"money": {"amount": "1234.5600", "currencyCode": "USD"}}


async def test_money_input_refuses_a_float_amount() -> None:
    document = "query($m: MoneyInput!) { money(input: $m) { amount } }"
    data, errors = await run(document, {"m": {"amount": 1.5, "currencyCode": "USD"}})
    assert data is None
    assert len(errors) == 1
    assert "amount" in errors[0].message


def test_user_error_from_problems() -> None:
    problems = InputProblems(
        [Problem(("input", "email"), "taken", "TAKEN"), Problem(("input", "name"), "empty")]
    )
    assert UserError.from_problems(problems) == [
        UserError(field=["input", "email"], message="taken", code="TAKEN"),
        UserError(field=["input", "name"], message="empty", code="INVALID"),
    ]
    assert UserError.from_problems(InputProblems([])) == []


async def test_money_of_none_and_user_error_resolve() -> None:
    data, errors = await run("{ maybeMoney { amount } problems { field message code } }")
    assert errors == []
    assert data == {
        "maybeMoney": None,
        "problems": [{"field": ["input", "email"], "message": "taken", "code": "TAKEN"}],
    }


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        ("1234.5", "USD", "1234.50"),
        ("-0.1", "USD", "-0.10"),
        ("-0.001", "USD", "0.00"),
        ("100.005", "USD", "100.00"),  # half-even: the tie goes to the even cent
        ("100.015", "USD", "100.02"),
        ("1234.5", "JPY", "1234"),
        ("1234.51", "JPY", "1235"),
        ("1.2345", "BHD", "1.234"),
        ("1E+3", "EUR", "1000.00"),
    ],
)
async def test_money_amount_of_shows_the_minor_unit_digits(value: str, currency: str, expected: str) -> None:
    data, errors = await run(
        "query($v: String!, $c: String!) { amount(value: $v, currency: $c) { amount currencyCode } }",
        {"v": value, "c": currency},
    )
    assert errors == []
    assert data == {"amount": {"amount": expected, "currencyCode": currency}}


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        ("150.2500", "USD", "150.25"),
        ("3.000", "JPY", "3"),
        ("1E+3", "USD", "1000"),
        ("0.123456789049", "EUR", "0.123456789"),
        ("-0.00000000001", "USD", "0"),
    ],
)
async def test_money_price_of_keeps_ten_places_trimmed(value: str, currency: str, expected: str) -> None:
    data, errors = await run(
        "query($v: String!, $c: String!) { price(value: $v, currency: $c) { amount } }",
        {"v": value, "c": currency},
    )
    assert errors == []
    assert data == {"price": {"amount": expected}}


def test_money_constructors_keep_none() -> None:
    assert Money.amount_of(None) is None
    assert Money.price_of(None) is None


async def test_a_float_resolved_into_a_decimal_field_is_an_error_not_guessed_digits() -> None:
    data, errors = await run("{ floatNumber }")
    assert data is None
    assert len(errors) == 1
    data, errors = await run("{ intNumber }")
    assert errors == []
    assert data == {"intNumber": "7"}  # not "7.000000"
