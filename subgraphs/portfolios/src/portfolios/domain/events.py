"""Events from other services that the portfolios service keeps a local view of.

The portfolios service never reads the customers table nor calls the customers service: it learns
which customers exist, and which closed their account, from `CustomerRegistered` and
`CustomerClosed` events (pushed over HTTP locally, from an SQS queue fed by EventBridge in AWS).
Delivery is at least once and in no guaranteed order: applying an event twice, or a close before
the registration, ends in the same state as applying each once in order.
"""

from __future__ import annotations

from dataclasses import dataclass

from kit.core.ids import is_customer_id


class InvalidEvent(ValueError):
    """An event body that is not an event this service understands."""


@dataclass(frozen=True, slots=True)
class CustomerRegistered:
    customer_id: str


@dataclass(frozen=True, slots=True)
class CustomerClosed:
    customer_id: str


Event = CustomerRegistered | CustomerClosed

_TYPES: dict[str, type[CustomerRegistered] | type[CustomerClosed]] = {
    "CustomerRegistered": CustomerRegistered,
    "CustomerClosed": CustomerClosed,
}


def parse_event(body: object) -> Event:
    """The event in a decoded JSON body such as {"type": "CustomerClosed", "customerId": "01H..."}."""
    if not isinstance(body, dict):
        raise InvalidEvent("The body must be a JSON object.")
    kind = body.get("type")
    event_type = _TYPES.get(kind) if isinstance(kind, str) else None
    if event_type is None:
        raise InvalidEvent(f"Unsupported event type {kind!r}.")
    customer_id = body.get("customerId")
    if not isinstance(customer_id, str) or not is_customer_id(customer_id):
        raise InvalidEvent("customerId must be a ULID or a lower-case UUID.")
    return event_type(customer_id=customer_id)
