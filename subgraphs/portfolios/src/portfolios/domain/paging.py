"""Relay-style paging of a portfolio's activities: opaque cursors and page sizes.

A cursor is the activity's id (a ULID, which sorts in recording order) behind a prefix, in
URL-safe base64 without padding; clients must treat it as opaque. Anything else is refused with a
GraphQL error whose extensions.code is BAD_USER_INPUT.
"""

from __future__ import annotations

import base64
import binascii

from kit.errors import PublicError

from portfolios.domain.validation import is_ulid

MAX_PAGE_SIZE = 100
BAD_USER_INPUT = "BAD_USER_INPUT"
_PREFIX = "activity:"


def encode_cursor(activity_id: str) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{activity_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The activity id in a cursor made by `encode_cursor`; PublicError(BAD_USER_INPUT) otherwise."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, ValueError) as error:  # UnicodeDecodeError is a ValueError
        raise _bad_cursor() from error
    activity_id = text.removeprefix(_PREFIX)
    # Canonical only: re-encoding must give the cursor back (no stray characters or padding tricks).
    if not text.startswith(_PREFIX) or not is_ulid(activity_id) or encode_cursor(activity_id) != cursor:
        raise _bad_cursor()
    return activity_id


def page_size(first: int) -> int:
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise PublicError(f"first must be between 1 and {MAX_PAGE_SIZE}", BAD_USER_INPUT)
    return first


def _bad_cursor() -> PublicError:
    return PublicError("after is not a cursor this API returned", BAD_USER_INPUT)
