"""What the use cases share: the clock and new ids (both replaceable in tests)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from ulid import ULID

Clock = Callable[[], datetime]
IdFactory = Callable[[], str]

# Lost races before giving up. An update always names its version, so it ends after one lost race
# (the fresh read answers CONFLICT); a close without expectedVersion retries over concurrent updates.
MAX_WRITE_ATTEMPTS = 5


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_ulid() -> str:
    return str(ULID())
