"""Relay paging shared by every list: opaque cursors and page sizes. Framework-free.

A cursor is a service's own position key (a sort key, an id, an offset) in URL-safe base64 without
padding. Clients must treat it as opaque; anything this API did not hand out is refused with a
GraphQL error whose extensions.code is BAD_USER_INPUT.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from kit.errors import PublicError

BAD_USER_INPUT = "BAD_USER_INPUT"


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, is_valid_key: Callable[[str], bool]) -> str:
    """The key in a cursor made by `encode_cursor` and accepted by `is_valid_key`."""
    try:
        key = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, ValueError) as error:  # UnicodeDecodeError is a ValueError
        raise bad_cursor() from error
    # Canonical only: re-encoding must give the cursor back (no stray characters, padding tricks).
    if encode_cursor(key) != cursor or not is_valid_key(key):
        raise bad_cursor()
    return key


def check_page_size(first: int, maximum: int) -> int:
    if not 1 <= first <= maximum:
        raise PublicError(f"first must be between 1 and {maximum}.", BAD_USER_INPUT)
    return first


def bad_cursor() -> PublicError:
    return PublicError("after is not a cursor this API returned.", BAD_USER_INPUT)
