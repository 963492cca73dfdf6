"""What a customer id looks like. Pure Python.

A customer registered by staff gets a ULID the service generates; a customer who registers itself
gets its token's `sub`, which in AWS (Cognito) is a lower-case UUID. Both forms are accepted, in
their canonical spelling only (the one stored), so that a lookup never reaches the table with a key
that cannot exist, and a cursor or an input names a customer one way.
"""

from __future__ import annotations

import re

from kit.errors import InputProblems

# Crockford base32, upper case; the first character is at most 7 (a ULID is 128 bits).
ULID_PATTERN = r"[0-7][0-9A-HJKMNP-TV-Z]{25}"
# RFC 9562 text form, lower case (any version: Cognito's subs are version 4).
UUID_PATTERN = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
CUSTOMER_ID_PATTERN = f"(?:{ULID_PATTERN}|{UUID_PATTERN})"

_CUSTOMER_ID = re.compile(CUSTOMER_ID_PATTERN)

NOT_A_CUSTOMER_ID = "Not a customer id: a customer id is a ULID or a lower-case UUID."


def is_customer_id(value: str) -> bool:
    return _CUSTOMER_ID.fullmatch(value) is not None


def check_customer_id(value: str, field: tuple[str, ...]) -> str:
    """The id when well formed; InputProblems (INVALID) at `field` otherwise."""
    if not is_customer_id(value):
        raise InputProblems.single(field, NOT_A_CUSTOMER_ID)
    return value
