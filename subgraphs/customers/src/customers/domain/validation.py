"""The rules a customer's fields obey, and their canonical form. Every problem of an input is
reported at once, each at its field; the words are `domain.problems`'."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

import phonenumbers
import pycountry
from email_validator import EmailNotValidError, validate_email
from kit.core.errors import InputProblems, Problem
from kit.core.ids import is_customer_id
from kit.core.text import TextKind, check_text

from customers.domain import problems
from customers.domain.model import KEEP, Address, CustomerChanges, Keep, Registration
from customers.domain.problems import Field

NAME_MAX_LENGTH = 200

T = TypeVar("T")
F = TypeVar("F")


def check_customer_id(value: str, field: Field) -> str:
    """The id when well formed (a ULID, or the lower-case UUID of a self-registered customer, in the
    canonical spelling stored); INVALID at `field` otherwise, so that no lookup reaches the table
    with a key that cannot exist."""
    if not is_customer_id(value):
        raise problems.not_a_customer_id(field)
    return value


def normalize_email(raw: str, field: Field) -> str:
    text = check_text(raw, TextKind.EMAIL, field)
    try:
        # No DNS: validation must not depend on the network and must be quick.
        return validate_email(text.strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise problems.invalid_email(field, str(error)) from error


def normalize_name(raw: str, field: Field) -> str:
    name = " ".join(check_text(raw, TextKind.NAME, field).split())
    if not 1 <= len(name) <= NAME_MAX_LENGTH:
        raise problems.name_length(field, NAME_MAX_LENGTH)
    return name


def normalize_phone(raw: str, field: Field) -> str:
    """E.164: a leading + and the country code; formatted back to canonical E.164."""
    text = check_text(raw, TextKind.PHONE, field)
    try:
        number = phonenumbers.parse(text.strip(), None)
    except phonenumbers.NumberParseException as error:
        raise problems.phone_not_e164(field) from error
    if not phonenumbers.is_valid_number(number):
        raise problems.phone_not_a_number(field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_address(address: Address, field: Field) -> Address:
    found: list[Problem] = []

    def text(value: str, name: str, kind: TextKind = TextKind.ADDRESS) -> str | None:
        """The policy every client string obeys (kit.core.text), then the whitespace collapsed; None
        (and the problem noted) when the policy refuses it."""
        try:
            return " ".join(check_text(value, kind, (*field, name)).split())
        except InputProblems as error:
            found.extend(error.problems)
            return None

    def required(value: str, name: str) -> str:
        cleaned = text(value, name)
        if cleaned is None:
            return ""
        if not cleaned or len(cleaned) > NAME_MAX_LENGTH:
            found.append(problems.address_part_length((*field, name), NAME_MAX_LENGTH))
        return cleaned

    def optional(value: str | None, name: str) -> str | None:
        return (text(value, name) or None) if value is not None else None

    given_country = text(address.country, "country", TextKind.CODE)
    country = (given_country or "").upper()
    if given_country is not None and (len(country) != 2 or pycountry.countries.get(alpha_2=country) is None):
        found.append(problems.not_a_country((*field, "country")))
    cleaned = replace(
        address,
        line1=required(address.line1, "line1"),
        city=required(address.city, "city"),
        postal_code=required(address.postal_code, "postalCode"),
        line2=optional(address.line2, "line2"),
        region=optional(address.region, "region"),
        country=country,
    )
    if found:
        raise InputProblems(found)
    return cleaned


class _Checks:
    """Runs checks, collecting every problem instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def run(self, check: Callable[[], T], failed: F) -> T | F:
        try:
            return check()
        except InputProblems as error:
            self.problems.extend(error.problems)
            return failed

    def raise_any(self) -> None:
        if self.problems:
            raise InputProblems(self.problems)


def validate_registration(
    *, email: str, name: str, phone: str | None, address: Address | None
) -> Registration:
    """Every field checked; all problems reported together. An empty phone is no phone."""
    checks = _Checks()
    registration = Registration(
        email=checks.run(lambda: normalize_email(email, ("input", "email")), ""),
        name=checks.run(lambda: normalize_name(name, ("input", "name")), ""),
        phone=checks.run(lambda: normalize_phone(phone, ("input", "phone")) if phone else None, None),
        address=checks.run(
            lambda: normalize_address(address, ("input", "address")) if address else None, None
        ),
    )
    checks.raise_any()
    return registration


def validate_changes(
    *,
    email: str | Keep | None = KEEP,
    name: str | Keep | None = KEEP,
    phone: str | Keep | None = KEEP,
    address: Address | Keep | None = KEEP,
) -> CustomerChanges:
    """The rules of registration for every field given; all problems reported together.

    A field left out (KEEP) stays as it is. phone or address null removes it (phone "" too, as at
    registration); email and name are required, so null for them is a problem.
    """
    checks = _Checks()
    checks.problems += [
        problems.cannot_remove(("input", field))
        for field, value in (("email", email), ("name", name))
        if value is None
    ]
    changes = CustomerChanges(
        email=checks.run(lambda: normalize_email(email, ("input", "email")), KEEP)
        if isinstance(email, str)
        else KEEP,
        name=checks.run(lambda: normalize_name(name, ("input", "name")), KEEP)
        if isinstance(name, str)
        else KEEP,
        phone=KEEP
        if isinstance(phone, Keep)
        else checks.run(lambda: normalize_phone(phone, ("input", "phone")) if phone else None, KEEP),
        address=KEEP
        if isinstance(address, Keep)
        else checks.run(
            lambda: None if address is None else normalize_address(address, ("input", "address")), KEEP
        ),
    )
    checks.raise_any()
    return changes
