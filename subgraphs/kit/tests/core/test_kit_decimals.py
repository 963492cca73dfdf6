"""kit.core.money's one bounded parser: parse_decimal, its three bounds, and exact contexts."""

from __future__ import annotations

import time
from decimal import Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kit.core.money import (
    CLIENT_DECIMAL,
    EXACT,
    FEED_DECIMAL,
    STORED_DECIMAL,
    Amount,
    DecimalBounds,
    DecimalError,
    MoneyError,
    decimal_places,
    parse_decimal,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1.10", Decimal("1.10")),
        ("42.5", Decimal("42.5")),
        ("-0.0001", Decimal("-0.0001")),
        ("0", Decimal(0)),
        ("0.000000000000000001", Decimal("1E-18")),  # one wei
        ("999999999999999999", Decimal("999999999999999999")),
        ("1234567890.123456789012345678", Decimal("1234567890.123456789012345678")),  # 28 digits
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
        assert format(result, "f") == value


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
        "1_000",
        "$5",
        " 42.5",
        "42.5 ",
        "+1",
        ".5",
        "5.",
        "1E+3",
        "1e5",
        "1E-1000100",
        "1E+1000100",
        "1E-999999999",
        "-0",
        "-0.000",
        "\u0661\u0662",  # Arabic-Indic digits: Python's Decimal reads them as 12
        "\uff11",  # a full-width 1
        "9" * 29,  # 29 significant digits
        "0.0000000000000000001",  # 19 digits after the point
        "1" + "0" * 18,  # 10^18
        "-" + "9" * 19,
        pytest.param("1" * 100_000, id="100000-digits"),
        10**18,
        -(10**18),
        pytest.param(10**5000, id="10**5000"),  # more digits than Python converts to text
        Decimal("1E-1000100"),
        Decimal("1E+1000100"),
        Decimal("-0"),
        None,
        [1],
        b"1",
    ],
)
def test_parse_decimal_refuses_floats_bools_non_finite_and_garbage(value: object) -> None:
    started = time.perf_counter()
    with pytest.raises(DecimalError):
        parse_decimal(value)
    assert time.perf_counter() - started < 0.05  # refused before any work on its size


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.50000000000000000000000", "1.500000000000000000"),  # zeros beyond 18 places: value kept
        ("00042.10", "42.10"),
        ("0.00", "0.00"),
        ("0." + "0" * 40, "0." + "0" * 18),
        ("0000", "0"),
    ],
)
def test_zeros_do_not_count_as_digits(text: str, expected: str) -> None:
    assert format(parse_decimal(text), "f") == expected


def test_feed_numbers_may_use_an_exponent_within_the_same_bounds() -> None:
    assert parse_decimal("1.234e-05", FEED_DECIMAL) == Decimal("0.00001234")
    assert parse_decimal("2.5E+3", FEED_DECIMAL) == Decimal(2500)
    assert format(parse_decimal("0e-9999", FEED_DECIMAL), "f") == "0." + "0" * 28
    assert format(parse_decimal("0E+9999", FEED_DECIMAL), "f") == "0"
    assert format(parse_decimal(Decimal("0E-1000100"), STORED_DECIMAL), "f") == "0." + "0" * 64
    for hostile in ("1E-999999999", "1e99999", "1e-29", "1E+18", "NaN", "Infinity", "-0e3", " 1"):
        with pytest.raises(DecimalError):
            parse_decimal(hostile, FEED_DECIMAL)


def test_stored_numbers_allow_what_exact_arithmetic_makes_and_no_more() -> None:
    # A lot's cost basis: quantity (8 places) x price (10 places) x fx rate (15 places).
    product = EXACT.multiply(
        EXACT.multiply(Decimal("999999999999.12345678"), Decimal("999999999999.1234567891")),
        Decimal("999999999.123456789012345"),
    )
    assert parse_decimal(format(product, "f"), STORED_DECIMAL) == product
    for hostile in ("1E-999999999", "1" * 257, "1e49"):
        with pytest.raises(DecimalError):
            parse_decimal(hostile, STORED_DECIMAL)


def test_decimal_error_is_a_money_error() -> None:
    # Callers that already catch MoneyError (the catalog loader) keep working.
    with pytest.raises(MoneyError):
        parse_decimal("1e5")


@pytest.mark.parametrize(
    ("value", "places"),
    [("1.50", 1), ("100", 0), ("1E+2", 0), ("0.000000001", 9), ("0", 0), ("0.000", 0), ("-2.25", 2)],
)
def test_decimal_places_ignores_trailing_zeros_without_rounding(value: str, places: int) -> None:
    assert decimal_places(Decimal(value)) == places


BOUNDS = st.sampled_from([CLIENT_DECIMAL, FEED_DECIMAL, STORED_DECIMAL])


def _assert_within(result: Decimal, bounds: DecimalBounds) -> None:
    assert isinstance(result, Decimal)
    assert result.is_finite()
    assert not (result.is_zero() and result.is_signed())
    _, digits, exponent = result.as_tuple()
    assert isinstance(exponent, int)
    assert exponent >= -bounds.max_places
    assert len(digits) <= bounds.max_significant_digits + bounds.max_places
    assert abs(result) < Decimal(10) ** bounds.max_integer_digits
    assert decimal_places(result) <= bounds.max_places


def _parse_or_refuse(value: object, bounds: DecimalBounds) -> None:
    started = time.perf_counter()
    try:
        result = parse_decimal(value, bounds)
    except DecimalError:
        pass
    else:
        _assert_within(result, bounds)
    assert time.perf_counter() - started < 0.05


NUMBER_TEXT = st.from_regex(r"\A-?[0-9]{0,40}(\.[0-9]{0,40})?([eE][-+]?[0-9]{1,12})?\Z")


@settings(max_examples=400)
@given(value=st.one_of(st.text(max_size=200), NUMBER_TEXT), bounds=BOUNDS)
def test_any_text_is_a_bounded_decimal_or_a_decimal_error_fast(value: str, bounds: DecimalBounds) -> None:
    _parse_or_refuse(value, bounds)


@settings(max_examples=300)
@given(
    value=st.one_of(
        st.decimals(allow_nan=True, allow_infinity=True),
        st.integers(),
        st.integers(min_value=-(10**6000), max_value=10**6000),
        st.floats(),
        st.booleans(),
        st.none(),
    ),
    bounds=BOUNDS,
)
def test_any_value_is_a_bounded_decimal_or_a_decimal_error_fast(value: object, bounds: DecimalBounds) -> None:
    _parse_or_refuse(value, bounds)
    if isinstance(value, Decimal):
        _parse_or_refuse(str(value), bounds)


@given(
    value=st.decimals(
        min_value=Decimal("-999999999999999999"),
        max_value=Decimal("999999999999999999"),
        places=8,
        allow_nan=False,
        allow_infinity=False,
    )
)
def test_plain_numbers_within_the_bounds_read_back_exactly(value: Decimal) -> None:
    if value.is_zero():
        value = abs(value)
    text = format(value, "f")
    assert parse_decimal(text) == value
    assert format(parse_decimal(text), "f") == text


def test_an_amount_near_10_to_the_26_keeps_its_cents() -> None:
    # 28 digits (the default context) would round this product to whole hundreds of units.
    quantity = Decimal("999999999999.12345678")
    price = Decimal("99999999999999.99")
    product = Amount(quantity, "USD").times(price)
    assert product.value == Decimal("99999999999912335678000000.0087654322")
    assert product.rounded().value == Decimal("99999999999912335678000000.01")
    total = product + Amount(Decimal("0.01"), "USD")
    assert total.rounded().value == Decimal("99999999999912335678000000.02")
    with localcontext() as default:
        default.prec = 28
        assert quantity * price != product.value  # the default context loses it
