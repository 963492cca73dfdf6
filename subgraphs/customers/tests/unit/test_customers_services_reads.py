"""The reads (services/reads.py) against the in-memory fakes: the DataLoader's batch, with the read
rule applied per id, and the list, everyone's for staff and one's own for a customer."""

from __future__ import annotations

import uuid

import pytest
from customers.domain.commands import RegisterCustomer
from customers.domain.paging import cursor_of
from kit.core.errors import PublicError
from kit.core.principal import Forbidden

from .fakes import ADMIN, ALICE, ALICE_ID, OPERATOR, World, customer, new_ulid


@pytest.mark.parametrize("caller", [OPERATOR, ADMIN], ids=["operator", "admin"])
async def test_staff_load_everyone_in_one_batch_and_none_for_the_missing(caller) -> None:
    world = World()
    ada, bob = await world.registered(), await world.registered(email="bob@example.com", name="Bob")
    missing = new_ulid(9)
    world.forget_calls()
    loaded = await world.reads.customers(caller, [ada.id, missing, bob.id, "not-an-id", ada.id])
    assert loaded == [ada, None, bob, None, ada]
    # one batched read, each well-formed id once; text that is no id is never looked up
    assert world.repository.calls == [("get_many", [ada.id, missing, bob.id])]


async def test_a_customer_loads_itself_and_is_refused_the_others_without_reading_them() -> None:
    world = World()
    alice = await world.customers.register(ALICE, RegisterCustomer(email="alice@example.com", name="Alice"))
    bob = await world.registered(email="bob@example.com", name="Bob")
    missing = new_ulid(9)
    world.forget_calls()
    loaded = await world.reads.customers(ALICE, [bob.id, ALICE_ID, missing, "not-an-id"])
    assert loaded[1] == alice
    refusals = [loaded[0], loaded[2], loaded[3]]
    assert all(isinstance(r, Forbidden) for r in refusals)
    assert [str(r) for r in refusals] == [
        f"You may not see customer {i}." for i in (bob.id, missing, "not-an-id")
    ]
    assert world.repository.calls == [("get_many", [ALICE_ID])]


async def test_a_batch_of_nothing_readable_reads_nothing() -> None:
    world = World()
    bob = await world.registered(email="bob@example.com", name="Bob")
    world.forget_calls()
    loaded = await world.reads.customers(customer(new_ulid(5)), [bob.id, "x"])
    assert all(isinstance(r, Forbidden) for r in loaded)
    assert world.repository.calls == []


async def test_staff_page_through_everyone_in_creation_order() -> None:
    world = World()
    made = [await world.registered(email=f"c{i}@example.com", name=f"C {i}") for i in range(5)]
    first = await world.reads.page(OPERATOR, first=2, after=None)
    assert [e.customer for e in first.edges] == made[:2]
    assert (first.has_next_page, first.has_previous_page) == (True, False)
    assert [e.cursor for e in first.edges] == [cursor_of(c.created_at, c.id) for c in made[:2]]
    rest = await world.reads.page(OPERATOR, first=3, after=first.edges[-1].cursor)
    assert [e.customer for e in rest.edges] == made[2:]
    assert (rest.has_next_page, rest.has_previous_page) == (False, True)


async def test_a_customer_lists_only_itself_and_nothing_after_itself() -> None:
    world = World()
    await world.registered(email="before@example.com", name="Before")
    alice = await world.customers.register(ALICE, RegisterCustomer(email="alice@example.com", name="Alice"))
    world.clock.advance(seconds=1)
    await world.registered(email="after@example.com", name="After")
    world.forget_calls()
    own = await world.reads.page(ALICE, first=100, after=None)
    assert [e.customer for e in own.edges] == [alice]
    assert (own.has_next_page, own.has_previous_page) == (False, False)
    assert world.repository.calls == [("get", ALICE_ID)]  # the list of everyone is never queried
    after = await world.reads.page(ALICE, first=1, after=own.edges[0].cursor)
    assert (after.edges, after.has_next_page, after.has_previous_page) == ([], False, True)


async def test_a_customer_that_has_not_registered_lists_nothing() -> None:
    world = World()
    await world.registered()
    page = await world.reads.page(customer(str(uuid.uuid4())), first=10, after=None)
    assert (page.edges, page.has_next_page, page.has_previous_page) == ([], False, False)


@pytest.mark.parametrize(
    ("first", "after", "message"),
    [
        (0, None, "first must be between 1 and 100."),
        (101, None, "first must be between 1 and 100."),
        (1, "nope", "after is not a cursor this API returned."),
    ],
)
@pytest.mark.parametrize("caller", [OPERATOR, ALICE], ids=["operator", "customer"])
async def test_a_bad_first_or_cursor_is_bad_user_input_before_any_read(caller, first, after, message) -> None:
    world = World()
    with pytest.raises(PublicError) as raised:
        await world.reads.page(caller, first=first, after=after)
    assert (raised.value.code, str(raised.value)) == ("BAD_USER_INPUT", message)
    assert world.repository.calls == []
