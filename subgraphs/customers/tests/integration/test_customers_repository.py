"""DynamoCustomerRepository against DynamoDB Local: the contract of `domain.ports.CustomerRepository`
that the unit tests' fake (tests/unit/fakes.py) also keeps."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from customers.adapters.repository import DynamoCustomerRepository
from customers.adapters.table import table_definition
from customers.domain.events import CustomerRegistered, CustomerUpdated
from customers.domain.model import Address, Customer
from customers.domain.paging import PageRequest, creation_key
from customers.domain.ports import AlreadyRegistered, EmailTaken, StaleWrite
from kit.aws.dynamo import dynamodb_client, ensure_table, from_item
from kit.web.settings import ServiceSettings
from kit_testing import unique_table_name
from ulid import ULID

AT = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)


def someone(n: int, email: str | None = None) -> Customer:
    return Customer(
        id=str(ULID.from_int(n << 64)),
        email=email or f"c{n}@example.com",
        name=f"Customer {n}",
        created_at=AT + timedelta(seconds=n),
        address=Address(line1="1 Main St", city="Springfield", postal_code="1", country="US"),
    )


def registered(customer: Customer) -> CustomerRegistered:
    return CustomerRegistered.of(customer, customer.created_at)


def updated(customer: Customer) -> CustomerUpdated:
    return CustomerUpdated.of(customer, AT + timedelta(days=1))


class Table(DynamoCustomerRepository):
    """The repository, and a look at every item it stored."""

    def __init__(self, client: Any, table: str) -> None:
        super().__init__(client, table)
        self.client, self.table = client, table

    async def items(self) -> list[dict[str, Any]]:
        return [from_item(i) for i in (await self.client.scan(TableName=self.table))["Items"]]


@pytest.fixture
async def repository(dynamodb_endpoint: str) -> AsyncIterator[Table]:
    table = unique_table_name("customers")
    async with dynamodb_client(ServiceSettings(dynamodb_endpoint_url=dynamodb_endpoint)) as client:
        await ensure_table(client, table_definition(table))
        yield Table(client, table)


async def test_a_customer_reads_back_as_it_was_written(repository) -> None:
    ada = replace(someone(1), phone="+14155550123")
    await repository.insert(ada, registered(ada))
    assert await repository.get(ada.id) == ada
    assert await repository.get_many([ada.id, someone(2).id]) == {ada.id: ada}
    assert await repository.get(someone(2).id) is None


async def test_insert_writes_the_customer_and_its_email_or_neither(repository) -> None:
    ada = someone(1, "Ada@Example.com")
    await repository.insert(ada, registered(ada))
    before = await repository.items()
    again = replace(ada, email="other@example.com")
    with pytest.raises(AlreadyRegistered):  # checked before the email
        await repository.insert(again, registered(again))
    with pytest.raises(EmailTaken):
        await repository.insert(someone(2, "ada@EXAMPLE.COM"), registered(someone(2)))
    assert await repository.items() == before  # no event of a refused insert either
    assert sorted(i["pk"] for i in before if i["sk"] != "EVENT") == [
        f"CUSTOMER#{ada.id}",
        "EMAIL#ada@example.com",
    ]
    assert [(i["type"], i["aggregateId"]) for i in before if i["sk"] == "EVENT"] == [
        ("CustomerRegistered", ada.id)
    ]


async def test_replace_is_conditional_on_the_version_read_and_moves_the_email(repository) -> None:
    ada, bob = someone(1), someone(2)
    await repository.insert(ada, registered(ada))
    await repository.insert(bob, registered(bob))
    moved = replace(ada, email="new@example.com", version=2)
    await repository.replace(moved, previous=ada, event=updated(moved))
    assert await repository.get(ada.id) == moved
    guards = {i["pk"]: i["customerId"] for i in await repository.items() if i["sk"] == "EMAIL"}
    assert guards == {"EMAIL#new@example.com": ada.id, f"EMAIL#{bob.email}": bob.id}
    events = [i for i in await repository.items() if i["sk"] == "EVENT"]
    stale, taken = replace(ada, name="Stale", version=2), replace(bob, email="NEW@example.com", version=2)
    with pytest.raises(StaleWrite):  # decided on version 1, stored at 2
        await repository.replace(stale, previous=ada, event=updated(stale))
    with pytest.raises(EmailTaken):
        await repository.replace(taken, previous=bob, event=updated(taken))
    assert await repository.get(bob.id) == bob
    assert await repository.get(ada.id) == moved
    assert [i for i in await repository.items() if i["sk"] == "EVENT"] == events  # none of a refusal
    assert sorted((i["type"], i["aggregateId"], i["sequence"]) for i in events) == sorted(
        [("CustomerRegistered", ada.id, 1), ("CustomerRegistered", bob.id, 1), ("CustomerUpdated", ada.id, 2)]
    )


async def test_a_page_is_in_creation_order_and_says_whether_more_follow(repository) -> None:
    made = [someone(n) for n in (3, 1, 2)]
    for c in made:
        await repository.insert(c, registered(c))
    ordered = sorted(made, key=lambda c: c.created_at)
    first, more = await repository.list_page(PageRequest(first=2))
    assert (first, more) == (ordered[:2], True)
    after = creation_key(first[-1].created_at, first[-1].id)
    rest, more = await repository.list_page(PageRequest(first=2, after=after))
    assert (rest, more) == (ordered[2:], False)
