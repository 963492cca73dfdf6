"""Customer use cases: the rules of the domain applied, then storage, then events."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from kit.errors import InputProblems
from kit.events import EventPublisher
from ulid import ULID

from customers.adapters.repository import CustomerRepository, EmailTaken
from customers.domain.customer import Address, Customer, validate_registration

log = logging.getLogger(__name__)


class CustomerService:
    def __init__(self, repository: CustomerRepository, events: EventPublisher) -> None:
        self._repository = repository
        self._events = events

    async def register(
        self, *, email: str, name: str, phone: str | None, address: Address | None
    ) -> Customer:
        registration = validate_registration(email=email, name=name, phone=phone, address=address)
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
            raise InputProblems.single(
                ("input", "email"), "A customer with this email already exists.", "EMAIL_TAKEN"
            ) from error
        await self._events.publish("CustomerRegistered", {"customerId": customer.id})
        return customer

    async def get_many(self, customer_ids: Sequence[str]) -> dict[str, Customer]:
        return await self._repository.get_many(customer_ids)
