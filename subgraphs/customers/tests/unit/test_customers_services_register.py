"""registerCustomer's use case (services/customers.py) against the in-memory fakes."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from customers.domain.commands import RegisterCustomer
from customers.domain.model import Address, CustomerStatus
from kit.core.errors import InputProblems
from kit.core.principal import Forbidden

from .fakes import ADMIN, ALICE, ALICE_ID, BOB_ID, OPERATOR, START, World, customer, fields_and_codes, refused


def ada(**more: Any) -> RegisterCustomer:
    return RegisterCustomer(email="  Ada@EXAMPLE.com ", name="  Ada   Investor ", **more)


@pytest.mark.parametrize("caller", [OPERATOR, ADMIN], ids=["operator", "admin"])
async def test_staff_register_under_a_new_id_now_and_publish_it(caller) -> None:
    world = World()
    address = Address(line1=" 1 Market St ", city="San Francisco", postal_code="94105", country="us")
    created = await world.customers.register(caller, ada(phone="+1 415 555 0123", address=address))
    assert created.id == world.ids.made[0]
    assert (created.email, created.name, created.phone) == ("Ada@example.com", "Ada Investor", "+14155550123")
    assert created.address == Address(
        line1="1 Market St", city="San Francisco", postal_code="94105", country="US"
    )
    assert (created.created_at, created.version, created.status) == (START, 1, CustomerStatus.ACTIVE)
    assert world.repository.customers == {created.id: created}
    assert world.repository.holder_of("ada@example.com") == created.id
    assert world.events == [("CustomerRegistered", 1, {"customerId": created.id})]
    assert world.repository.events[0].occurred_at == created.created_at


async def test_staff_register_a_person_under_the_sign_in_subject_they_name() -> None:
    world = World()
    subject = str(uuid.uuid4())
    created = await world.customers.register(OPERATOR, ada(customer_id=subject))
    assert created.id == subject
    assert world.ids.made == []


async def test_a_customer_registers_itself_under_its_subject_once() -> None:
    world = World()
    created = await world.customers.register(ALICE, ada())
    assert created.id == ALICE_ID
    again = await refused(
        world.customers.register(ALICE, RegisterCustomer(email="new@example.com", name="A"))
    )
    assert fields_and_codes(again) == [((), "ALREADY_REGISTERED")]
    assert again[0].message == f"You are registered already, as customer {ALICE_ID}."
    assert world.repository.customers == {ALICE_ID: created}
    assert world.repository.holder_of("new@example.com") is None
    assert world.events == [("CustomerRegistered", 1, {"customerId": ALICE_ID})]


async def test_racing_self_registrations_make_one_customer() -> None:
    world = World()
    results = await asyncio.gather(
        *(
            world.customers.register(ALICE, RegisterCustomer(email=f"a{i}@example.com", name="A"))
            for i in range(4)
        ),
        return_exceptions=True,
    )
    created = [r for r in results if not isinstance(r, BaseException)]
    refusals = [r for r in results if isinstance(r, InputProblems)]
    assert (len(created), len(refusals)) == (1, 3)  # nothing else was raised
    assert [fields_and_codes(r.problems) for r in refusals] == [[((), "ALREADY_REGISTERED")]] * 3
    assert list(world.repository.customers) == [ALICE_ID]
    assert len(world.repository.emails) == 1


async def test_a_customer_naming_another_id_is_forbidden_before_anything_is_checked_or_read() -> None:
    world = World()
    with pytest.raises(Forbidden):
        await world.customers.register(ALICE, RegisterCustomer(email="bad", name="", customer_id=BOB_ID))
    assert world.repository.calls == [] and world.events == []


@pytest.mark.parametrize(
    "subject", ["alice", "3F2504E0-4F89-41D3-9A0C-0305E82C3301", "01hzzzzzzzzzzzzzzzzzzzzzzz"]
)
async def test_a_subject_that_is_no_customer_id_is_invalid_subject_and_nothing_is_written(subject) -> None:
    world = World()
    found = await refused(world.customers.register(customer(subject), ada()))
    assert fields_and_codes(found) == [((), "INVALID_SUBJECT")]
    assert "ULID or a lower-case UUID" in found[0].message
    assert world.repository.calls == []


async def test_staff_naming_an_id_that_is_no_customer_id_get_invalid_at_the_id() -> None:
    world = World()
    found = await refused(world.customers.register(ADMIN, ada(customer_id="alice")))
    assert fields_and_codes(found) == [(("input", "id"), "INVALID")]
    assert world.repository.calls == []


async def test_every_bad_field_is_reported_at_once_and_nothing_is_written() -> None:
    world = World()
    found = await refused(
        world.customers.register(ADMIN, RegisterCustomer(email="nope", name=" ", phone="12"))
    )
    assert sorted(fields_and_codes(found)) == [
        (("input", "email"), "INVALID"),
        (("input", "name"), "INVALID"),
        (("input", "phone"), "INVALID"),
    ]
    assert world.repository.calls == [] and world.events == []


async def test_an_email_someone_holds_in_any_case_is_taken() -> None:
    world = World()
    first = await world.registered(email="ada@example.com")
    found = await refused(
        world.customers.register(ADMIN, RegisterCustomer(email="ADA@example.COM", name="Eve"))
    )
    assert fields_and_codes(found) == [(("input", "email"), "EMAIL_TAKEN")]
    assert found[0].message == "A customer with this email already exists."
    assert list(world.repository.customers) == [first.id]
    assert [e for e, _, _ in world.events] == ["CustomerRegistered"]
