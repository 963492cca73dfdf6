"""What clients ask the customers service to do, as they sent it (not yet validated)."""

from __future__ import annotations

from dataclasses import dataclass

from customers.domain.model import KEEP, Address, Keep


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterCustomer:
    """registerCustomer's input. `customer_id` None: a new ULID (staff) or the caller's `sub` (a customer)."""

    email: str
    name: str
    phone: str | None = None
    address: Address | None = None
    customer_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateCustomer:
    """updateCustomer's input: KEEP for a field left out; None removes phone or address."""

    customer_id: str
    expected_version: int
    email: str | Keep | None = KEEP
    name: str | Keep | None = KEEP
    phone: str | Keep | None = KEEP
    address: Address | Keep | None = KEEP


@dataclass(frozen=True, slots=True, kw_only=True)
class CloseCustomer:
    """closeCustomer's input; without `expected_version` the close applies to whatever version is current."""

    customer_id: str
    expected_version: int | None = None
