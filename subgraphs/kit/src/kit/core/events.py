"""What a consumer's domain sees of an event it is delivered (kit.aws.consumer.IncomingEvent has this
shape; a domain imports no kit.aws), and how it refuses one it can never apply."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol


class InvalidEvent(ValueError):
    """An event that is not one this consumer understands: redelivery cannot mend it, so its message
    is left for the dead-letter queue."""


class EventRecord(Protocol):
    @property
    def event_id(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def aggregate_id(self) -> str: ...
    @property
    def sequence(self) -> int: ...
    @property
    def occurred_at(self) -> datetime: ...
    @property
    def data(self) -> dict[str, Any]: ...
