"""The extreme values every input of the hostile suite is tried with."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# Values no Decimal input may accept: each must be refused with a code and write nothing.
DECIMAL_EXTREMES: list[str] = [
    "1E-1000100",
    "1E+1000100",
    "1E-999999999",
    "-1E+999999999",
    "1234567890123456789012345678901234567890",
    "0.0000000000000000000000000000000000000001",
    "12345678901234567890.123456789012345678901",
    "NaN",
    "sNaN",
    "-Infinity",
    "Infinity",
    "\u0661\u0662\u0663",  # Arabic-Indic digits 123
    "\uff11\uff12\uff13",  # fullwidth digits 123
    "\u0967.\u0665",  # Devanagari 1, Arabic-Indic 5
    "1" * 100_000,
    "1" * 5_000,
    "",
    "1e",
    "0x10",
    "1,5",
    "1\u00002",
    "\ud800",
]
# Zero spelled negatively: a valid zero or a refusal, but always a clean answer.
DECIMAL_ODDITIES = ["-0", "0E-8", " 1 ", "+1", "1.", ".5", "1E+2"]

# Strings no String or ID input may accept (control character, lone surrogate, unbounded length).
STRING_REFUSED: list[str] = [
    "x" * 100_000,
    "x" * 15_000,
    "AAPL\u0000",
    "\u0000",
    "\ud800",
    "a\udfff",
]
# Hostile but possibly legitimate text: a name may be Hebrew or carry an emoji. Each must get a
# clean answer; an ID, code or symbol must refuse all of them too.
STRING_ODDITIES: list[str] = [
    "",
    " ",
    "\u202eLPAA",
    "\u05e9\u05dc\u05d5\u05dd",
    "\U0001f4b0\U0001f680",
    "\U0001f469\u200d\U0001f469\u200d\U0001f467",
    "' OR '1'='1' --",
    "1; DROP TABLE customers",
    '{"$gt": ""}',
    "begins_with(pk, :p) OR #pk = :v",
    "%s%n{0}{__class__}",
    "\u00e9" * 3000,
    _b64("\u0661\u0662\u0663"),
    _b64("cursor:\u0661"),
    _b64("\xff\xfe"),
    "not base64!!",
    "01ARZ3NDEKTSV4RRFFQ69G5FAV",  # a well-formed ULID that names nothing
]
STRING_EXTREMES = STRING_REFUSED + STRING_ODDITIES


@dataclass(frozen=True)
class Extremes:
    decimal: list[str] = field(default_factory=lambda: list(DECIMAL_EXTREMES))
    decimal_oddities: list[str] = field(default_factory=lambda: list(DECIMAL_ODDITIES))
    string_refused: list[str] = field(default_factory=lambda: list(STRING_REFUSED))
    string_oddities: list[str] = field(default_factory=lambda: list(STRING_ODDITIES))

    @property
    def string(self) -> list[str]:
        return self.string_refused + self.string_oddities
