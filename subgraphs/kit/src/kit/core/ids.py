"""What ids look like, shared so that the services cannot drift apart. Framework-free.

Portfolio, lot and activity ids are ULIDs the services generate. A customer id is a ULID when the
customers service generated it (staff registered the customer), or the token's `sub` when a
customer registered itself, which in AWS (Cognito) is a lower-case UUID. Only the canonical
spelling (the one stored) is accepted, so a lookup never reaches a table with a key that cannot
exist.
"""

from __future__ import annotations

import re

# Crockford base32, upper case; the first character is at most 7 (a ULID is 128 bits).
ULID_PATTERN = r"[0-7][0-9A-HJKMNP-TV-Z]{25}"
# RFC 9562 text form, lower case (any version: Cognito's subs are version 4).
UUID_PATTERN = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
CUSTOMER_ID_PATTERN = f"(?:{ULID_PATTERN}|{UUID_PATTERN})"

_ULID = re.compile(ULID_PATTERN)
_CUSTOMER_ID = re.compile(CUSTOMER_ID_PATTERN)


def is_ulid(value: str) -> bool:
    return _ULID.fullmatch(value) is not None


def is_customer_id(value: str) -> bool:
    return _CUSTOMER_ID.fullmatch(value) is not None
