"""The customer record and the rules its fields obey. Pure Python: no framework, no storage."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum, StrEnum
from typing import Final, TypeVar

import phonenumbers
import pycountry
from email_validator import EmailNotValidError, validate_email
from kit.core.errors import InputProblems, Problem
from kit.core.text import TextKind, check_text

NAME_MAX_LENGTH = 200

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Address:
    line1: str
    city: str
    postal_code: str
    country: str
    line2: str | None = None
    region: str | None = None


class CustomerStatus(StrEnum):
    ACTIVE = "ACTIVE"
    CLOSED = "CLOSED"  # kept with all its data: a close is not a delete


@dataclass(frozen=True, slots=True)
class Customer:
    id: str
    email: str
    name: str
    created_at: datetime
    version: int = 1
    phone: str | None = None
    address: Address | None = None
    status: CustomerStatus = CustomerStatus.ACTIVE
    closed_at: datetime | None = None

    @property
    def email_key(self) -> str:
        return email_key(self.email)


@dataclass(frozen=True, slots=True)
class Registration:
    """A registration whose fields passed every rule, in canonical form."""

    email: str
    name: str
    phone: str | None
    address: Address | None

    @property
    def email_key(self) -> str:
        return email_key(self.email)


def email_key(email: str) -> str:
    """Uniqueness is case-insensitive over the whole address."""
    return email.casefold()


def normalise_email(raw: str, field: tuple[str, ...]) -> str:
    text = check_text(raw, TextKind.EMAIL, field)
    try:
        # No DNS: validation must not depend on the network and must be quick.
        return validate_email(text.strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise InputProblems.single(field, f"Invalid email address: {error}") from error


def normalise_name(raw: str, field: tuple[str, ...]) -> str:
    name = " ".join(check_text(raw, TextKind.NAME, field).split())
    if not 1 <= len(name) <= NAME_MAX_LENGTH:
        raise InputProblems.single(field, f"Name must be 1 to {NAME_MAX_LENGTH} characters.")
    return name


def normalise_phone(raw: str, field: tuple[str, ...]) -> str:
    """E.164: a leading + and the country code; formatted back to canonical E.164."""
    text = check_text(raw, TextKind.PHONE, field)
    try:
        number = phonenumbers.parse(text.strip(), None)
    except phonenumbers.NumberParseException as error:
        raise InputProblems.single(field, "Phone must be in E.164 form, e.g. +14155550123.") from error
    if not phonenumbers.is_valid_number(number):
        raise InputProblems.single(field, "Phone number is not a valid number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_address(address: Address, field: tuple[str, ...]) -> Address:
    problems: list[Problem] = []

    def text(value: str, name: str, kind: TextKind = TextKind.ADDRESS) -> str | None:
        """The policy every client string obeys (kit.core.text), then the whitespace collapsed; None
        (and the problem noted) when the policy refuses it."""
        try:
            return " ".join(check_text(value, kind, (*field, name)).split())
        except InputProblems as error:
            problems.extend(error.problems)
            return None

    def required(value: str, name: str) -> str:
        cleaned = text(value, name)
        if cleaned is None:
            return ""
        if not cleaned or len(cleaned) > NAME_MAX_LENGTH:
            problems.append(Problem((*field, name), f"{name} must be 1 to {NAME_MAX_LENGTH} characters."))
        return cleaned

    def optional(value: str | None, name: str) -> str | None:
        return (text(value, name) or None) if value is not None else None

    given_country = text(address.country, "country", TextKind.CODE)
    country = (given_country or "").upper()
    if given_country is not None and (len(country) != 2 or pycountry.countries.get(alpha_2=country) is None):
        problems.append(Problem((*field, "country"), "Country must be an ISO 3166-1 alpha-2 code, e.g. US."))
    cleaned = replace(
        address,
        line1=required(address.line1, "line1"),
        city=required(address.city, "city"),
        postal_code=required(address.postal_code, "postalCode"),
        line2=optional(address.line2, "line2"),
        region=optional(address.region, "region"),
        country=country,
    )
    if problems:
        raise InputProblems(problems)
    return cleaned


def _collect(checks: dict[str, Callable[[], object]]) -> dict[str, object]:
    """Run every check; all problems are reported together, not just the first."""
    problems: list[Problem] = []
    values: dict[str, object] = {}
    for key, check in checks.items():
        try:
            values[key] = check()
        except InputProblems as error:
            problems.extend(error.problems)
    if problems:
        raise InputProblems(problems)
    return values


def validate_registration(
    *, email: str, name: str, phone: str | None, address: Address | None
) -> Registration:
    """Every field checked; all problems reported together."""
    values = _collect(
        {
            "email": lambda: normalise_email(email, ("input", "email")),
            "name": lambda: normalise_name(name, ("input", "name")),
            "phone": lambda: normalise_phone(phone, ("input", "phone")) if phone else None,
            "address": lambda: normalise_address(address, ("input", "address")) if address else None,
        }
    )
    return Registration(
        email=str(values["email"]),
        name=str(values["name"]),
        phone=values["phone"] if isinstance(values["phone"], str) else None,
        address=values["address"] if isinstance(values["address"], Address) else None,
    )


# -- updates ---------------------------------------------------------------------------------------


class Keep(Enum):
    """An update field the client left out: the current value stays."""

    KEEP = "KEEP"


KEEP: Final = Keep.KEEP


@dataclass(frozen=True, slots=True)
class CustomerChanges:
    """The fields of an update that passed every rule, in canonical form; KEEP: leave as it is.

    phone and address None: remove them. email and name cannot be removed.
    """

    email: str | Keep = KEEP
    name: str | Keep = KEEP
    phone: str | Keep | None = KEEP
    address: Address | Keep | None = KEEP


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
    problems: list[Problem] = [
        Problem(("input", field), f"{field} cannot be removed; leave it out to keep the current one.")
        for field, value in (("email", email), ("name", name))
        if value is None
    ]

    def check(normalise: Callable[[], T]) -> T | Keep:
        try:
            return normalise()
        except InputProblems as error:
            problems.extend(error.problems)
            return KEEP

    changes = CustomerChanges(
        email=check(lambda: normalise_email(email, ("input", "email"))) if isinstance(email, str) else KEEP,
        name=check(lambda: normalise_name(name, ("input", "name"))) if isinstance(name, str) else KEEP,
        phone=KEEP
        if isinstance(phone, Keep)
        else check(lambda: normalise_phone(phone, ("input", "phone")) if phone else None),
        address=KEEP
        if isinstance(address, Keep)
        else check(lambda: None if address is None else normalise_address(address, ("input", "address"))),
    )
    if problems:
        raise InputProblems(problems)
    return changes


def _ensure_open_and_current(customer: Customer, expected_version: int | None) -> None:
    """A closed customer accepts no change; a change made from a stale version is refused."""
    if customer.status == CustomerStatus.CLOSED:
        raise InputProblems.single(("input", "id"), "The customer is closed.", "CUSTOMER_CLOSED")
    if expected_version is not None and expected_version != customer.version:
        raise InputProblems.single(
            ("input", "expectedVersion"),
            f"The customer changed: it is at version {customer.version}, not {expected_version}. "
            "Read it again and retry.",
            "CONFLICT",
        )


def apply_changes(customer: Customer, changes: CustomerChanges, *, expected_version: int) -> Customer:
    """The customer after the update, one version later; the same customer when nothing changes."""
    _ensure_open_and_current(customer, expected_version)
    updated = replace(
        customer,
        email=customer.email if isinstance(changes.email, Keep) else changes.email,
        name=customer.name if isinstance(changes.name, Keep) else changes.name,
        phone=customer.phone if isinstance(changes.phone, Keep) else changes.phone,
        address=customer.address if isinstance(changes.address, Keep) else changes.address,
    )
    if updated == customer:
        return customer
    return replace(updated, version=customer.version + 1)


def close(customer: Customer, *, expected_version: int | None, at: datetime) -> Customer:
    """The customer closed at `at`, one version later; every other field kept."""
    _ensure_open_and_current(customer, expected_version)
    return replace(customer, status=CustomerStatus.CLOSED, closed_at=at, version=customer.version + 1)
