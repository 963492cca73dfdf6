"""A customer as a DynamoDB item and back (attribute names camelCase, dates ISO 8601)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from customers.adapters.table import customer_key, email_guard_key, list_keys
from customers.domain.model import Address, Customer, CustomerStatus


def customer_item(customer: Customer) -> dict[str, Any]:
    """The profile item; None values are left out when written (kit.aws.dynamo.to_item)."""
    return {
        **customer_key(customer.id),
        **list_keys(customer.created_at, customer.id),
        "id": customer.id,
        "email": customer.email,
        "name": customer.name,
        "phone": customer.phone,
        "address": None if customer.address is None else _address_item(customer.address),
        "createdAt": customer.created_at.isoformat(),
        "version": customer.version,
        "status": customer.status.value,
        "closedAt": None if customer.closed_at is None else customer.closed_at.isoformat(),
    }


def _address_item(address: Address) -> dict[str, str]:
    parts = {
        "line1": address.line1,
        "line2": address.line2,
        "city": address.city,
        "region": address.region,
        "postalCode": address.postal_code,
        "country": address.country,
    }
    return {key: value for key, value in parts.items() if value is not None}


def email_guard_item(customer: Customer) -> dict[str, Any]:
    """The item that holds the customer's email for it alone."""
    return {**email_guard_key(customer.email), "customerId": customer.id}


def customer_from_item(record: Mapping[str, Any]) -> Customer:
    address = record.get("address")
    closed_at = record.get("closedAt")
    return Customer(
        id=record["id"],
        email=record["email"],
        name=record["name"],
        phone=record.get("phone"),
        address=None
        if not address
        else Address(
            line1=address["line1"],
            line2=address.get("line2"),
            city=address["city"],
            region=address.get("region"),
            postal_code=address["postalCode"],
            country=address["country"],
        ),
        created_at=datetime.fromisoformat(record["createdAt"]),
        version=int(record["version"]),
        # Profiles written before customers could close have no status: they are ACTIVE.
        status=CustomerStatus(record.get("status", CustomerStatus.ACTIVE.value)),
        closed_at=None if closed_at is None else datetime.fromisoformat(closed_at),
    )
