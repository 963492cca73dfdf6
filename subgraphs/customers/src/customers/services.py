"""Customer use cases: the rules of the domain applied, then storage, then events.

Every change is decided by the domain on a strongly consistent read and written conditionally on
the version that was read (optimistic locking). When the write loses a race, the customer is read
again and the domain decides again: the loser of two updates from the same expectedVersion then
gets CONFLICT, an update racing a close gets CUSTOMER_CLOSED, and so on.

Authorization (issue 7): the caller (`kit.core.principal.Principal`) is an argument of every use case,
so no resolver can bypass the rules:
- reads (`read_many`, behind the DataLoader of `customer(id)` and `_entities`): staff read everyone,
  a customer only itself. A refused id is never read (one batched read for the others) and gets
  the same FORBIDDEN error whether it exists or not.
- `list_page`: staff page through everyone; a customer's list holds only itself.
- `register`: staff register anyone (a generated ULID); a customer registers itself once, its id
  being its token's `sub`.
- `update`, `close`: the customer itself or an admin. The target id is in the input, so the check
  comes first, before any read: no existence oracle, and a refusal costs nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from kit.aws.events import EventPublisher
from kit.core.errors import InputProblems, Problem
from kit.core.principal import Forbidden, Principal, forbidden_to_see
from ulid import ULID

from customers.adapters.repository import AlreadyRegistered, CustomerRepository, EmailTaken, StaleWrite
from customers.domain import customer as rules
from customers.domain.customer import KEEP, Address, Customer, Keep
from customers.domain.ids import check_customer_id, is_customer_id
from customers.domain.paging import creation_key, encode_cursor, page_request

log = logging.getLogger(__name__)

# Lost races before giving up. An update always names its version, so it ends after one lost race
# (the fresh read answers CONFLICT); a close without expectedVersion retries over concurrent updates.
MAX_WRITE_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class Edge:
    cursor: str
    customer: Customer


def _cursor(customer: Customer) -> str:
    return encode_cursor(creation_key(customer.created_at, customer.id))


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


def _already_registered(customer_id: str) -> InputProblems:
    return InputProblems.single(
        (), f"You are registered already, as customer {customer_id}.", "ALREADY_REGISTERED"
    )


def _invalid_subject() -> InputProblems:
    return InputProblems.single(
        (),
        "Your sign-in identity cannot be a customer id: the token's subject must be a ULID or a "
        "lower-case UUID. Ask an operator to register you.",
        "INVALID_SUBJECT",
    )


def _forbidden_to_change(customer_id: str) -> Forbidden:
    """Decided before any read: the same words whether the customer exists or not."""
    return Forbidden(f"Only the customer itself or an admin may change customer {customer_id}.")


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
        self,
        caller: Principal,
        *,
        email: str,
        name: str,
        phone: str | None,
        address: Address | None,
        customer_id: str | None = None,
    ) -> Customer:
        """Staff register anyone, under a new ULID or under `customer_id` (the sign-in `sub` of the
        person, so that their own token reaches the record); a customer registers itself, once,
        under its token's `sub`. FORBIDDEN for a customer naming another id. Problems:
        INVALID_SUBJECT (a sub that is no customer id), INVALID (all of the input's),
        ALREADY_REGISTERED (that id has a profile; also the loser of two racing registrations),
        EMAIL_TAKEN. Nothing is written when one is raised."""
        customer_id = self._new_customer_id(caller, customer_id)
        registration = rules.validate_registration(email=email, name=name, phone=phone, address=address)
        customer = Customer(
            id=customer_id,
            email=registration.email,
            name=registration.name,
            phone=registration.phone,
            address=registration.address,
            created_at=datetime.now(UTC),
        )
        try:
            await self._repository.insert(customer)
        except AlreadyRegistered as error:
            raise _already_registered(customer.id) from error
        except EmailTaken as error:
            raise _email_taken() from error
        await self._events.publish("CustomerRegistered", {"customerId": customer.id})
        return customer

    async def update(
        self,
        caller: Principal,
        *,
        customer_id: str,
        expected_version: int,
        email: str | Keep | None = KEEP,
        name: str | Keep | None = KEEP,
        phone: str | Keep | None = KEEP,
        address: Address | Keep | None = KEEP,
    ) -> Customer:
        """FORBIDDEN (a GraphQL error, before any read) unless the caller is the customer or an
        admin; then problems in order: INVALID (all of them, the id's included), NOT_FOUND,
        CUSTOMER_CLOSED, CONFLICT, EMAIL_TAKEN.

        An update that changes nothing writes nothing and keeps the version.
        """
        self._require_change(caller, customer_id)
        problems: list[Problem] = []
        try:
            check_customer_id(customer_id, ("input", "id"))
        except InputProblems as error:
            problems += error.problems
        try:
            changes = rules.validate_changes(email=email, name=name, phone=phone, address=address)
        except InputProblems as error:
            problems += error.problems
        if problems:
            raise InputProblems(problems)
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

    async def close(self, caller: Principal, *, customer_id: str, expected_version: int | None) -> Customer:
        """Status CLOSED and closedAt set, every other field kept, version + 1; then CustomerClosed.

        FORBIDDEN (before any read) unless the caller is the customer or an admin; then problems:
        INVALID (not a customer id), NOT_FOUND, CUSTOMER_CLOSED (also when closed already), CONFLICT
        (expectedVersion given and stale). The email stays reserved by the closed customer.
        """
        self._require_change(caller, customer_id)
        check_customer_id(customer_id, ("input", "id"))
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

    async def read_many(
        self, caller: Principal, customer_ids: Sequence[str]
    ) -> list[Customer | Forbidden | None]:
        """For a DataLoader: per id, in order, the customer, None (none has that id), or the
        Forbidden error its load raises (the caller may not see that id, whether it exists or not).

        The rule needs only the id, so one BatchGetItem reads the well-formed ids the caller may
        see and nothing else: N references cost at most one read whoever asks.
        """
        wanted = [i for i in dict.fromkeys(customer_ids) if is_customer_id(i) and caller.can_read(i)]
        found = await self._repository.get_many(wanted) if wanted else {}
        return [self._visible(caller, i, found.get(i)) for i in customer_ids]

    async def list_page(self, caller: Principal, *, first: int, after: str | None) -> Page:
        """Customers in creation order, oldest first: everyone for staff, only itself (one edge,
        none before it registers) for a customer. BAD_USER_INPUT (PublicError): first outside
        1..100 or a cursor this list did not make."""
        request = page_request(first, after)
        if not caller.is_staff:
            return await self._own_page(caller, request.after)
        customers, has_next = await self._repository.list_page(request)
        edges = [Edge(_cursor(c), c) for c in customers]
        # Cheap and exact enough: a valid cursor names a customer, and customers are never deleted.
        return Page(edges=edges, has_next_page=has_next, has_previous_page=request.after is not None)

    async def _own_page(self, caller: Principal, after: str | None) -> Page:
        """A customer's list: itself, if it has registered and sorts after the cursor."""
        own_id = caller.customer_id
        me = await self._repository.get(own_id) if own_id and is_customer_id(own_id) else None
        if me is None:
            return Page(edges=[], has_next_page=False, has_previous_page=False)
        if after is None or after < creation_key(me.created_at, me.id):
            return Page(edges=[Edge(_cursor(me), me)], has_next_page=False, has_previous_page=False)
        return Page(edges=[], has_next_page=False, has_previous_page=True)  # after its own cursor

    @staticmethod
    def _visible(caller: Principal, customer_id: str, found: Customer | None) -> Customer | Forbidden | None:
        """None only to those allowed to see the id (staff; a customer asking for itself before it
        registered): to anyone else a missing customer looks like someone else's."""
        return found if caller.can_read(customer_id) else forbidden_to_see("customer", customer_id)

    @staticmethod
    def _new_customer_id(caller: Principal, requested: str | None) -> str:
        if requested is not None:
            if not caller.can_register(requested):
                raise Forbidden("A customer may register only itself.")
            return check_customer_id(requested, ("input", "id"))
        if caller.is_staff:
            return str(ULID())
        subject = caller.customer_id
        if subject is None:  # no role we know: the authentication middleware refuses it first
            raise Forbidden("Only operators, admins and customers themselves may register customers.")
        if not is_customer_id(subject):
            raise _invalid_subject()
        return subject

    @staticmethod
    def _require_change(caller: Principal, customer_id: str) -> None:
        if not caller.can_change(customer_id):
            raise _forbidden_to_change(customer_id)

    async def _existing(self, customer_id: str) -> Customer:
        current = await self._repository.get(customer_id)
        if current is None:
            raise _not_found()
        return current
