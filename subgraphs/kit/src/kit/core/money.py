"""Money arithmetic on Decimal, framework-free so that every `domain/` package may use it.

Amounts keep full precision inside; what a statement shows follows DESIGN.md decision 6: an amount
of money (a value, cost, gain, fee, proceeds, cash, income) is rounded half-even to its currency's
minor unit and keeps exactly that many digits (`money_amount`), a total is the sum of its rounded
lines (`sum_of_rounded`), and a unit price or rate keeps at most `UNIT_PRICE_PLACES`
places with trailing zeros trimmed (`unit_price`). Every Decimal made from text
(a client's input, a stored record, a provider's answer) comes from `parse_decimal`, which bounds its
length, digits and exponent before any arithmetic; sums and products run in `EXACT`, quotients in
`RATIO`, never in the thread's default context.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, DivisionByZero, InvalidOperation, Overflow
from functools import lru_cache

import iso4217

# ISO 4217 has no entries for crypto assets; their quotes are still money in a "currency" the
# catalog names, so they get a minor unit here rather than being rejected.
_CRYPTO_MINOR_UNITS = {"BTC": 8, "ETH": 18}


class MoneyError(ValueError):
    """An amount or currency that cannot be money."""


def is_iso_currency(code: str) -> bool:
    try:
        iso4217.Currency(code)
    except ValueError:
        return False
    return code.isupper() and len(code) == 3


# Cached: a statement rounds every line, and the ISO 4217 lookup costs more than the rounding. Only
# known codes are cached (an unknown one raises), so the cache stays as small as the currency list.
@lru_cache(maxsize=512)
def minor_unit(currency_code: str) -> int:
    if currency_code in _CRYPTO_MINOR_UNITS:
        return _CRYPTO_MINOR_UNITS[currency_code]
    try:
        exponent = iso4217.Currency(currency_code).exponent
    except ValueError as error:
        raise MoneyError(f"unknown currency {currency_code!r}") from error
    return int(exponent or 0)


class DecimalError(MoneyError):
    """Text (or a number) that is not a decimal within the bounds: the parser's one error."""


@dataclass(frozen=True, slots=True)
class DecimalBounds:
    """What `parse_decimal` accepts: checked on the text, then on the digits, before any arithmetic.

    `max_text_length` is checked first, so that a megabyte of digits costs nothing; the grammar
    (plain `-?digits[.digits]`, or with an exponent of at most four digits when `exponent_notation`)
    makes the value finite and its exponent small; then significant digits, digits after the point
    and magnitude (|x| < 10**max_integer_digits) are counted on the digits, never by arithmetic.
    """

    name: str
    max_text_length: int
    max_significant_digits: int
    max_places: int
    max_integer_digits: int
    exponent_notation: bool = False


# What a client may send: a real portfolio needs no more, and every product of three of these
# (quantity x price x rate) stays exact in `EXACT`.
# - 28 significant digits: as many as .NET's decimal and Python's default context hold, so any
#   client can round-trip what it sent; no price, quantity or rate has more.
# - 18 digits after the point: ETH and most tokens divide to 10^-18 (wei); nothing finer trades.
# - below 10^18: more than any share count, token supply, price (in any currency) or rate.
# - 64 characters: the longest such number with room for leading and trailing zeros.
# - plain notation only, as the API writes numbers ("1234.50", never "1.2345E+3"): an exponent is
#   how 1E-999999999 gets in, and no client needs one.
CLIENT_DECIMAL = DecimalBounds(
    name="client",
    max_text_length=64,
    max_significant_digits=28,
    max_places=18,
    max_integer_digits=18,
)
# Market-data providers write small crypto prices with an exponent ("1.234e-05"); their numbers get
# the client's digits and magnitude, and more places (tiny prices in a strong currency).
FEED_DECIMAL = DecimalBounds(
    name="feed",
    max_text_length=64,
    max_significant_digits=28,
    max_places=28,
    max_integer_digits=18,
    exponent_notation=True,
)
# What this system computed and stored (cost bases, realized gains, holdings sent to a peer): sums
# and products of client numbers in `EXACT`, so up to its precision; still bounded, so that a broken
# or tampered record cannot inject 1E-999999999 either.
STORED_DECIMAL = DecimalBounds(
    name="stored",
    max_text_length=256,
    max_significant_digits=120,
    max_places=64,
    max_integer_digits=48,
    exponent_notation=True,
)

_PLAIN = re.compile(r"-?[0-9]+(?:\.[0-9]+)?", re.ASCII)
_WITH_EXPONENT = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]{1,4})?", re.ASCII)
# Python ints convert to text digit by digit (and refuse beyond 4300 digits): bound them by size first.
_MAX_INT_BITS = 512

# Sums and products of bounded numbers, exactly: three client numbers multiply to at most 84
# significant digits, sums of many such add a few more; 120 leaves room. Division is inexact anyway
# and uses RATIO. Any overflow or invalid operation raises instead of giving a special value.
EXACT = Context(
    prec=120,
    rounding=ROUND_HALF_EVEN,
    Emin=-999_999,
    Emax=999_999,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)
# Quotients (weights, percentages, derived rates): 28 significant digits, more than any display.
RATIO = Context(
    prec=28,
    rounding=ROUND_HALF_EVEN,
    Emin=-999_999,
    Emax=999_999,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)


def parse_decimal(value: object, bounds: DecimalBounds = CLIENT_DECIMAL) -> Decimal:
    """The one way a Decimal is made from text this service did not compute (a client's input, a
    stored record, a provider's answer): a string or an int within `bounds`, else `DecimalError`.

    Floats are refused because they are already inexact; so are bools, NaN, infinities and "-0".
    A value written with zeros beyond `max_places` ("1.50000...0") keeps its value at `max_places`.
    """
    if isinstance(value, bool | float):
        raise DecimalError("a decimal must be given as a string, not a float")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise DecimalError("a decimal must be a finite number")
        return _within(value, bounds)
    if isinstance(value, int):
        if value.bit_length() > _MAX_INT_BITS:
            raise DecimalError(_too_large(bounds))
        text = str(value)
    elif isinstance(value, str):
        text = value
    else:
        raise DecimalError("a decimal must be given as a string")
    if len(text) > bounds.max_text_length:
        raise DecimalError(f"a decimal must be at most {bounds.max_text_length} characters long")
    grammar = _WITH_EXPONENT if bounds.exponent_notation else _PLAIN
    if grammar.fullmatch(text) is None:
        raise DecimalError(
            "a decimal must be written with ASCII digits, at most one point and an optional "
            "leading minus, such as 1234.56"
            + ("" if bounds.exponent_notation else " (no exponent, no spaces)")
        )
    return _within(Decimal(text), bounds)


def _too_large(bounds: DecimalBounds) -> str:
    return f"a decimal must be less than 10^{bounds.max_integer_digits} in magnitude"


def _within(value: Decimal, bounds: DecimalBounds) -> Decimal:
    """`value` when its digits fit `bounds`; counted on its digit tuple, no arithmetic."""
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite
    if not any(digits):
        if sign:
            raise DecimalError("a decimal must not be negative zero")
        # Zero keeps its places ("0.00"), at most max_places of them, and no exponent ("0E+9" is 0).
        return Decimal((0, (0,), max(-bounds.max_places, min(0, exponent))))
    significant = len(digits)
    while digits[significant - 1] == 0:
        significant -= 1
    lowest = exponent + (len(digits) - significant)  # exponent of the last non-zero digit
    if significant > bounds.max_significant_digits:
        raise DecimalError(f"a decimal must have at most {bounds.max_significant_digits} significant digits")
    if -lowest > bounds.max_places:
        raise DecimalError(f"a decimal must have at most {bounds.max_places} digits after the point")
    if lowest + significant > bounds.max_integer_digits:
        raise DecimalError(_too_large(bounds))
    if exponent < -bounds.max_places:  # only zeros beyond max_places: drop them, exactly
        return value.quantize(Decimal(1).scaleb(-bounds.max_places), context=EXACT)
    return value


def decimal_places(value: Decimal) -> int:
    """Digits after the point, trailing zeros not counted: 1.50 has 1, 100 has 0. No rounding."""
    _, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int) or not any(digits):
        return 0
    trailing = len(digits) - len(bytes(digits).rstrip(b"\x00"))
    return max(0, -(exponent + trailing))


def round_to_minor_unit(amount: Decimal, currency_code: str) -> Decimal:
    """`amount` rounded half-even to the currency's minor unit, with exactly that many digits after
    the point (USD 7 is 7.00, JPY 1234.5 is 1234); a negative amount that rounds to zero is 0.00,
    never -0.00."""
    quantum = _minor_unit_quantum(currency_code)
    if amount.same_quantum(quantum):  # already a line as shown (a total re-adds its rounded lines)
        rounded = amount
    else:  # in EXACT: the default 28 digits cannot hold an amount near 10^26 with its cents
        rounded = amount.quantize(quantum, rounding=ROUND_HALF_EVEN, context=EXACT)
    return rounded.copy_abs() if rounded.is_zero() else rounded


@lru_cache(maxsize=512)
def _minor_unit_quantum(currency_code: str) -> Decimal:
    return Decimal(1).scaleb(-minor_unit(currency_code))


def money_amount(amount: Amount) -> Decimal:
    """An amount of money as a statement shows it: see `round_to_minor_unit`."""
    return round_to_minor_unit(amount.value, amount.currency_code)


# A unit price or rate is shown to 10 places at most: finer than any quote or FX feed publishes
# (feeds give 4 to 8), so nothing a source said is lost, and a derived rate stays readable.
UNIT_PRICE_PLACES = 10
_UNIT_PRICE_QUANTUM = Decimal(1).scaleb(-UNIT_PRICE_PLACES)


def unit_price(value: Decimal) -> Decimal:
    """A unit price or rate (a price, previous close, average cost, FX rate, percentage, weight) as
    the API shows it: at most `UNIT_PRICE_PLACES` places, half-even, trailing zeros trimmed
    ("150.2500" is 150.25, "3.000" is 3), and never an exponent (1E+3 is 1000, 0E-12 is 0)."""
    if not value.is_finite():
        raise MoneyError("a unit price must be a finite number")
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite
    if exponent < -UNIT_PRICE_PLACES:
        value = value.quantize(_UNIT_PRICE_QUANTUM, rounding=ROUND_HALF_EVEN, context=EXACT)
    if value.is_zero():
        return Decimal(0)
    trimmed = value.normalize(EXACT)  # 150.2500 -> 150.25, but 1000 -> 1E+3
    if trimmed.as_tuple().exponent > 0:  # type: ignore[operator]  # finite: an int
        return trimmed.quantize(Decimal(1), context=EXACT)
    return trimmed


def sum_of_rounded(lines: Iterable[Amount], currency_code: str) -> Amount:
    """The total a statement shows under `lines`: each line rounded as it is shown, then added, so
    that the total equals the sum of the shown lines to the last digit (DESIGN.md decision 6).
    Lines in another currency than `currency_code` are a `MoneyError`."""
    total = round_to_minor_unit(Decimal(0), currency_code)
    for line in lines:
        if line.currency_code != currency_code:
            raise MoneyError(f"cannot add {line.currency_code} to a total in {currency_code}")
        total = EXACT.add(total, round_to_minor_unit(line.value, currency_code))
    return Amount(total, currency_code)


@dataclass(frozen=True, slots=True)
class Amount:
    """An exact amount of one currency."""

    value: Decimal
    currency_code: str

    def __add__(self, other: Amount) -> Amount:
        self._same_currency(other)
        return Amount(EXACT.add(self.value, other.value), self.currency_code)

    def __sub__(self, other: Amount) -> Amount:
        self._same_currency(other)
        return Amount(EXACT.subtract(self.value, other.value), self.currency_code)

    def times(self, factor: Decimal) -> Amount:
        return Amount(EXACT.multiply(self.value, factor), self.currency_code)

    def rounded(self) -> Amount:
        return Amount(round_to_minor_unit(self.value, self.currency_code), self.currency_code)

    @classmethod
    def zero(cls, currency_code: str) -> Amount:
        return cls(Decimal(0), currency_code)

    def _same_currency(self, other: Amount) -> None:
        if other.currency_code != self.currency_code:
            raise MoneyError(f"cannot combine {self.currency_code} with {other.currency_code}")
