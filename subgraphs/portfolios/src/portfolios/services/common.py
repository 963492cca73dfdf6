"""What every use case shares: the clock, new ids, and the bounded retry of a conflicting write."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_random_exponential,
)
from ulid import ULID

from portfolios.domain.ports import WriteConflict
from portfolios.domain.problems import conflict

Clock = Callable[[], datetime]
IdFactory = Callable[[datetime], str]
T = TypeVar("T")

# Attempts of a use case whose write keeps failing its conditions (concurrent writers to one
# portfolio: each round one of them wins, so 30 at once need up to 30 rounds), bounded in time too
# so that an answer comes before the router's deadline.
WRITE_ATTEMPTS = 60
WRITE_SECONDS = 2.4


def utc_now() -> datetime:
    return datetime.now(UTC)


def ulid_at(at: datetime) -> str:
    """A ULID whose time part is `at`, so that ids sort like creation times."""
    return str(ULID.from_datetime(at))


async def retrying(attempt: Callable[[], Awaitable[T]], attempts: int = WRITE_ATTEMPTS) -> T:
    """Runs `attempt` again (after a short random pause) while its write conflicts; CONFLICT after."""
    try:
        async for retry in AsyncRetrying(
            stop=stop_after_attempt(attempts) | stop_after_delay(WRITE_SECONDS),
            wait=wait_random_exponential(multiplier=0.005, max=0.1),
            retry=retry_if_exception_type(WriteConflict),
            reraise=True,
        ):
            with retry:
                return await attempt()
    except WriteConflict:
        raise conflict() from None
    raise AssertionError("unreachable")  # pragma: no cover
