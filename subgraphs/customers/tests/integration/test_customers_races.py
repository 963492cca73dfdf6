"""The service's optimistic locking when a race is certain: every contender reads before anyone
writes (a barrier in the repository's read), so the conditional write is what decides."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from customers.adapters.repository import DynamoCustomerRepository
from customers.adapters.table import table_definition
from customers.domain.commands import CloseCustomer, RegisterCustomer, UpdateCustomer
from customers.domain.model import Customer
from customers.services import CustomerService
from customers.services.customers import CustomerUseCases
from kit.aws.dynamo import RequestCounter, dynamodb_client, ensure_table, from_item
from kit.core.errors import InputProblems
from kit.core.principal import Principal
from kit.web.settings import ServiceSettings
from kit_testing import unique_table_name

ADMIN = Principal.of("admin-1", ["admin"])


def registration(email: str, name: str) -> RegisterCustomer:
    return RegisterCustomer(email=email, name=name)


class BarrierRepository(DynamoCustomerRepository):
    """Holds every read until `parties` reads are waiting; later reads (after a lost race) pass."""

    def __init__(self, client, table: str) -> None:
        super().__init__(client, table)
        self.client, self.table = client, table
        self.barrier: asyncio.Barrier | None = None

    async def get(self, customer_id: str) -> Customer | None:
        found = await super().get(customer_id)
        barrier = self.barrier
        if barrier is not None:
            if barrier.n_waiting == barrier.parties - 1:
                self.barrier = None  # this read releases the others; reads after it pass
            await barrier.wait()
        return found

    def race(self, parties: int) -> None:
        self.barrier = asyncio.Barrier(parties)


@pytest.fixture
async def service(
    dynamodb_endpoint,
) -> AsyncIterator[tuple[CustomerUseCases, BarrierRepository, RequestCounter]]:
    settings = ServiceSettings(dynamodb_endpoint_url=dynamodb_endpoint)
    table = unique_table_name("customers")
    counter = RequestCounter()
    async with dynamodb_client(settings, counter) as client:
        await ensure_table(client, table_definition(table))
        repository = BarrierRepository(client, table)
        yield CustomerService(repository).customers, repository, counter


async def events(repository: BarrierRepository) -> list[tuple[str, str, int]]:
    """(type, customer id, sequence) of every event item in the table, by customer and sequence."""
    items = await repository.client.scan(TableName=repository.table)
    found = [from_item(i) for i in items["Items"]]
    return sorted(
        (i["type"], i["aggregateId"], int(i["sequence"])) for i in found if i.get("kind") == "event"
    )


async def outcome(call) -> Customer | str:
    try:
        return await call
    except InputProblems as error:
        return error.problems[0].code


async def test_two_updates_from_one_version_race_and_the_write_condition_decides(service):
    customers, repository, counter = service
    ada = await customers.register(ADMIN, registration("ada@example.com", "Ada"))
    repository.race(2)
    counter.reset()
    results = await asyncio.gather(
        outcome(customers.update(ADMIN, UpdateCustomer(customer_id=ada.id, expected_version=1, name="One"))),
        outcome(
            customers.update(
                ADMIN,
                UpdateCustomer(customer_id=ada.id, expected_version=1, name="Two", email="two@example.com"),
            )
        ),
    )
    # Both passed the domain's check on version 1 and tried to write: the condition let one through.
    assert counter.calls["TransactWriteItems"] == 2
    assert counter.calls["GetItem"] == 3  # two reads, and the loser's read after it lost
    [winner] = [r for r in results if isinstance(r, Customer)]
    assert [r for r in results if isinstance(r, str)] == ["CONFLICT"]
    assert await repository.get(ada.id) == winner
    assert winner.version == 2
    assert await events(repository) == [("CustomerRegistered", ada.id, 1), ("CustomerUpdated", ada.id, 2)]


async def test_a_close_racing_an_update_retries_and_closes(service):
    customers, repository, counter = service
    ada = await customers.register(ADMIN, registration("ada@example.com", "Ada"))
    repository.race(2)
    counter.reset()
    update, close = await asyncio.gather(
        outcome(
            customers.update(ADMIN, UpdateCustomer(customer_id=ada.id, expected_version=1, name="Renamed"))
        ),
        outcome(customers.close(ADMIN, CloseCustomer(customer_id=ada.id))),
    )
    stored = await repository.get(ada.id)
    assert isinstance(close, Customer)
    assert stored == close
    assert stored.status == "CLOSED"
    if isinstance(update, Customer):  # the update won the first write; the close read again and closed
        assert (stored.name, stored.version) == ("Renamed", 3)
        assert counter.calls["TransactWriteItems"] == 3
        expected = [
            ("CustomerClosed", ada.id, 3),
            ("CustomerRegistered", ada.id, 1),
            ("CustomerUpdated", ada.id, 2),
        ]
    else:  # the close won; the update read again and found it closed
        assert update == "CUSTOMER_CLOSED"
        assert (stored.name, stored.version) == ("Ada", 2)
        expected = [("CustomerClosed", ada.id, 2), ("CustomerRegistered", ada.id, 1)]
    assert await events(repository) == expected  # one event per write that happened, at its version


async def test_two_customers_racing_for_one_email_one_gets_it(service):
    customers, repository, counter = service
    ada = await customers.register(ADMIN, registration("ada@example.com", "Ada"))
    bob = await customers.register(ADMIN, registration("bob@example.com", "Bob"))
    repository.race(2)
    counter.reset()
    results = await asyncio.gather(
        outcome(
            customers.update(
                ADMIN, UpdateCustomer(customer_id=ada.id, expected_version=1, email="Shared@example.com")
            )
        ),
        outcome(
            customers.update(
                ADMIN, UpdateCustomer(customer_id=bob.id, expected_version=1, email="shared@EXAMPLE.com")
            )
        ),
    )
    assert counter.calls["TransactWriteItems"] == 2
    assert sorted(r if isinstance(r, str) else "won" for r in results) == ["EMAIL_TAKEN", "won"]
    loser_id = ada.id if results[0] == "EMAIL_TAKEN" else bob.id
    loser = await repository.get(loser_id)
    assert loser is not None
    assert (loser.email, loser.version) == (("ada" if loser_id == ada.id else "bob") + "@example.com", 1)
    winner_id = bob.id if loser_id == ada.id else ada.id
    assert [e for e in await events(repository) if e[0] == "CustomerUpdated"] == [
        ("CustomerUpdated", winner_id, 2)
    ]  # the loser's transaction wrote no event
