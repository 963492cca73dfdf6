"""Customer use cases: the rules of the domain applied, then storage, then events.

Every change is decided by the domain on a strongly consistent read and written conditionally on
the version that was read (optimistic locking). When the write loses a race, the customer is read
again and the domain decides again: the loser of two updates from the same expectedVersion then
gets CONFLICT, an update racing a close gets CUSTOMER_CLOSED, and so on.

Authorization is not built yet (a customer will see and change only itself). When it is, the
caller's identity arrives here as an argument of each use case, and the check sits at the top of
each method, before any read or write, so that no resolver can bypass it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from kit.errors import InputProblems
from kit.events import EventPublisher
from ulid import ULID

from customers.adapters.repository import CustomerRepository, EmailTaken, StaleWrite
from customers.domain import customer as rules
from customers.domain.customer import KEEP, Address, Customer, Keep
from customers.domain.paging import creation_key, encode_cursor, page_request

log = logging.getLogger(__name__)

# Lost races before giving up. An update always names its version, so it ends after one lost race
# (the fresh read answers CONFLICT); a close without expectedVersion retries over concurrent updates.
MAX_WRITE_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class Edge:
    cursor: str
    customer: Customer


@dataclass(frozen=True, slots=True)
class Page:
    edges: list[Edge]
    has_next_page: bool
    has_previous_page: bool


def _email_taken() -> InputProblems:
    return InputProblems.single(
        ("input", "email"), "A customer with this email already exists.", "EMAIL_TAKEN"
    )


def _not_found() -> InputProblems:
    return InputProblems.single(("input", "id"), "No customer has this id.", "NOT_FOUND")


def _conflict() -> InputProblems:
    return InputProblems.single(
        ("input", "expectedVersion"),
        "The customer is being changed by someone else; read it again.",
        "CONFLICT",
    )


class CustomerService:
    def __init__(self, repository: CustomerRepository, events: EventPublisher) -> None:
        self._repository = repository
        self._events = events

    async def register(
        self, *, email: str, name: str, phone: str | None, address: Address | None
    ) -> Customer:
        registration = rules.validate_registration(email=email, name=name, phone=phone, address=address)
        customer = Customer(
            id=str(ULID()),
            email=registration.email,
            name=registration.name,
            phone=registration.phone,
            address=registration.address,
            created_at=datetime.now(UTC),
        )
        try:
            await self._repository.insert(customer)
        except EmailTaken as error:
            raise _email_taken() from error
        await self._events.publish("CustomerRegistered", {"customerId": customer.id})
        return customer

    async def update(
        self,
        *,
        customer_id: str,
        expected_version: int,
        email: str | Keep | None = KEEP,
        name: str | Keep | None = KEEP,
        phone: str | Keep | None = KEEP,
        address: Address | Keep | None = KEEP,
    ) -> Customer:
        """Problems in order: INVALID (all of them), NOT_FOUND, CUSTOMER_CLOSED, CONFLICT, EMAIL_TAKEN.

        An update that changes nothing writes nothing and keeps the version.
        """
        changes = rules.validate_changes(email=email, name=name, phone=phone, address=address)
        for _ in range(MAX_WRITE_ATTEMPTS):
            current = await self._existing(customer_id)
            updated = rules.apply_changes(current, changes, expected_version=expected_version)
            if updated == current:
                return current
            try:
                await self._repository.replace(updated, previous=current)
            except EmailTaken as error:
                raise _email_taken() from error
            except StaleWrite:
                continue
            return updated
        raise _conflict()

    async def close(self, *, customer_id: str, expected_version: int | None) -> Customer:
        """Status CLOSED and closedAt set, every other field kept, version + 1; then CustomerClosed.

        Problems: NOT_FOUND, CUSTOMER_CLOSED (also when closed already), CONFLICT (expectedVersion
        given and stale). The email stays reserved by the closed customer.
        """
        for _ in range(MAX_WRITE_ATTEMPTS):
            current = await self._existing(customer_id)
            closed = rules.close(current, expected_version=expected_version, at=datetime.now(UTC))
            try:
                await self._repository.replace(closed, previous=current)
            except StaleWrite:
                continue
            await self._events.publish("CustomerClosed", {"customerId": closed.id})
            return closed
        raise _conflict()

    async def get_many(self, customer_ids: Sequence[str]) -> dict[str, Customer]:
        return await self._repository.get_many(customer_ids)

    async def list_page(self, *, first: int, after: str | None) -> Page:
        """Customers in creation order, oldest first. BAD_USER_INPUT (PublicError): first outside
        1..100 or a cursor this list did not make."""
        request = page_request(first, after)
        customers, has_next = await self._repository.list_page(request)
        edges = [Edge(encode_cursor(creation_key(c.created_at, c.id)), c) for c in customers]
        # Cheap and exact enough: a valid cursor names a customer, and customers are never deleted.
        return Page(edges=edges, has_next_page=has_next, has_previous_page=request.after is not None)

    async def _existing(self, customer_id: str) -> Customer:
        current = await self._repository.get(customer_id)
        if current is None:
            raise _not_found()
        return current
