"""GraphQL types of the customers subgraph."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

import strawberry
from kit.graphql.types import PageInfo
from strawberry.types import Info

from customers.domain import model as domain

if TYPE_CHECKING:
    from customers.graphql.context import CustomersContext


@strawberry.type
class Address:
    line1: str
    line2: str | None
    city: str
    region: str | None
    postal_code: str
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 code.")

    @classmethod
    def from_domain(cls, address: domain.Address | None) -> Address | None:
        if address is None:
            return None
        return cls(
            line1=address.line1,
            line2=address.line2,
            city=address.city,
            region=address.region,
            postal_code=address.postal_code,
            country=address.country,
        )


@strawberry.enum(description="ACTIVE, or CLOSED: kept with all its data, but no longer changed.")
class CustomerStatus(Enum):
    ACTIVE = "ACTIVE"
    CLOSED = "CLOSED"


@strawberry.federation.type(keys=["id"], description="A person whose portfolios we track.")
class Customer:
    id: strawberry.ID
    email: str
    name: str
    phone: str | None = strawberry.field(description="E.164, e.g. +14155550123.")
    address: Address | None
    created_at: datetime
    version: int = strawberry.field(description="Increases on every change; send it back to update.")
    status: CustomerStatus
    closed_at: datetime | None = strawberry.field(
        description="When the customer was closed; null while ACTIVE."
    )

    @classmethod
    def from_domain(cls, customer: domain.Customer) -> Customer:
        return cls(
            id=strawberry.ID(customer.id),
            email=customer.email,
            name=customer.name,
            phone=customer.phone,
            address=Address.from_domain(customer.address),
            created_at=customer.created_at,
            version=customer.version,
            status=CustomerStatus(customer.status.value),
            closed_at=customer.closed_at,
        )

    @classmethod
    async def resolve_reference(cls, info: Info[CustomersContext, Any], id: strawberry.ID) -> Customer | None:
        found = await info.context.customers.load(str(id))
        return None if found is None else cls.from_domain(found)


@strawberry.type
class CustomerEdge:
    cursor: str = strawberry.field(description="Opaque; pass it as `after` to continue after this customer.")
    node: Customer


@strawberry.type(description="Customers in creation order, oldest first.")
class CustomerConnection:
    edges: list[CustomerEdge]
    page_info: PageInfo
