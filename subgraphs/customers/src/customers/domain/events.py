"""What the customers service tells other services (the portfolios service keeps a view of who
exists and who closed their account). Each event is written with its change, in the same
transaction (the outbox, DESIGN.md decision 12), and carries ids only: a consumer that needs more
asks.

The domain knows no storage: the repository maps an event to `kit.aws.outbox.OutgoingEvent` through
`type`, `aggregate_id`, `sequence` and `data`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Self

from customers.domain.model import Customer


@dataclass(frozen=True, slots=True)
class CustomerEvent:
    """`version` is the customer's version after the change: consumers apply a customer's events in
    that order and drop one whose version they have seen."""

    customer_id: str
    version: int
    occurred_at: datetime

    @classmethod
    def of(cls, customer: Customer, at: datetime) -> Self:
        return cls(customer.id, customer.version, at)

    @property
    def type(self) -> str:
        """The event's name on the bus (EventBridge's DetailType), e.g. "CustomerRegistered"."""
        return type(self).__name__

    @property
    def aggregate_id(self) -> str:
        return self.customer_id

    @property
    def sequence(self) -> int:
        return self.version

    @property
    def data(self) -> dict[str, str]:
        return {"customerId": self.customer_id}


class CustomerRegistered(CustomerEvent):
    __slots__ = ()


class CustomerUpdated(CustomerEvent):
    """Something of the profile changed; what changed stays here (no name, no email on the bus)."""

    __slots__ = ()


class CustomerClosed(CustomerEvent):
    """The customer is closed for good: it keeps its data and its email, and changes no more."""

    __slots__ = ()
