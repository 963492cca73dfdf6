"""Text from clients: one policy for every String and ID input of every service. Framework-free.

Whatever a client sends as a string passes `clean_text` before a service stores it, looks it up
or parses it further:
- valid Unicode only: a lone surrogate (JSON "\\ud800") cannot be stored as UTF-8 and means
  nothing;
- no control characters (Unicode Cc: C0, DEL, C1), except tab, line feed and carriage return in a
  field that takes multi-line text; no line or paragraph separator in a single-line field; no
  bidirectional embedding, override or isolate characters, which make a name display as another
  ("Trojan Source"). Zero-width joiners, marks and right-to-left letters are text and stay;
- normalised to NFC, so that "é" typed as one character or as "e" and an accent is one value;
- at most the length of its kind of field (`TextKind`), counted in characters after NFC.

A service applies its own rules after this one (a name's 1 to 100 characters, a symbol's pattern);
this one is what no field may lack. A mutation's input reports a breach as a userError (INVALID at
the field: `check_text`, `text_problem`); a query's argument as a GraphQL error with
extensions.code BAD_USER_INPUT (`text_argument`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum

from kit.core.errors import InputProblems, Problem, PublicError

__all__ = [
    "BAD_USER_INPUT",
    "TextError",
    "TextKind",
    "check_text",
    "clean_text",
    "text_argument",
    "text_problem",
]

BAD_USER_INPUT = "BAD_USER_INPUT"


@dataclass(frozen=True, slots=True)
class _Limits:
    max_length: int
    multiline: bool = False


class TextKind(Enum):
    """Kinds of client text and the most characters each may have. Generous for real data (the
    services' own rules are tighter), tight enough that no request stores or looks up kilobytes."""

    ID = _Limits(64)  # a ULID is 26 characters, a UUID 36
    CODE = _Limits(32)  # ISO currency and country codes, ticker symbols
    NAME = _Limits(200)  # a person's or a portfolio's name
    EMAIL = _Limits(320)  # RFC 3696: 64 for the local part, @, 255 for the domain
    PHONE = _Limits(32)  # E.164 is at most 15 digits, with room for spaces and punctuation
    ADDRESS = _Limits(200)  # one line of a postal address, a city, a region, a postal code
    KEY = _Limits(128)  # an idempotency key
    SEARCH = _Limits(100)  # what a user types into a search box
    REFERENCE = _Limits(256)  # a string an entity representation carries (a key, a @requires field)
    NOTE = _Limits(2000, multiline=True)  # free multi-line text

    @property
    def max_length(self) -> int:
        return self.value.max_length

    @property
    def multiline(self) -> bool:
        return self.value.multiline


class TextError(ValueError):
    """Text the policy refuses; the message is a phrase to follow the field's name."""


_SURROGATE = re.compile(r"[\ud800-\udfff]")
_BIDI_CONTROL = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
# Cc (C0, DEL, C1), and in a single-line field the line and paragraph separators too.
_SINGLE_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_MULTI_LINE_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# NFC makes a string at most three times longer (Unicode's own bound); a longer one is refused
# before normalising, so that no time is spent on a megabyte.
_NFC_GROWTH = 3


def clean_text(value: str, kind: TextKind) -> str:
    """`value` in NFC when the policy accepts it for `kind`; TextError otherwise. Never raises
    anything else, whatever the string."""
    if not isinstance(value, str):
        raise TextError("must be text")
    too_long = f"must be at most {kind.max_length} characters long"
    if len(value) > kind.max_length * _NFC_GROWTH:
        raise TextError(too_long)
    if _SURROGATE.search(value):
        raise TextError("must be valid Unicode text (it holds a lone surrogate)")
    controls = _MULTI_LINE_CONTROL if kind.multiline else _SINGLE_LINE_CONTROL
    if controls.search(value):
        if kind.multiline:
            raise TextError("must not contain control characters other than tab and line breaks")
        raise TextError("must not contain control characters or line breaks")
    if _BIDI_CONTROL.search(value):
        raise TextError("must not contain bidirectional override or isolate characters")
    normalised = unicodedata.normalize("NFC", value)
    if len(normalised) > kind.max_length:
        raise TextError(too_long)
    return normalised


def trimmed(value: str, kind: TextKind) -> str:
    """An id, a code or a symbol as the services match it: `value` in NFC without surrounding
    spaces, or "" (which no id, code or symbol matches) when the policy refuses it. A control
    character must not vanish under str.strip() (NEL, U+0085, is whitespace to Python) and turn
    hostile text into a valid code."""
    try:
        return clean_text(value, kind).strip()
    except TextError:
        return ""


def _sentence(field: tuple[str, ...], error: TextError) -> str:
    return f"{field[-1] if field else 'The text'} {error}."


def text_problem(value: str, kind: TextKind, field: tuple[str, ...]) -> Problem | None:
    """The problem (INVALID at `field`, named by its last part) when the policy refuses `value`."""
    try:
        clean_text(value, kind)
    except TextError as error:
        return Problem(field, _sentence(field, error))
    return None


def check_text(value: str, kind: TextKind, field: tuple[str, ...]) -> str:
    """`value` in NFC, or InputProblems (INVALID at `field`): for a mutation's input."""
    try:
        return clean_text(value, kind)
    except TextError as error:
        raise InputProblems([Problem(field, _sentence(field, error))]) from error


def text_argument(value: str, kind: TextKind, name: str) -> str:
    """`value` in NFC, or a PublicError with code BAD_USER_INPUT: for a query's argument `name`."""
    try:
        return clean_text(value, kind)
    except TextError as error:
        raise PublicError(_sentence((name,), error), BAD_USER_INPUT) from error
