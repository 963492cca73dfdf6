"""kit.money: exact Decimal money, half-even rounding to the currency's minor unit (DESIGN.md 6)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kit.money import (
    Amount,
    MoneyError,
    is_iso_currency,
    minor_unit,
    parse_decimal,
    round_to_minor_unit,
)


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("2.345", "USD", "2.34"),  # a tie goes to the even neighbour, down here
        ("2.355", "USD", "2.36"),  # and up here
        ("2.3450001", "USD", "2.35"),  # not a tie: nearest
        ("-2.345", "USD", "-2.34"),
        ("0.005", "USD", "0.00"),
        ("0.015", "USD", "0.02"),
        ("1234.5", "JPY", "1234"),
        ("1235.5", "JPY", "1236"),
        ("1234.51", "JPY", "1235"),
        ("1.2345", "BHD", "1.234"),
        ("1.2355", "BHD", "1.236"),
        ("0.123456785", "BTC", "0.12345678"),
        ("7", "USD", "7.00"),
    ],
)
def test_round_to_minor_unit_is_half_even(amount: str, currency: str, expected: str) -> None:
    result = round_to_minor_unit(Decimal(amount), currency)
    # Compare the text too: the result carries exactly the currency's number of decimals.
    assert str(result) == expected


@pytest.mark.parametrize(("currency", "digits"), [("USD", 2), ("EUR", 2), ("JPY", 0), ("BHD", 3), ("BTC", 8)])
def test_minor_unit(currency: str, digits: int) -> None:
    assert minor_unit(currency) == digits


@pytest.mark.parametrize("currency", ["XYZ", "usd", "", "DOLLARS"])
def test_minor_unit_of_unknown_currency_is_a_money_error(currency: str) -> None:
    with pytest.raises(MoneyError):
        minor_unit(currency)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("USD", True),
        ("EUR", True),
        ("JPY", True),
        ("usd", False),
        ("Usd", False),
        ("XYZ", False),
        ("US", False),
    ],
)
def test_is_iso_currency(code: str, expected: bool) -> None:
    assert is_iso_currency(code) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1.10", Decimal("1.10")),
        (" 42.5 ", Decimal("42.5")),
        ("-0.0001", Decimal("-0.0001")),
        ("1E+3", Decimal("1000")),
        (7, Decimal(7)),
        (-3, Decimal(-3)),
        (Decimal("2.50"), Decimal("2.50")),
    ],
)
def test_parse_decimal_accepts_strings_ints_and_decimals(value: object, expected: Decimal) -> None:
    result = parse_decimal(value)
    assert isinstance(result, Decimal)
    assert result == expected
    if isinstance(value, str):
        # Exact source text kept: trailing zeros are not normalised away.
        assert str(result) == str(Decimal(value.strip()))


@pytest.mark.parametrize(
    "value",
    [
        0.1,
        1.0,
        True,
        False,
        "NaN",
        "nan",
        "sNaN",
        "Infinity",
        "-Infinity",
        "inf",
        Decimal("NaN"),
        Decimal("Infinity"),
        "abc",
        "",
        "   ",
        "1.2.3",
        "1,000",
        "$5",
        None,
        [1],
        b"1",
    ],
)
def test_parse_decimal_refuses_floats_bools_non_finite_and_garbage(value: object) -> None:
    with pytest.raises(MoneyError):
        parse_decimal(value)


def test_money_error_is_a_value_error() -> None:
    # GraphQL scalar parsing and pydantic both recognise ValueError.
    with pytest.raises(ValueError, match="float"):
        parse_decimal(0.5)


def test_amount_arithmetic_in_one_currency_is_exact() -> None:
    a = Amount(Decimal("0.1"), "USD")
    b = Amount(Decimal("0.2"), "USD")
    assert a + b == Amount(Decimal("0.3"), "USD")
    assert b - a == Amount(Decimal("0.1"), "USD")
    assert a.times(Decimal("3")) == Amount(Decimal("0.3"), "USD")
    assert Amount.zero("JPY") == Amount(Decimal(0), "JPY")
    assert Amount(Decimal("10.125"), "USD").rounded() == Amount(Decimal("10.12"), "USD")
    assert Amount(Decimal("10.135"), "USD").rounded().value == Decimal("10.14")


@pytest.mark.parametrize("operation", ["add", "sub"])
def test_amount_arithmetic_refuses_mixed_currencies(operation: str) -> None:
    usd = Amount(Decimal("1"), "USD")
    eur = Amount(Decimal("1"), "EUR")
    with pytest.raises(MoneyError, match=r"USD.*EUR"):
        _ = usd + eur if operation == "add" else usd - eur


def test_amount_is_immutable() -> None:
    amount = Amount(Decimal("1"), "USD")
    with pytest.raises(AttributeError):
        amount.value = Decimal("2")  # type: ignore[misc]


CURRENCIES = st.sampled_from(["USD", "JPY", "BHD", "EUR", "BTC"])
AMOUNTS = st.decimals(
    min_value=Decimal("-1000000000000"),
    max_value=Decimal("1000000000000"),
    places=10,
    allow_nan=False,
    allow_infinity=False,
)


@given(amount=AMOUNTS, currency=CURRENCIES)
def test_rounding_is_idempotent_and_within_half_a_minor_unit(amount: Decimal, currency: str) -> None:
    rounded = round_to_minor_unit(amount, currency)
    digits = minor_unit(currency)
    assert round_to_minor_unit(rounded, currency) == rounded
    assert str(round_to_minor_unit(rounded, currency)) == str(rounded)
    assert abs(rounded - amount) <= Decimal(5).scaleb(-digits - 1)
    assert rounded.as_tuple().exponent == -digits


@given(units=st.integers(min_value=-(10**9), max_value=10**9), currency=CURRENCIES)
def test_exact_ties_round_to_the_even_neighbour(units: int, currency: str) -> None:
    digits = minor_unit(currency)
    tie = (Decimal(units) + Decimal("0.5")).scaleb(-digits)
    rounded = round_to_minor_unit(tie, currency)
    last_digit = int(rounded.scaleb(digits)) % 10
    assert last_digit % 2 == 0
    assert abs(rounded - tie) == Decimal(5).scaleb(-digits - 1)
