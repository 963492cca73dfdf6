"""Listing customers in creation order, a page at a time, with opaque cursors (Relay style).

The order is the creation key `<createdAt as UTC, microseconds>#<id>`: oldest first, ties (same
microsecond) broken by the id. A cursor is that key in URL-safe base64; clients must treat it as
opaque. Cursors are made and checked by kit.core.paging; only the key inside is the customers'. Pure
Python: the storage adapter turns a `PageRequest` into a Query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from kit.core import paging
from kit.core.ids import CUSTOMER_ID_PATTERN

MAX_PAGE_SIZE = 100
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
# 2024-05-01T12:00:00.123456Z#01HXYZ... (the id: a ULID, or the UUID of a self-registered customer)
# ASCII digits only: \d alone also matches "١٢٣", which strptime reads as digits.
_KEY = re.compile(rf"(\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{6}}Z)#({CUSTOMER_ID_PATTERN})", re.ASCII)


@dataclass(frozen=True, slots=True)
class PageRequest:
    first: int
    after: str | None = None  # the creation key of the last customer already seen


def creation_key(created_at: datetime, customer_id: str) -> str:
    """Sorts as text in creation order (fixed width: microseconds always present, always UTC)."""
    return f"{created_at.astimezone(UTC).strftime(_TIME_FORMAT)}#{customer_id}"


def cursor_of(created_at: datetime, customer_id: str) -> str:
    return paging.encode_cursor(creation_key(created_at, customer_id))


def customer_id_of(key: str) -> str:
    return key.rsplit("#", 1)[1]


def decode_cursor(cursor: str) -> str:
    """The creation key in a cursor; PublicError(BAD_USER_INPUT) when it is not one we made."""
    return paging.decode_cursor(cursor, _is_creation_key)


def _is_creation_key(key: str) -> bool:
    match = _KEY.fullmatch(key)
    if match is None:
        return False
    try:
        datetime.strptime(match.group(1), _TIME_FORMAT)  # noqa: DTZ007 - the Z in the format is UTC
    except ValueError:  # e.g. month 13
        return False
    return True


def page_request(first: int, after: str | None) -> PageRequest:
    paging.check_page_size(first, MAX_PAGE_SIZE)
    return PageRequest(first=first, after=None if after is None else decode_cursor(after))
