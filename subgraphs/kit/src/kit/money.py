"""Money arithmetic on Decimal, framework-free so that every `domain/` package may use it.

Amounts keep full precision inside; rounding happens only for presentation, to the currency's
minor unit, half-even (banker's rounding), as DESIGN.md decision 6 says.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

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


def minor_unit(currency_code: str) -> int:
    if currency_code in _CRYPTO_MINOR_UNITS:
        return _CRYPTO_MINOR_UNITS[currency_code]
    try:
        exponent = iso4217.Currency(currency_code).exponent
    except ValueError as error:
        raise MoneyError(f"unknown currency {currency_code!r}") from error
    return int(exponent or 0)


def parse_decimal(value: object) -> Decimal:
    """A Decimal from a string or an int; floats are refused because they are already inexact."""
    if isinstance(value, bool | float):
        raise MoneyError("a decimal must be given as a string, not a float")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str):
        if isinstance(value, str) and "_" in value:
            # Python's Decimal reads "1_000" as 1000; no client means that in an amount.
            raise MoneyError(f"{value!r} is not a decimal number")
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation as error:
            raise MoneyError(f"{value!r} is not a decimal number") from error
    else:
        raise MoneyError(f"{value!r} is not a decimal number")
    if not result.is_finite():
        raise MoneyError(f"{value!r} is not a finite number")
    return result


def round_to_minor_unit(amount: Decimal, currency_code: str) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-minor_unit(currency_code)), rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True, slots=True)
class Amount:
    """An exact amount of one currency."""

    value: Decimal
    currency_code: str

    def __add__(self, other: Amount) -> Amount:
        self._same_currency(other)
        return Amount(self.value + other.value, self.currency_code)

    def __sub__(self, other: Amount) -> Amount:
        self._same_currency(other)
        return Amount(self.value - other.value, self.currency_code)

    def times(self, factor: Decimal) -> Amount:
        return Amount(self.value * factor, self.currency_code)

    def rounded(self) -> Amount:
        return Amount(round_to_minor_unit(self.value, self.currency_code), self.currency_code)

    @classmethod
    def zero(cls, currency_code: str) -> Amount:
        return cls(Decimal(0), currency_code)

    def _same_currency(self, other: Amount) -> None:
        if other.currency_code != self.currency_code:
            raise MoneyError(f"cannot combine {self.currency_code} with {other.currency_code}")
