"""What a customer id looks like. Pure Python.

A customer registered by staff gets a ULID the service generates; a customer who registers itself
gets its token's `sub`, which in AWS (Cognito) is a lower-case UUID. Both forms are accepted, in
their canonical spelling only (the one stored), so that a lookup never reaches the table with a key
that cannot exist, and a cursor or an input names a customer one way.
"""

from __future__ import annotations

from kit.core.errors import InputProblems
from kit.core.ids import CUSTOMER_ID_PATTERN, is_customer_id

__all__ = ["CUSTOMER_ID_PATTERN", "NOT_A_CUSTOMER_ID", "check_customer_id", "is_customer_id"]

NOT_A_CUSTOMER_ID = "Not a customer id: a customer id is a ULID or a lower-case UUID."


def check_customer_id(value: str, field: tuple[str, ...]) -> str:
    """The id when well formed; InputProblems (INVALID) at `field` otherwise."""
    if not is_customer_id(value):
        raise InputProblems.single(field, NOT_A_CUSTOMER_ID)
    return value
