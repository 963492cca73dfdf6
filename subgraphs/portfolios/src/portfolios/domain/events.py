"""Events from other services that the portfolios service keeps a local view of.

The portfolios service never reads the customers table nor calls the customers service: it learns
which customers exist, and which closed their account, from the customers service's
CustomerRegistered, CustomerUpdated and CustomerClosed events (written with each change to a
customer, carried by the table's stream to this service's queue). Delivery is at least once and in
no guaranteed order, so the rules below are chosen to make the end state that of in-order
application whatever the order and however many copies arrive:

- each event carries the customer's version after its change (`sequence`); the directory keeps the
  highest it has applied, and a registration or update numbered at or below it is stale: nothing;
- closing is final: a close is applied whatever arrives before or after it, and nothing reopens;
- the consumer records each event id it applied with the change, so a copy changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Protocol

from kit.core.ids import is_customer_id

from portfolios.domain.model import DirectoryEntry

# Who tells this service about customers (an event item's `source`).
CUSTOMERS_SOURCE = "customers"


class InvalidEvent(ValueError):
    """An event that is not one this service understands: its message goes to the dead-letter queue."""


class EventRecord(Protocol):
    """An event as delivered (kit.aws.consumer.IncomingEvent; the domain imports no kit.aws)."""

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


@dataclass(frozen=True, slots=True)
class CustomerEvent:
    event_id: str
    customer_id: str
    sequence: int
    occurred_at: datetime

    closes: ClassVar[bool] = False

    def applied_to(self, entry: DirectoryEntry | None) -> DirectoryEntry | None:
        """The directory entry after this event; None when it changes nothing."""
        if self.closes:
            if entry is not None and entry.closed_at is not None:
                return None  # closed already: the first close stays
            # Final whatever its place: a later-numbered event applied first keeps its sequence.
            sequence = max(self.sequence, entry.sequence) if entry is not None else self.sequence
            return DirectoryEntry(self.customer_id, sequence, closed_at=self.occurred_at)
        if entry is None:
            return DirectoryEntry(self.customer_id, self.sequence)
        if self.sequence <= entry.sequence:
            return None  # stale: a later event of this customer was applied
        # Still numbered, also once closed: the entry reflects the latest event, and stays closed.
        return DirectoryEntry(self.customer_id, self.sequence, closed_at=entry.closed_at)


@dataclass(frozen=True, slots=True)
class CustomerRegistered(CustomerEvent):
    pass


@dataclass(frozen=True, slots=True)
class CustomerUpdated(CustomerEvent):
    """A change of the customer's own data: to the directory it says the customer exists."""


@dataclass(frozen=True, slots=True)
class CustomerClosed(CustomerEvent):
    closes: ClassVar[bool] = True


_TYPES: dict[str, type[CustomerEvent]] = {
    "CustomerRegistered": CustomerRegistered,
    "CustomerUpdated": CustomerUpdated,
    "CustomerClosed": CustomerClosed,
}


def customer_event(record: EventRecord) -> CustomerEvent:
    """The customer event delivered as `record`; InvalidEvent when it is not one."""
    event_type = _TYPES.get(record.type)
    if event_type is None:
        raise InvalidEvent(f"Unsupported event type {record.type!r}.")
    if record.source != CUSTOMERS_SOURCE:
        raise InvalidEvent(f"A {record.type} event comes from the customers service.")
    customer_id = record.aggregate_id
    if not is_customer_id(customer_id):
        raise InvalidEvent("The customer id must be a ULID or a lower-case UUID.")
    named = record.data.get("customerId", customer_id)
    if named != customer_id:
        raise InvalidEvent("The event's customerId is not the customer it is about.")
    if record.sequence < 1:
        raise InvalidEvent("A customer event's sequence starts at 1.")
    return event_type(record.event_id, customer_id, record.sequence, record.occurred_at)
