"""Relay paging shared by every list: opaque cursors and page sizes. Framework-free.

A cursor is a service's own position key (a sort key, an id, an offset) in URL-safe base64 without
padding. Clients must treat it as opaque; anything this API did not hand out is refused with a
GraphQL error whose extensions.code is BAD_USER_INPUT.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable

from kit.core.errors import BAD_USER_INPUT, PublicError, bad_user_input

__all__ = [
    "BAD_USER_INPUT",
    "bad_cursor",
    "check_page_size",
    "decode_cursor",
    "decode_offset_cursor",
    "encode_cursor",
    "encode_offset_cursor",
]

# No cursor this API hands out is longer; a longer one is refused before it is decoded.
MAX_CURSOR_LENGTH = 512
# An offset in a cursor: ASCII digits only (int() would also read "١٢٣"), few enough for any list.
_OFFSET = re.compile(r"[0-9]{1,9}", re.ASCII)


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, is_valid_key: Callable[[str], bool]) -> str:
    """The key in a cursor made by `encode_cursor` and accepted by `is_valid_key` (which sees only
    printable ASCII keys); BAD_USER_INPUT for anything else."""
    if len(cursor) > MAX_CURSOR_LENGTH or not cursor.isascii():
        raise bad_cursor()
    try:
        key = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, ValueError) as error:  # UnicodeDecodeError is a ValueError
        raise bad_cursor() from error
    # Canonical only: re-encoding must give the cursor back (no stray characters, padding tricks).
    if encode_cursor(key) != cursor or not (key.isascii() and key.isprintable()) or not is_valid_key(key):
        raise bad_cursor()
    return key


def encode_offset_cursor(prefix: str, offset: int) -> str:
    return encode_cursor(f"{prefix}{offset}")


def decode_offset_cursor(cursor: str, prefix: str) -> int:
    """The offset in a cursor made by `encode_offset_cursor` with `prefix`; BAD_USER_INPUT otherwise."""

    def is_offset_key(text: str) -> bool:
        return text.startswith(prefix) and _OFFSET.fullmatch(text.removeprefix(prefix)) is not None

    return int(decode_cursor(cursor, is_offset_key).removeprefix(prefix))


def check_page_size(first: int, maximum: int) -> int:
    if not 1 <= first <= maximum:
        raise bad_user_input(f"first must be between 1 and {maximum}.")
    return first


def bad_cursor() -> PublicError:
    return bad_user_input("after is not a cursor this API returned.")
