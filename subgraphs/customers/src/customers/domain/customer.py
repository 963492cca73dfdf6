"""The customer record and the rules its fields obey. Pure Python: no framework, no storage."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import phonenumbers
import pycountry
from email_validator import EmailNotValidError, validate_email
from kit.errors import InputProblems, Problem

NAME_MAX_LENGTH = 200


@dataclass(frozen=True, slots=True)
class Address:
    line1: str
    city: str
    postal_code: str
    country: str
    line2: str | None = None
    region: str | None = None


@dataclass(frozen=True, slots=True)
class Customer:
    id: str
    email: str
    name: str
    created_at: datetime
    version: int = 1
    phone: str | None = None
    address: Address | None = None
    status: str = "ACTIVE"


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
    try:
        # No DNS: validation must not depend on the network and must be quick.
        return validate_email(raw.strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise InputProblems.single(field, f"Invalid email address: {error}") from error


def normalise_name(raw: str, field: tuple[str, ...]) -> str:
    name = " ".join(raw.split())
    if not 1 <= len(name) <= NAME_MAX_LENGTH:
        raise InputProblems.single(field, f"Name must be 1 to {NAME_MAX_LENGTH} characters.")
    return name


def normalise_phone(raw: str, field: tuple[str, ...]) -> str:
    """E.164: a leading + and the country code; formatted back to canonical E.164."""
    try:
        number = phonenumbers.parse(raw.strip(), None)
    except phonenumbers.NumberParseException as error:
        raise InputProblems.single(field, "Phone must be in E.164 form, e.g. +14155550123.") from error
    if not phonenumbers.is_valid_number(number):
        raise InputProblems.single(field, "Phone number is not a valid number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_address(address: Address, field: tuple[str, ...]) -> Address:
    problems: list[Problem] = []

    def required(value: str, name: str) -> str:
        cleaned = " ".join(value.split())
        if not cleaned or len(cleaned) > NAME_MAX_LENGTH:
            problems.append(Problem((*field, name), f"{name} must be 1 to {NAME_MAX_LENGTH} characters."))
        return cleaned

    def optional(value: str | None) -> str | None:
        cleaned = " ".join((value or "").split())
        return cleaned or None

    country = address.country.strip().upper()
    if len(country) != 2 or pycountry.countries.get(alpha_2=country) is None:
        problems.append(Problem((*field, "country"), "Country must be an ISO 3166-1 alpha-2 code, e.g. US."))
    cleaned = replace(
        address,
        line1=required(address.line1, "line1"),
        city=required(address.city, "city"),
        postal_code=required(address.postal_code, "postalCode"),
        line2=optional(address.line2),
        region=optional(address.region),
        country=country,
    )
    if problems:
        raise InputProblems(problems)
    return cleaned


def validate_registration(
    *, email: str, name: str, phone: str | None, address: Address | None
) -> Registration:
    """Every field checked; all problems reported together."""
    problems: list[Problem] = []
    values: dict[str, object] = {}
    checks = (
        ("email", lambda: normalise_email(email, ("input", "email"))),
        ("name", lambda: normalise_name(name, ("input", "name"))),
        ("phone", lambda: normalise_phone(phone, ("input", "phone")) if phone else None),
        ("address", lambda: normalise_address(address, ("input", "address")) if address else None),
    )
    for key, check in checks:
        try:
            values[key] = check()
        except InputProblems as error:
            problems.extend(error.problems)
    if problems:
        raise InputProblems(problems)
    return Registration(
        email=str(values["email"]),
        name=str(values["name"]),
        phone=values["phone"] if isinstance(values["phone"], str) else None,
        address=values["address"] if isinstance(values["address"], Address) else None,
    )
