"""updateCustomer's and closeCustomer's use cases (services/customers.py) against the in-memory fakes,
races included: the write's version condition decides, and the loser decides again on a fresh read."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from customers.domain.commands import CloseCustomer, RegisterCustomer, UpdateCustomer
from customers.domain.model import Address, CustomerStatus
from kit.core.errors import InputProblems
from kit.core.principal import Forbidden

from .fakes import (
    ADMIN,
    ALICE,
    ALICE_ID,
    OPERATOR,
    START,
    AlwaysStale,
    RaceOnce,
    World,
    customer,
    fields_and_codes,
    new_ulid,
    refused,
)

ADDRESS = Address(line1="1 Market St", city="San Francisco", postal_code="94105", country="US")


async def test_an_update_changes_the_fields_given_keeps_the_rest_and_writes_once() -> None:
    world = World()
    ada = await world.registered(phone="+14155550123", address=ADDRESS)
    world.forget_calls()
    updated = await world.customers.update(
        ADMIN, UpdateCustomer(customer_id=ada.id, expected_version=1, name=" Ada  Lovelace", phone=None)
    )
    assert updated == replace(ada, name="Ada Lovelace", phone=None, version=2)
    assert world.repository.customers[ada.id] == updated
    assert world.repository.calls == [("get", ada.id), ("replace", ada.id)]
    assert world.events == [
        ("CustomerRegistered", 1, {"customerId": ada.id}),
        ("CustomerUpdated", 2, {"customerId": ada.id}),  # ids only: no name, no email
    ]


async def test_a_customer_updates_and_closes_itself() -> None:
    world = World()
    await world.customers.register(ALICE, RegisterCustomer(email="alice@example.com", name="Alice"))
    updated = await world.customers.update(
        ALICE, UpdateCustomer(customer_id=ALICE_ID, expected_version=1, name="Al")
    )
    assert (updated.name, updated.version) == ("Al", 2)
    closed = await world.customers.close(ALICE, CloseCustomer(customer_id=ALICE_ID, expected_version=2))
    assert (closed.status, closed.version) == (CustomerStatus.CLOSED, 3)


async def test_an_update_that_changes_nothing_writes_nothing_and_keeps_the_version() -> None:
    world = World()
    ada = await world.registered()
    world.forget_calls()
    same = await world.customers.update(
        ADMIN,
        UpdateCustomer(customer_id=ada.id, expected_version=1, name="Ada  Investor", email="ada@EXAMPLE.com"),
    )
    assert same == ada
    assert world.repository.calls == [("get", ada.id)]
    assert [e for e, _, _ in world.events] == ["CustomerRegistered"]  # nothing changed: no event


@pytest.mark.parametrize("caller", [OPERATOR, customer(new_ulid(5))], ids=["operator", "another customer"])
async def test_others_are_forbidden_before_anything_is_read_even_with_bad_input(caller) -> None:
    world = World()
    ada = await world.registered()
    world.forget_calls()
    for target in (ada.id, new_ulid(9), "not-an-id"):
        with pytest.raises(Forbidden):
            await world.customers.update(
                caller, UpdateCustomer(customer_id=target, expected_version=1, email="x")
            )
        with pytest.raises(Forbidden):
            await world.customers.close(caller, CloseCustomer(customer_id=target))
    assert world.repository.calls == []
    assert world.repository.customers[ada.id] == ada


async def test_a_bad_id_and_bad_fields_are_reported_together_without_a_read() -> None:
    world = World()
    found = await refused(
        world.customers.update(
            ADMIN, UpdateCustomer(customer_id="nope", expected_version=1, phone="12", name=None)
        )
    )
    assert sorted(fields_and_codes(found)) == [
        (("input", "id"), "INVALID"),
        (("input", "name"), "INVALID"),
        (("input", "phone"), "INVALID"),
    ]
    assert "The name cannot be removed; leave it out to keep the current one." in [p.message for p in found]
    assert fields_and_codes(
        await refused(world.customers.close(ADMIN, CloseCustomer(customer_id="nope")))
    ) == [(("input", "id"), "INVALID")]
    assert world.repository.calls == []


async def test_an_unknown_customer_is_not_found() -> None:
    world = World()
    missing = new_ulid(9)
    for call in (
        world.customers.update(ADMIN, UpdateCustomer(customer_id=missing, expected_version=1, name="X")),
        world.customers.close(ADMIN, CloseCustomer(customer_id=missing)),
    ):
        found = await refused(call)
        assert fields_and_codes(found) == [(("input", "id"), "NOT_FOUND")]
        assert found[0].message == "No customer has this id."
    assert world.repository.writes == []


async def test_a_stale_version_is_a_conflict_and_writes_nothing() -> None:
    world = World()
    ada = await world.registered()
    await world.customers.update(ADMIN, UpdateCustomer(customer_id=ada.id, expected_version=1, name="Two"))
    writes, events = len(world.repository.writes), list(world.events)
    for call in (
        world.customers.update(ADMIN, UpdateCustomer(customer_id=ada.id, expected_version=1, name="Stale")),
        world.customers.close(ADMIN, CloseCustomer(customer_id=ada.id, expected_version=1)),
    ):
        found = await refused(call)
        assert fields_and_codes(found) == [(("input", "expectedVersion"), "CONFLICT")]
        assert found[0].message == "The customer changed: it is at version 2, not 1. Read it again and retry."
    assert len(world.repository.writes) == writes
    assert world.events == events  # a refused change writes no event


async def test_an_email_change_moves_the_email_and_an_email_someone_holds_is_taken() -> None:
    world = World()
    ada = await world.registered(email="ada@example.com")
    bob = await world.registered(email="bob@example.com", name="Bob")
    moved = await world.customers.update(
        ADMIN, UpdateCustomer(customer_id=ada.id, expected_version=1, email="New@Example.com")
    )
    assert moved.email == "New@example.com"
    assert (world.repository.holder_of("new@example.com"), world.repository.holder_of("ada@example.com")) == (
        ada.id,
        None,
    )
    found = await refused(
        world.customers.update(
            ADMIN, UpdateCustomer(customer_id=bob.id, expected_version=1, email="NEW@example.com")
        )
    )
    assert fields_and_codes(found) == [(("input", "email"), "EMAIL_TAKEN")]
    assert world.repository.customers[bob.id] == bob
    assert [(e, n) for e, n, data in world.events if data == {"customerId": bob.id}] == [
        ("CustomerRegistered", 1)
    ]  # the refused email change wrote no event


async def test_the_loser_of_a_race_from_one_version_reads_again_and_gets_conflict() -> None:
    repository = RaceOnce()
    world = World(repository)
    ada = await world.registered()
    repository.race(name="The Winner")
    found = await refused(
        world.customers.update(
            ADMIN, UpdateCustomer(customer_id=ada.id, expected_version=1, name="The Loser")
        )
    )
    assert fields_and_codes(found) == [(("input", "expectedVersion"), "CONFLICT")]
    assert world.repository.customers[ada.id].name == "The Winner"
    assert [name for name, _ in repository.calls[-3:]] == ["get", "replace", "get"]


async def test_concurrent_updates_from_one_version_one_wins() -> None:
    world = World()
    ada = await world.registered()
    results = await asyncio.gather(
        *(
            world.customers.update(
                ADMIN, UpdateCustomer(customer_id=ada.id, expected_version=1, name=f"Racer {i}")
            )
            for i in range(4)
        ),
        return_exceptions=True,
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    assert len(winners) == 1
    assert world.repository.customers[ada.id] == winners[0]
    assert winners[0].version == 2
    refusals = [r for r in results if isinstance(r, InputProblems)]
    assert len(refusals) == 3  # nothing else was raised
    assert [fields_and_codes(r.problems) for r in refusals] == [
        [(("input", "expectedVersion"), "CONFLICT")]
    ] * 3


async def test_a_close_keeps_every_field_bumps_the_version_and_publishes_customer_closed() -> None:
    world = World()
    ada = await world.registered(phone="+14155550123", address=ADDRESS)
    world.clock.advance(days=3)
    closed = await world.customers.close(ADMIN, CloseCustomer(customer_id=ada.id))
    assert closed == replace(ada, status=CustomerStatus.CLOSED, closed_at=world.clock.now, version=2)
    assert closed.closed_at is not None and closed.closed_at > START
    assert world.repository.customers[ada.id] == closed
    assert world.repository.holder_of(ada.email) == ada.id  # the email stays reserved
    assert world.events == [
        ("CustomerRegistered", 1, {"customerId": ada.id}),
        ("CustomerClosed", 2, {"customerId": ada.id}),
    ]
    assert world.repository.events[-1].occurred_at == closed.closed_at


async def test_a_closed_customer_is_neither_changed_nor_closed_again() -> None:
    world = World()
    ada = await world.registered()
    closed = await world.customers.close(ADMIN, CloseCustomer(customer_id=ada.id, expected_version=1))
    for call in (
        world.customers.update(
            ADMIN, UpdateCustomer(customer_id=ada.id, expected_version=2, name="Too late")
        ),
        world.customers.close(ADMIN, CloseCustomer(customer_id=ada.id)),
        world.customers.close(ADMIN, CloseCustomer(customer_id=ada.id, expected_version=2)),
    ):
        found = await refused(call)
        assert fields_and_codes(found) == [(("input", "id"), "CUSTOMER_CLOSED")]
    assert world.repository.customers[ada.id] == closed
    assert [e for e, _, _ in world.events] == ["CustomerRegistered", "CustomerClosed"]


async def test_a_close_without_a_version_closes_over_a_racing_update() -> None:
    repository = RaceOnce()
    world = World(repository)
    ada = await world.registered()
    repository.race(name="Renamed Meanwhile")
    closed = await world.customers.close(ADMIN, CloseCustomer(customer_id=ada.id))
    assert (closed.name, closed.version, closed.status) == ("Renamed Meanwhile", 3, CustomerStatus.CLOSED)
    # The racing update was written by "someone else" (version 2); only the close's event is ours.
    assert world.events.count(("CustomerClosed", 3, {"customerId": ada.id})) == 1


async def test_writes_that_keep_losing_end_in_conflict_after_the_attempts() -> None:
    repository = AlwaysStale()
    world = World(repository, attempts=3)
    ada = await world.registered()
    repository.calls.clear()
    for call in (
        world.customers.update(ADMIN, UpdateCustomer(customer_id=ada.id, expected_version=1, name="Never")),
        world.customers.close(ADMIN, CloseCustomer(customer_id=ada.id)),
    ):
        found = await refused(call)
        assert fields_and_codes(found) == [(("input", "expectedVersion"), "CONFLICT")]
        assert found[0].message == "The customer is being changed by someone else; read it again."
    assert [name for name, _ in repository.calls] == ["get", "replace"] * 6
    assert [e for e, _, _ in world.events] == ["CustomerRegistered"]
