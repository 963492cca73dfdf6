"""Money as a statement shows it (DESIGN.md decision 6): amounts to the minor unit, prices precise."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal

from kit.graphql_types import Money
from kit.money import EXACT, Amount, round_to_minor_unit

# Unit prices and rates keep at most this many decimal places.
PRICE_PLACES = 10
_PRICE_QUANTUM = Decimal(1).scaleb(-PRICE_PLACES)


def amount_of(amount: Amount) -> Money:
    """Rounded half-even to the currency's minor unit, with exactly that many digits; never -0."""
    value = round_to_minor_unit(amount.value, amount.currency_code)
    if value.is_zero():
        value = abs(value)
    return Money(amount=value, currency_code=amount.currency_code)


def rate_of(value: Decimal) -> Decimal:
    """At most PRICE_PLACES decimal places (half-even), trailing zeros trimmed, no exponent."""
    if value.as_tuple().exponent < -PRICE_PLACES:  # type: ignore[operator]
        value = value.quantize(_PRICE_QUANTUM, rounding=ROUND_HALF_EVEN, context=EXACT)
    trimmed = value.normalize(EXACT)
    if trimmed.as_tuple().exponent > 0:  # type: ignore[operator]
        trimmed = trimmed.quantize(Decimal(1), context=EXACT)
    return abs(trimmed) if trimmed.is_zero() else trimmed


def price_of(amount: Amount) -> Money:
    return Money(amount=rate_of(amount.value), currency_code=amount.currency_code)


def sum_of_lines(lines: Sequence[Decimal], currency_code: str) -> Money:
    """A total: the sum of lines already rounded to the minor unit (so it needs no rounding)."""
    total = round_to_minor_unit(Decimal(0), currency_code)
    for line in lines:
        total = EXACT.add(total, line)
    return amount_of(Amount(total, currency_code))
