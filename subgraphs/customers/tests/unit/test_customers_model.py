"""Updating and closing a customer: the model's rules, without storage."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from customers.domain.model import KEEP, Address, Customer, CustomerChanges, CustomerStatus
from customers.domain.validation import validate_changes
from kit.core.errors import InputProblems

CREATED = datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
ADA = Customer(
    id="01HZZZZZZZZZZZZZZZZZZZZZZA",
    email="ada@example.com",
    name="Ada Investor",
    created_at=CREATED,
    version=3,
    phone="+14155550123",
    address=Address(line1="1 Market St", city="San Francisco", postal_code="94105", country="US"),
)


def codes(raised: pytest.ExceptionInfo[InputProblems]) -> list[tuple[list[str], str]]:
    return [(list(p.field), p.code) for p in raised.value.problems]


def test_fields_left_out_are_kept_and_given_ones_normalized():
    changes = validate_changes(name="  Ada   Lovelace ", phone="+1 415 555 0199")
    assert changes == CustomerChanges(name="Ada Lovelace", phone="+14155550199")
    assert changes.email is KEEP
    assert changes.address is KEEP


def test_null_phone_and_address_remove_them():
    assert validate_changes(phone=None, address=None) == CustomerChanges(phone=None, address=None)
    assert validate_changes(phone="").phone is None  # "" means no phone, as at registration


def test_email_and_name_cannot_be_removed():
    with pytest.raises(InputProblems) as raised:
        validate_changes(email=None, name=None)
    assert codes(raised) == [(["input", "email"], "INVALID"), (["input", "name"], "INVALID")]


def test_every_problem_is_reported_at_once():
    with pytest.raises(InputProblems) as raised:
        validate_changes(
            email="nope",
            name="x" * 201,
            phone="555",
            address=Address(line1="", city="Paris", postal_code="75001", country="XX"),
        )
    assert sorted(f for f, _ in codes(raised)) == [
        ["input", "address", "country"],
        ["input", "address", "line1"],
        ["input", "email"],
        ["input", "name"],
        ["input", "phone"],
    ]
    assert {c for _, c in codes(raised)} == {"INVALID"}


def test_a_change_bumps_the_version_by_one_and_keeps_the_rest():
    updated = ADA.apply(validate_changes(email="ADA@Example.org", phone=None), expected_version=3)
    assert updated.version == 4
    assert updated.email == "ADA@example.org"  # the domain part is lower-cased by email-validator
    assert updated.phone is None
    assert (updated.name, updated.address, updated.created_at, updated.id) == (
        ADA.name,
        ADA.address,
        CREATED,
        ADA.id,
    )


def test_a_change_to_the_same_values_is_no_change():
    same = ADA.apply(validate_changes(name="Ada  Investor", phone="+14155550123"), expected_version=3)
    assert same is ADA
    assert same.version == 3


def test_a_stale_version_is_a_conflict():
    with pytest.raises(InputProblems) as raised:
        ADA.apply(validate_changes(name="Ada L"), expected_version=2)
    assert codes(raised) == [(["input", "expectedVersion"], "CONFLICT")]
    assert "version 3, not 2" in raised.value.problems[0].message


def test_closing_keeps_every_field_and_bumps_the_version():
    at = datetime(2025, 6, 1, tzinfo=UTC)
    closed = ADA.close(expected_version=None, at=at)
    assert closed == replace(ADA, status=CustomerStatus.CLOSED, closed_at=at, version=4)


def test_close_with_a_stale_version_is_a_conflict():
    with pytest.raises(InputProblems) as raised:
        ADA.close(expected_version=4, at=CREATED)
    assert codes(raised) == [(["input", "expectedVersion"], "CONFLICT")]


def test_a_closed_customer_can_be_neither_changed_nor_closed_again():
    closed = ADA.close(expected_version=3, at=CREATED)
    for attempt in (
        lambda: closed.apply(validate_changes(name="Other"), expected_version=4),
        lambda: closed.close(expected_version=None, at=CREATED),
        # closed wins over a stale version: retrying with a fresh version would not help
        lambda: closed.close(expected_version=1, at=CREATED),
    ):
        with pytest.raises(InputProblems) as raised:
            attempt()
        assert codes(raised) == [(["input", "id"], "CUSTOMER_CLOSED")]
