"""kit.core.money: exact Decimal money, half-even rounding to the currency's minor unit (DESIGN.md 6)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kit.core.money import (
    UNIT_PRICE_PLACES,
    Amount,
    MoneyError,
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
