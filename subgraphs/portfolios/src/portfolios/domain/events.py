"""Events from other services that the portfolios service keeps a local view of.

The portfolios service never reads the customers table nor calls the customers service: it learns
which customers exist from `CustomerRegistered` events (over HTTP today, EventBridge/SQS later).
"""

from __future__ import annotations

from dataclasses import dataclass

from portfolios.domain.validation import is_ulid


class InvalidEvent(ValueError):
    """An event body that is not an event this service understands."""


@dataclass(frozen=True, slots=True)
class CustomerRegistered:
    customer_id: str


Event = CustomerRegistered


def parse_event(body: object) -> Event:
    """The event in a decoded JSON body such as {"type": "CustomerRegistered", "customerId": "01H..."}."""
    if not isinstance(body, dict):
        raise InvalidEvent("the body must be a JSON object")
    kind = body.get("type")
    if kind == "CustomerRegistered":
        customer_id = body.get("customerId")
        if not isinstance(customer_id, str) or not is_ulid(customer_id):
            raise InvalidEvent("customerId must be a ULID")
        return CustomerRegistered(customer_id=customer_id)
    raise InvalidEvent(f"unsupported event type {kind!r}")
