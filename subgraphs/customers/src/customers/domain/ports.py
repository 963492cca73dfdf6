"""What the use cases need from the world, as protocols the adapters implement.

A change is decided by the domain on a strongly consistent read and written conditionally on the
version read (optimistic locking): when the stored customer moved on meanwhile, the repository
raises `StaleWrite` having written nothing, and the use case reads again and decides again.
An email belongs to one customer at a time, case-insensitively: the repository keeps it so
atomically with the customer's write (`EmailTaken`, nothing written). The event describing a change
is written in that same transaction (the outbox): it exists exactly when the change does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from customers.domain.events import CustomerEvent
from customers.domain.model import Customer
from customers.domain.paging import PageRequest


class EmailTaken(Exception):
    """Another customer holds this email (whatever its case); nothing was written."""


class AlreadyRegistered(Exception):
    """A customer with this id exists: e.g. a customer registering itself a second time."""


class StaleWrite(Exception):
    """The customer is no longer at the version the change was decided on (or is being written)."""


class CustomerRepository(Protocol):
    async def get(self, customer_id: str) -> Customer | None:
        """Strongly consistent: the base of a change must be the latest write."""

    async def get_many(self, customer_ids: Sequence[str]) -> Mapping[str, Customer]:
        """The customers found among `customer_ids`, in one batched read."""

    async def insert(self, customer: Customer, event: CustomerEvent) -> None:
        """The customer, its email and `event`, all or none; AlreadyRegistered (checked first) or
        EmailTaken when either is someone's already."""

    async def replace(self, customer: Customer, *, previous: Customer, event: CustomerEvent) -> None:
        """`customer` over `previous` if it is still stored at previous.version (else StaleWrite),
        with `event`; a new email moves with it (EmailTaken when someone holds it). Nothing
        written on error, the event neither."""

    async def list_page(self, request: PageRequest) -> tuple[list[Customer], bool]:
        """Up to `request.first` customers after `request.after` in creation order, and whether
        more follow."""
