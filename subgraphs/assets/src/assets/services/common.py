"""What the use cases share: the clock, and the failure an event consumer retries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class ProvidersUnavailable(RuntimeError):
    """The providers did not answer what an event needs: the event is delivered again later (by SQS;
    after five receives it waits in the dead-letter queue for a redrive)."""
