"""What the customers service tells other services (the portfolios service keeps a view of who
exists and who closed their account). A detail carries ids only: a consumer that needs more asks."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CustomerEvent:
    customer_id: str

    @property
    def type(self) -> str:
        """The event's name on the bus (EventBridge's DetailType), e.g. "CustomerRegistered"."""
        return type(self).__name__

    @property
    def detail(self) -> dict[str, str]:
        return {"customerId": self.customer_id}


class CustomerRegistered(CustomerEvent):
    __slots__ = ()


class CustomerClosed(CustomerEvent):
    """The customer is closed for good: it keeps its data and its email, and changes no more."""

    __slots__ = ()
