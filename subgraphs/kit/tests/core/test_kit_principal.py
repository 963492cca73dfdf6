"""kit.core.principal: the access rules every subgraph shares."""

from __future__ import annotations

import pytest
from kit.core.principal import Forbidden, Principal, Role, forbidden_to_see

ME, OTHER = "01J0CUSTOMER0000000000000A", "01J0CUSTOMER0000000000000B"
customer = Principal.of(ME, [Role.CUSTOMER])
operator = Principal.of("op", [Role.OPERATOR])
admin = Principal.of("root", [Role.ADMIN])


def test_a_customer_reads_and_changes_only_its_own_data() -> None:
    assert customer.customer_id == ME
    assert customer.can_read(ME) and customer.can_change(ME)
    assert not customer.can_read(OTHER) and not customer.can_change(OTHER)
    assert not customer.is_staff and not customer.manages_prices


def test_an_operator_reads_everything_and_changes_no_investor_data() -> None:
    assert operator.customer_id is None
    assert operator.can_read(ME) and operator.can_read(OTHER)
    assert not operator.can_change(ME)
    assert operator.manages_prices


def test_an_admin_does_everything() -> None:
    assert admin.can_read(OTHER) and admin.can_change(OTHER) and admin.manages_prices


def test_registration_staff_anyone_a_customer_only_itself() -> None:
    assert operator.can_register(None) and operator.can_register(OTHER)
    assert customer.can_register(None) and customer.can_register(ME)
    assert not customer.can_register(OTHER)


def test_staff_are_operators_and_admins_and_a_refusal_is_forbidden() -> None:
    assert operator.is_staff and admin.is_staff and not customer.is_staff
    assert Forbidden().extensions == {"code": "FORBIDDEN"}


def test_a_refusal_reads_the_same_whether_the_object_exists_or_not() -> None:
    assert str(forbidden_to_see("portfolio", "P1")) == "You may not see portfolio P1."
    assert forbidden_to_see("portfolio", "P1").code == "FORBIDDEN"


def test_unknown_role_names_are_rejected_when_built_by_name() -> None:
    with pytest.raises(ValueError):
        Principal.of("x", ["superuser"])


def test_no_known_owner_is_readable_by_staff_only() -> None:
    assert operator.can_read(None) and admin.can_read(None)
    assert not customer.can_read(None)
