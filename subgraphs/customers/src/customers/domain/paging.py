"""Listing customers in creation order, a page at a time, with opaque cursors (Relay style).

The order is the creation key `<createdAt as UTC, microseconds>#<id>`: oldest first, ties (same
microsecond) broken by the id. A cursor is that key in URL-safe base64; clients must treat it as
opaque. Pure Python: the storage adapter turns a `PageRequest` into a Query.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from kit.errors import PublicError

MAX_PAGE_SIZE = 100
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
# 2024-05-01T12:00:00.123456Z#01HXYZ... (a ULID: 26 characters of Crockford base32)
_KEY = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)#([0-9A-HJKMNP-TV-Z]{26})")


@dataclass(frozen=True, slots=True)
class PageRequest:
    first: int
    after: str | None = None  # the creation key of the last customer already seen


def creation_key(created_at: datetime, customer_id: str) -> str:
    """Sorts as text in creation order (fixed width: microseconds always present, always UTC)."""
    return f"{created_at.astimezone(UTC).strftime(_TIME_FORMAT)}#{customer_id}"


def customer_id_of(key: str) -> str:
    return key.rsplit("#", 1)[1]


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The creation key in a cursor; PublicError(BAD_USER_INPUT) when it is not one we made."""
    try:
        key = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, ValueError) as error:  # UnicodeDecodeError is a ValueError
        raise _bad_cursor() from error
    # Canonical only: re-encoding must give the cursor back (no stray characters, padding tricks).
    match = _KEY.fullmatch(key)
    if match is None or encode_cursor(key) != cursor:
        raise _bad_cursor()
    try:
        datetime.strptime(match.group(1), _TIME_FORMAT)  # noqa: DTZ007 - the Z in the format is UTC
    except ValueError as error:  # e.g. month 13
        raise _bad_cursor() from error
    return key


def page_request(first: int, after: str | None) -> PageRequest:
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise PublicError(f"first must be between 1 and {MAX_PAGE_SIZE}.", "BAD_USER_INPUT")
    return PageRequest(first=first, after=None if after is None else decode_cursor(after))


def _bad_cursor() -> PublicError:
    return PublicError("after is not a cursor from this list.", "BAD_USER_INPUT")
