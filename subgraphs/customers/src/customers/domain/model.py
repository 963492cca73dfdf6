"""A customer and what may happen to it: registered, changed, closed. Pure Python, no storage."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum, StrEnum
from typing import Final

from customers.domain import problems


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


class Keep(Enum):
    """An update field the client left out: the current value stays."""

    KEEP = "KEEP"


KEEP: Final = Keep.KEEP


def email_key(email: str) -> str:
    """Uniqueness is case-insensitive over the whole address."""
    return email.casefold()


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


@dataclass(frozen=True, slots=True)
class CustomerChanges:
    """The fields of an update that passed every rule, in canonical form; KEEP: leave as it is.

    phone and address None: remove them. email and name cannot be removed.
    """

    email: str | Keep = KEEP
    name: str | Keep = KEEP
    phone: str | Keep | None = KEEP
    address: Address | Keep | None = KEEP


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

    @classmethod
    def register(cls, customer_id: str, registration: Registration, at: datetime) -> Customer:
        """A new customer, ACTIVE at version 1."""
        return cls(
            id=customer_id,
            email=registration.email,
            name=registration.name,
            phone=registration.phone,
            address=registration.address,
            created_at=at,
        )

    @property
    def email_key(self) -> str:
        return email_key(self.email)

    def apply(self, changes: CustomerChanges, *, expected_version: int) -> Customer:
        """The customer after the update, one version later; the same customer when nothing changes."""
        self._ensure_open_and_current(expected_version)
        updated = replace(
            self,
            email=self.email if isinstance(changes.email, Keep) else changes.email,
            name=self.name if isinstance(changes.name, Keep) else changes.name,
            phone=self.phone if isinstance(changes.phone, Keep) else changes.phone,
            address=self.address if isinstance(changes.address, Keep) else changes.address,
        )
        if updated == self:
            return self
        return replace(updated, version=self.version + 1)

    def close(self, *, expected_version: int | None, at: datetime) -> Customer:
        """The customer closed at `at`, one version later; every other field kept."""
        self._ensure_open_and_current(expected_version)
        return replace(self, status=CustomerStatus.CLOSED, closed_at=at, version=self.version + 1)

    def _ensure_open_and_current(self, expected_version: int | None) -> None:
        """A closed customer accepts no change (whatever the version: a fresh one would not help);
        a change decided on a stale version is refused."""
        if self.status == CustomerStatus.CLOSED:
            raise problems.customer_closed()
        if expected_version is not None and expected_version != self.version:
            raise problems.stale_version(self.version, expected_version)
