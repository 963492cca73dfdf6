"""The inputs of the customers mutations, each mapped onto its domain command (`to_command`)."""

from __future__ import annotations

import strawberry

from customers.domain.commands import CloseCustomer, RegisterCustomer, UpdateCustomer
from customers.domain.model import KEEP, Address, Keep


@strawberry.input
class AddressInput:
    line1: str
    line2: str | None = None
    city: str
    region: str | None = None
    postal_code: str
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 code, e.g. US.")

    def to_domain(self) -> Address:
        return Address(
            line1=self.line1,
            line2=self.line2,
            city=self.city,
            region=self.region,
            postal_code=self.postal_code,
            country=self.country,
        )


@strawberry.input
class RegisterCustomerInput:
    email: str
    name: str
    phone: str | None = None
    address: AddressInput | None = None
    id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The customer's id. Staff set it to the `sub` of the person's sign-in (their "
        "Cognito user) so that the person's own token reaches the record; a customer may only "
        "give its own `sub`. Left out: a new ULID (staff) or the caller's `sub` (a customer).",
    )

    def to_command(self) -> RegisterCustomer:
        return RegisterCustomer(
            email=self.email,
            name=self.name,
            phone=self.phone,
            address=self.address.to_domain() if self.address else None,
            customer_id=str(self.id) if self.id is not None else None,
        )


@strawberry.input(
    description="Only the fields given change. Leave a field out to keep it; phone: null or address: null "
    "removes it (email and name cannot be removed)."
)
class UpdateCustomerInput:
    id: strawberry.ID
    expected_version: int = strawberry.field(
        description="The version the change is based on; a stale one changes nothing (code CONFLICT)."
    )
    name: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    address: AddressInput | None = strawberry.UNSET

    def to_command(self) -> UpdateCustomer:
        return UpdateCustomer(
            customer_id=str(self.id),
            expected_version=self.expected_version,
            name=_given(self.name),
            email=_given(self.email),
            phone=_given(self.phone),
            address=_address(self.address),
        )


@strawberry.input
class CloseCustomerInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.field(
        default=None, description="When given, a stale version closes nothing (code CONFLICT)."
    )

    def to_command(self) -> CloseCustomer:
        return CloseCustomer(customer_id=str(self.id), expected_version=self.expected_version)


def _given(value: str | None) -> str | Keep | None:
    """strawberry.UNSET (left out of the input) becomes the domain's KEEP; null stays None."""
    return KEEP if value is strawberry.UNSET else value


def _address(value: AddressInput | None) -> Address | Keep | None:
    if value is strawberry.UNSET:
        return KEEP
    return None if value is None else value.to_domain()
