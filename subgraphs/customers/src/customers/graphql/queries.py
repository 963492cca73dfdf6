from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from customers.graphql.context import CustomersContext
from customers.graphql.types import Customer


@strawberry.type
class Query:
    @strawberry.field(description="A customer by id; null when there is none.")
    async def customer(self, info: Info[CustomersContext, Any], id: strawberry.ID) -> Customer | None:
        found = await info.context.customers.load(str(id))
        return None if found is None else Customer.from_domain(found)
