"""Registering: every field's rule and canonical form, all problems at once."""

import pytest
from customers.domain.model import Address, email_key
from customers.domain.validation import validate_registration
from kit.core.errors import InputProblems


def test_registration_is_normalized():
    registration = validate_registration(
        email="  Ada.Investor@EXAMPLE.com ",
        name="  Ada   Investor ",
        phone="+1 415 555 0123",
        address=Address(line1=" 1 Market St ", city="San Francisco", postal_code="94105", country="us"),
    )
    assert registration.email == "Ada.Investor@example.com"  # domain lower-cased, local part kept
    assert registration.email_key == "ada.investor@example.com"
    assert registration.name == "Ada Investor"
    assert registration.phone == "+14155550123"
    assert registration.address is not None
    assert registration.address.country == "US"
    assert registration.address.line1 == "1 Market St"


def test_email_uniqueness_key_ignores_case():
    assert email_key("A@Example.COM") == email_key("a@example.com")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"email": "not-an-email"}, ["input", "email"]),
        ({"name": "   "}, ["input", "name"]),
        ({"name": "x" * 201}, ["input", "name"]),
        ({"phone": "555-0123"}, ["input", "phone"]),
        ({"phone": "+1 999 999 9999"}, ["input", "phone"]),
        (
            {"address": Address(line1="1 Main", city="Springfield", postal_code="1", country="XX")},
            ["input", "address", "country"],
        ),
        (
            {"address": Address(line1="", city="Springfield", postal_code="1", country="US")},
            ["input", "address", "line1"],
        ),
    ],
)
def test_each_bad_field_is_reported_on_its_path(kwargs, field):
    values = {"email": "ada@example.com", "name": "Ada", "phone": None, "address": None, **kwargs}
    with pytest.raises(InputProblems) as raised:
        validate_registration(**values)
    assert [list(p.field) for p in raised.value.problems] == [field]
    assert all(p.code == "INVALID" for p in raised.value.problems)


def test_all_problems_are_reported_together():
    with pytest.raises(InputProblems) as raised:
        validate_registration(email="nope", name="", phone="123", address=None)
    assert {p.field[-1] for p in raised.value.problems} == {"email", "name", "phone"}


def test_name_of_exactly_200_characters_is_accepted_and_blank_optional_parts_vanish():
    registration = validate_registration(
        email="ada@example.com",
        name="x" * 200,
        phone=None,
        address=Address(
            line1="1 Main", city="Springfield", postal_code="1", country="US", line2="  ", region=""
        ),
    )
    assert len(registration.name) == 200
    assert registration.address is not None
    assert (registration.address.line2, registration.address.region) == (None, None)
