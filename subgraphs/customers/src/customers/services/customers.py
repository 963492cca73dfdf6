"""Registering, changing and closing customers: the access rule, the domain's decision, one write
that carries the event describing it (nothing is published after the write).

Every change is decided by the domain on a strongly consistent read and written conditionally on
the version that was read (optimistic locking). When the write loses a race, the customer is read
again and the domain decides again: the loser of two updates from the same expectedVersion then
gets CONFLICT, an update racing a close gets CUSTOMER_CLOSED, and so on.
"""

from __future__ import annotations

from kit.core.errors import InputProblems, Problem
from kit.core.ids import is_customer_id
from kit.core.principal import Principal

from customers import access
from customers.domain import problems
from customers.domain.commands import CloseCustomer, RegisterCustomer, UpdateCustomer
from customers.domain.events import CustomerClosed, CustomerRegistered, CustomerUpdated
from customers.domain.model import Customer
from customers.domain.ports import (
    AlreadyRegistered,
    CustomerRepository,
    EmailTaken,
    StaleWrite,
)
from customers.domain.problems import ID_FIELD
from customers.domain.validation import check_customer_id, validate_changes, validate_registration
from customers.services.common import MAX_WRITE_ATTEMPTS, Clock, IdFactory


class CustomerUseCases:
    def __init__(
        self,
        repository: CustomerRepository,
        *,
        clock: Clock,
        new_id: IdFactory,
        attempts: int = MAX_WRITE_ATTEMPTS,
    ) -> None:
        self._repository = repository
        self._clock = clock
        self._new_id = new_id
        self._attempts = attempts

    async def register(self, caller: Principal, command: RegisterCustomer) -> Customer:
        """Staff register anyone, under a new ULID or under `customer_id` (the sign-in `sub` of the
        person, so that their own token reaches the record); a customer registers itself, once,
        under its token's `sub`. FORBIDDEN for a customer naming another id. Problems:
        INVALID_SUBJECT (a sub that is no customer id), INVALID (all of the input's),
        ALREADY_REGISTERED (that id has a profile; also the loser of two racing registrations),
        EMAIL_TAKEN. Nothing is written when one is raised."""
        customer_id = self._registration_id(caller, command.customer_id)
        registration = validate_registration(
            email=command.email, name=command.name, phone=command.phone, address=command.address
        )
        customer = Customer.register(customer_id, registration, self._clock())
        try:
            await self._repository.insert(customer, CustomerRegistered.of(customer, customer.created_at))
        except AlreadyRegistered as error:
            raise problems.already_registered(customer.id) from error
        except EmailTaken as error:
            raise problems.email_taken() from error
        return customer

    async def update(self, caller: Principal, command: UpdateCustomer) -> Customer:
        """FORBIDDEN (a GraphQL error, before any read) unless the caller is the customer or an
        admin; then problems in order: INVALID (all of them, the id's included), NOT_FOUND,
        CUSTOMER_CLOSED, CONFLICT, EMAIL_TAKEN.

        An update that changes nothing writes nothing (no event either) and keeps the version; one
        that changes something is written with CustomerUpdated.
        """
        access.check_change(caller, command.customer_id)
        found: list[Problem] = []
        try:
            check_customer_id(command.customer_id, ID_FIELD)
        except InputProblems as error:
            found += error.problems
        try:
            changes = validate_changes(
                email=command.email, name=command.name, phone=command.phone, address=command.address
            )
        except InputProblems as error:
            found += error.problems
        if found:
            raise InputProblems(found)
        for _ in range(self._attempts):
            current = await self._existing(command.customer_id)
            updated = current.apply(changes, expected_version=command.expected_version)
            if updated == current:
                return current
            event = CustomerUpdated.of(updated, self._clock())
            try:
                await self._repository.replace(updated, previous=current, event=event)
            except EmailTaken as error:
                raise problems.email_taken() from error
            except StaleWrite:
                continue
            return updated
        raise problems.conflict()

    async def close(self, caller: Principal, command: CloseCustomer) -> Customer:
        """Status CLOSED and closedAt set, every other field kept, version + 1, written with
        CustomerClosed.

        FORBIDDEN (before any read) unless the caller is the customer or an admin; then problems:
        INVALID (not a customer id), NOT_FOUND, CUSTOMER_CLOSED (also when closed already), CONFLICT
        (expectedVersion given and stale). The email stays reserved by the closed customer.
        """
        access.check_change(caller, command.customer_id)
        check_customer_id(command.customer_id, ID_FIELD)
        for _ in range(self._attempts):
            current = await self._existing(command.customer_id)
            now = self._clock()
            closed = current.close(expected_version=command.expected_version, at=now)
            try:
                await self._repository.replace(closed, previous=current, event=CustomerClosed.of(closed, now))
            except StaleWrite:
                continue
            return closed
        raise problems.conflict()

    def _registration_id(self, caller: Principal, requested: str | None) -> str:
        """The id the new customer gets: the one staff name, a new ULID, or the customer's `sub`."""
        access.check_register(caller, requested)
        if requested is not None:
            return check_customer_id(requested, ID_FIELD)
        subject = caller.customer_id
        if caller.is_staff or subject is None:  # no subject: staff (check_register refused anyone else)
            return self._new_id()
        if not is_customer_id(subject):
            raise problems.invalid_subject()
        return subject

    async def _existing(self, customer_id: str) -> Customer:
        current = await self._repository.get(customer_id)
        if current is None:
            raise problems.not_found()
        return current
