"""In-memory fakes of `customers.domain.ports`, for the use cases' unit tests (no I/O).

`FakeCustomerRepository` keeps what the DynamoDB adapter keeps (profiles, and which customer holds
each email, case-insensitively) and honours the same contract: `insert` writes the customer and its
email or neither (AlreadyRegistered checked first, then EmailTaken); `replace` writes only if the
stored customer is still at `previous.version` (else StaleWrite), moving the email with it
(EmailTaken when someone else holds the new one). A write keeps its event with it, as the adapter
writes both in one transaction: `events` lists the events of the writes that happened, nothing of a
refused one. Every method yields to the event loop once, as
real I/O does, so that concurrent use cases interleave between their read and their write.

Besides the fakes: a fixed, advanceable clock, ids counting up, principals, and `World`, which wires a
`CustomerService` to the fakes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from customers.domain.commands import RegisterCustomer
from customers.domain.events import CustomerEvent
from customers.domain.model import Customer, email_key
from customers.domain.paging import PageRequest, creation_key
from customers.domain.ports import AlreadyRegistered, EmailTaken, StaleWrite
from customers.services import CustomerService
from kit.core.errors import InputProblems, Problem
from kit.core.principal import Principal, Role
from kit_testing import FixedClock
from ulid import ULID

START = datetime(2024, 12, 2, 9, 30, tzinfo=UTC)


class CountingIds:
    """ULIDs counting up from 1: `made` lists every id handed out."""

    def __init__(self) -> None:
        self.made: list[str] = []

    def __call__(self) -> str:
        self.made.append(str(ULID.from_int(len(self.made) + 1)))
        return self.made[-1]


def new_ulid(n: int) -> str:
    """A well-formed customer id that nothing in the fakes has unless a test stores it."""
    return str(ULID.from_int(n << 64))


def customer(customer_id: str) -> Principal:
    return Principal.of(customer_id, [Role.CUSTOMER])


ADMIN = Principal.of("admin-7", [Role.ADMIN])
OPERATOR = Principal.of("operator-3", [Role.OPERATOR])
ALICE_ID = new_ulid(0xA11CE)
BOB_ID = new_ulid(0xB0B)
ALICE = customer(ALICE_ID)
BOB = customer(BOB_ID)


class FakeCustomerRepository:
    """`CustomerRepository` in memory. `calls` lists the methods called with their first argument
    (to show what was read), `writes` every customer written, `events` the event of each write."""

    def __init__(self) -> None:
        self.customers: dict[str, Customer] = {}
        self.emails: dict[str, str] = {}  # email key -> customer id
        self.calls: list[tuple[str, Any]] = []
        self.writes: list[Customer] = []
        self.events: list[CustomerEvent] = []

    async def _io(self, name: str, argument: Any) -> None:
        self.calls.append((name, argument))
        await asyncio.sleep(0)

    async def get(self, customer_id: str) -> Customer | None:
        await self._io("get", customer_id)
        return self.customers.get(customer_id)

    async def get_many(self, customer_ids: Sequence[str]) -> Mapping[str, Customer]:
        await self._io("get_many", list(customer_ids))
        return {i: self.customers[i] for i in customer_ids if i in self.customers}

    async def insert(self, customer: Customer, event: CustomerEvent) -> None:
        await self._io("insert", customer.id)
        if customer.id in self.customers:
            raise AlreadyRegistered(customer.id)
        if customer.email_key in self.emails:
            raise EmailTaken(customer.email)
        self._store(customer)
        self.events.append(event)

    async def replace(self, customer: Customer, *, previous: Customer, event: CustomerEvent) -> None:
        await self._io("replace", customer.id)
        stored = self.customers.get(customer.id)
        if stored is None or stored.version != previous.version:
            raise StaleWrite(customer.id)
        holder = self.emails.get(customer.email_key)
        if holder is not None and holder != customer.id:
            raise EmailTaken(customer.email)
        if self.emails.get(previous.email_key) == customer.id:
            del self.emails[previous.email_key]
        self._store(customer)
        self.events.append(event)

    async def list_page(self, request: PageRequest) -> tuple[list[Customer], bool]:
        await self._io("list_page", request)
        ordered = sorted(self.customers.values(), key=lambda c: creation_key(c.created_at, c.id))
        after = [
            c for c in ordered if request.after is None or creation_key(c.created_at, c.id) > request.after
        ]
        return after[: request.first], len(after) > request.first

    def _store(self, customer: Customer) -> None:
        self.customers[customer.id] = customer
        self.emails[customer.email_key] = customer.id
        self.writes.append(customer)

    def holder_of(self, email: str) -> str | None:
        return self.emails.get(email_key(email))

    @property
    def published(self) -> list[tuple[str, int, dict[str, Any]]]:
        """(type, sequence, data) of every event written, in order."""
        return [(e.type, e.sequence, e.data) for e in self.events]


class RaceOnce(FakeCustomerRepository):
    """Before the next `replace`, `change` is applied to the stored customer as if another writer
    had got there first (a version later), so that write fails its condition."""

    def __init__(self) -> None:
        super().__init__()
        self.pending: dict[str, Any] | None = None

    def race(self, **change: Any) -> None:
        self.pending = change

    async def replace(self, customer: Customer, *, previous: Customer, event: CustomerEvent) -> None:
        if self.pending is not None:
            stored = self.customers[customer.id]
            self._store(replace(stored, **self.pending, version=stored.version + 1))
            self.pending = None
        await super().replace(customer, previous=previous, event=event)


class AlwaysStale(FakeCustomerRepository):
    """Every `replace` loses to another writer (whose change the reads never see)."""

    async def replace(self, customer: Customer, *, previous: Customer, event: CustomerEvent) -> None:
        await self._io("replace", customer.id)
        raise StaleWrite(customer.id)


async def refused(call: Awaitable[object]) -> list[Problem]:
    """The problems a use case raised (it must raise InputProblems)."""
    with pytest.raises(InputProblems) as raised:
        await call
    return raised.value.problems


def fields_and_codes(found: list[Problem]) -> list[tuple[tuple[str, ...], str]]:
    return [(p.field, p.code) for p in found]


class World:
    """A `CustomerService` on the fakes, with a fixed clock and counting ids."""

    def __init__(self, repository: FakeCustomerRepository | None = None, *, attempts: int = 5) -> None:
        self.repository = repository or FakeCustomerRepository()
        self.clock = FixedClock(START)
        self.ids = CountingIds()
        self.service = CustomerService(self.repository, clock=self.clock, new_id=self.ids, attempts=attempts)
        self.customers = self.service.customers
        self.reads = self.service.reads

    @property
    def events(self) -> list[tuple[str, int, dict[str, Any]]]:
        """(type, sequence, data) of every event written with a change, in order."""
        return self.repository.published

    async def registered(
        self, email: str = "ada@example.com", name: str = "Ada Investor", **more: Any
    ) -> Customer:
        """A customer registered by an admin; the clock moves a second after, so that customers
        registered one after the other sort in that order."""
        created = await self.customers.register(ADMIN, RegisterCustomer(email=email, name=name, **more))
        self.clock.advance(seconds=1)
        return created

    def forget_calls(self) -> None:
        self.repository.calls.clear()
