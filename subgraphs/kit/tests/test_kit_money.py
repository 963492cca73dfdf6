"""kit.core.money: exact Decimal money, half-even rounding to the currency's minor unit (DESIGN.md 6)."""

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
    UNIT_PRICE_PLACES,
    Amount,
    DecimalBounds,
    DecimalError,
    MoneyError,
    allocate,
    decimal_places,
    is_iso_currency,
    minor_unit,
    money_amount,
    parse_decimal,
    round_to_minor_unit,
    sum_of_rounded,
    unit_price,
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


# --- What a statement shows (DESIGN.md decision 6): amounts, unit prices, totals ---


def shown(value: Decimal) -> str:
    """As the Decimal scalar writes it: plain notation."""
    return format(value, "f")


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("1234.5", "USD", "1234.50"),  # always the minor unit's digits
        ("-0.1", "USD", "-0.10"),
        ("-0.004", "USD", "0.00"),  # rounds to zero: no "-0.00"
        ("-0.005", "USD", "0.00"),  # a tie to the even 0, still unsigned
        ("-0.0051", "USD", "-0.01"),
        ("0", "USD", "0.00"),
        ("1E+3", "USD", "1000.00"),  # never exponent notation
        ("1234.5", "JPY", "1234"),  # JPY has no minor unit: half-even to the yen
        ("1235.5", "JPY", "1236"),
        ("-0.4", "JPY", "0"),
        ("1.2345", "BHD", "1.234"),  # three digits
        ("1.2355", "BHD", "1.236"),
        ("0.1", "BHD", "0.100"),
        ("99999999999999999999999999.995", "USD", "100000000000000000000000000.00"),  # huge
        ("0.000000005", "BTC", "0.00000000"),
    ],
)
def test_money_amount_has_exactly_the_minor_unit_digits(amount: str, currency: str, expected: str) -> None:
    assert shown(money_amount(Amount(Decimal(amount), currency))) == expected


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        ("150.2500", "150.25"),  # trailing zeros trimmed
        ("3.000", "3"),
        ("3", "3"),
        ("1E+3", "1000"),  # never exponent notation, either way
        ("1.5E-7", "0.00000015"),
        ("0.12345678914", "0.1234567891"),  # 10 places at most
        ("0.12345678915", "0.1234567892"),  # a tie: to the even neighbour (up here)
        ("0.12345678925", "0.1234567892"),  # and down here
        ("0.00000000004", "0"),  # below half of the 10th place: zero, unsigned
        ("-0.00000000004", "0"),
        ("-2.50", "-2.5"),
        ("0.00", "0"),
        ("999999999999999999.99999999999", "1000000000000000000"),  # huge, rounded up at the 10th place
        ("123456789012345678.123456789012", "123456789012345678.123456789"),
    ],
)
def test_unit_price_keeps_at_most_ten_places_trimmed(price: str, expected: str) -> None:
    assert shown(unit_price(Decimal(price))) == expected


def test_unit_price_refuses_what_is_no_number() -> None:
    for value in ("NaN", "Infinity", "-Infinity"):
        with pytest.raises(MoneyError):
            unit_price(Decimal(value))


def test_sum_of_rounded_is_the_sum_of_the_shown_lines() -> None:
    # Three lines of 0.005 each show 0.00 (half-even); their total shows 0.00, not the 0.02 that
    # rounding the exact sum 0.015 would give, which no reader could add up from the lines.
    lines = [Amount(Decimal("0.005"), "USD")] * 3
    assert sum_of_rounded(lines, "USD") == Amount(Decimal("0.00"), "USD")
    assert round_to_minor_unit(Decimal("0.015"), "USD") == Decimal("0.02")
    assert shown(sum_of_rounded([], "JPY").value) == "0"
    assert shown(sum_of_rounded([], "BHD").value) == "0.000"
    with pytest.raises(MoneyError):
        sum_of_rounded([Amount(Decimal(1), "EUR")], "USD")


def test_allocate_splits_a_rounded_total_the_last_row_taking_the_remainder() -> None:
    assert allocate(Amount(Decimal("100"), "USD"), [Decimal(1)] * 3) == [
        Amount(Decimal("33.33"), "USD"),
        Amount(Decimal("33.33"), "USD"),
        Amount(Decimal("33.34"), "USD"),
    ]
    # The total is rounded first (1000.5 JPY -> 1000, half-even), then split 1:3.
    assert allocate(Amount(Decimal("1000.5"), "JPY"), [Decimal(1), Decimal(3)]) == [
        Amount(Decimal(250), "JPY"),
        Amount(Decimal(750), "JPY"),
    ]
    assert allocate(Amount(Decimal("-10"), "USD"), [Decimal(0), Decimal(2)]) == [
        Amount(Decimal("0.00"), "USD"),
        Amount(Decimal("-10.00"), "USD"),
    ]
    for weights in ([], [Decimal(0)], [Decimal(-1), Decimal(2)]):
        with pytest.raises(MoneyError):
            allocate(Amount(Decimal(1), "USD"), weights)


@given(amount=AMOUNTS, currency=CURRENCIES)
def test_a_shown_amount_has_the_minor_unit_digits_and_no_sign_on_zero(amount: Decimal, currency: str) -> None:
    shown_text = shown(money_amount(Amount(amount, currency)))
    digits = minor_unit(currency)
    fraction = shown_text.partition(".")[2]
    assert len(fraction) == digits
    assert "E" not in shown_text and "e" not in shown_text
    assert Decimal(shown_text) == round_to_minor_unit(amount, currency)
    if Decimal(shown_text) == 0:
        assert not shown_text.startswith("-")


@given(
    price=st.decimals(
        min_value=Decimal("-1000000000000"),
        max_value=Decimal("1000000000000"),
        places=18,
        allow_nan=False,
        allow_infinity=False,
    )
)
def test_a_shown_unit_price_has_at_most_ten_places_and_is_nearest(price: Decimal) -> None:
    text = shown(unit_price(price))
    fraction = text.partition(".")[2]
    assert len(fraction) <= UNIT_PRICE_PLACES
    assert not fraction.endswith("0")  # trimmed
    assert "E" not in text and text != "-0"
    assert abs(Decimal(text) - price) <= Decimal("0.00000000005")
    assert unit_price(Decimal(text)) == Decimal(text)  # idempotent


@given(
    lines=st.lists(st.tuples(AMOUNTS, st.integers(min_value=0, max_value=5)), max_size=40),
    currency=CURRENCIES,
)
def test_a_total_equals_the_sum_of_its_shown_lines(lines: list[tuple[Decimal, int]], currency: str) -> None:
    amounts = [Amount(value, currency) for value, _ in lines]
    total = sum_of_rounded(amounts, currency)
    shown_lines = [Decimal(shown(money_amount(a))) for a in amounts]
    assert Decimal(shown(total.value)) == sum(shown_lines, Decimal(0))
    assert total.value.as_tuple().exponent == -minor_unit(currency)
    # the shown total is within half a minor unit per line of the exact total
    exact = sum((a.value for a in amounts), Decimal(0))
    assert abs(total.value - exact) <= Decimal(5).scaleb(-minor_unit(currency) - 1) * len(amounts)
    if lines and any(weight for _, weight in lines):
        weights = [Decimal(weight) for _, weight in lines]
        rows = allocate(Amount(exact, currency), weights)
        assert sum((row.value for row in rows), Decimal(0)) == round_to_minor_unit(exact, currency)
        assert all(row.value.as_tuple().exponent == -minor_unit(currency) for row in rows)
