"""Who may read or change which customer (customers.access), decided on the caller and the id alone."""

from __future__ import annotations

import pytest
from customers import access
from customers.domain.model import Customer
from kit.core.principal import Forbidden, Principal

from .fakes import ADMIN, ALICE, ALICE_ID, BOB_ID, OPERATOR, START, customer, new_ulid

ALICE_CUSTOMER = Customer(id=ALICE_ID, email="alice@example.com", name="Alice", created_at=START)
NOBODY = Principal.of("auditor-1", [])  # a valid token of no role this service knows


@pytest.mark.parametrize("caller", [OPERATOR, ADMIN], ids=["operator", "admin"])
def test_staff_read_and_list_everyone_and_learn_who_does_not_exist(caller: Principal) -> None:
    assert access.may_read(caller, ALICE_ID) and access.may_read(caller, BOB_ID)
    assert access.readable(caller, ALICE_ID, ALICE_CUSTOMER) is ALICE_CUSTOMER
    assert access.readable(caller, BOB_ID, None) is None
    assert access.lists_everyone(caller)


def test_a_customer_reads_itself_even_before_it_registered() -> None:
    assert access.readable(ALICE, ALICE_ID, ALICE_CUSTOMER) is ALICE_CUSTOMER
    assert access.readable(ALICE, ALICE_ID, None) is None
    assert not access.lists_everyone(ALICE)


def test_a_customer_asking_for_another_is_refused_in_the_same_words_whether_it_exists_or_not() -> None:
    other = new_ulid(77)
    existing = access.readable(customer(other), ALICE_ID, ALICE_CUSTOMER)
    missing = access.readable(customer(other), BOB_ID, None)
    assert isinstance(existing, Forbidden) and isinstance(missing, Forbidden)
    assert existing.code == missing.code == "FORBIDDEN"
    assert str(existing) == f"You may not see customer {ALICE_ID}."
    assert str(missing) == f"You may not see customer {BOB_ID}."
    assert not access.may_read(customer(other), ALICE_ID)


def test_only_the_customer_itself_or_an_admin_may_change_it() -> None:
    access.check_change(ALICE, ALICE_ID)
    access.check_change(ADMIN, ALICE_ID)
    for caller in (OPERATOR, customer(BOB_ID), NOBODY):
        with pytest.raises(Forbidden) as raised:
            access.check_change(caller, ALICE_ID)
        assert str(raised.value) == f"Only the customer itself or an admin may change customer {ALICE_ID}."


def test_staff_register_anyone_and_a_customer_only_itself() -> None:
    for caller in (OPERATOR, ADMIN):
        access.check_register(caller, None)
        access.check_register(caller, ALICE_ID)
    access.check_register(ALICE, None)
    access.check_register(ALICE, ALICE_ID)
    with pytest.raises(Forbidden) as raised:
        access.check_register(ALICE, BOB_ID)
    assert str(raised.value) == "A customer may register only itself."


def test_a_caller_of_no_known_role_registers_no_one() -> None:
    with pytest.raises(Forbidden) as raised:
        access.check_register(NOBODY, None)
    assert str(raised.value) == "Only operators, admins and customers themselves may register customers."
    with pytest.raises(Forbidden):
        access.check_register(NOBODY, ALICE_ID)
