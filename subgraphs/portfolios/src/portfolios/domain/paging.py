"""Relay-style paging of a portfolio's activities: opaque cursors and page sizes.

A cursor is the activity's id (a ULID, which sorts in recording order) behind a prefix, in
URL-safe base64 without padding; clients must treat it as opaque. Anything else is refused with a
GraphQL error whose extensions.code is BAD_USER_INPUT.
"""

from __future__ import annotations

from kit.core import paging
from kit.core.ids import is_ulid

MAX_PAGE_SIZE = 100
_PREFIX = "activity:"


def encode_cursor(activity_id: str) -> str:
    return paging.encode_cursor(f"{_PREFIX}{activity_id}")


def decode_cursor(cursor: str) -> str:
    """The activity id in a cursor made by `encode_cursor`; PublicError(BAD_USER_INPUT) otherwise."""
    key = paging.decode_cursor(
        cursor, lambda text: text.startswith(_PREFIX) and is_ulid(text.removeprefix(_PREFIX))
    )
    return key.removeprefix(_PREFIX)


def page_size(first: int) -> int:
    return paging.check_page_size(first, MAX_PAGE_SIZE)
