"""Queries. Who sees what is `customers.access`' (applied by the service): staff see every customer,
a customer only itself; a refused read is null with a FORBIDDEN error at its path."""

from __future__ import annotations

from typing import Any

import strawberry
from kit.core.text import TextKind, text_argument
from kit.graphql.cost import paged
from kit.graphql.types import PageInfo
from strawberry.types import Info

from customers.domain.paging import MAX_PAGE_SIZE
from customers.graphql.context import CustomersContext
from customers.graphql.types import Customer, CustomerConnection, CustomerEdge


@strawberry.type
class Query:
    @strawberry.field(
        description="A customer by id; null when there is none. A customer may ask only for itself: "
        "any other id (existing or not) is null with an error whose extensions.code is FORBIDDEN."
    )
    async def customer(self, info: Info[CustomersContext, Any], id: strawberry.ID) -> Customer | None:
        # Text no id can be (a control character, a kilobyte) is the client's error; any other id
        # that is not a customer id is simply no one's (null, and never read).
        found = await info.context.customers.load(text_argument(str(id), TextKind.ID, "id"))
        return None if found is None else Customer.from_domain(found)

    @strawberry.field(
        description="Every customer, oldest first, closed ones included; for a customer, only itself "
        "(no edge before it registers). first: 1 to 100. A bad first or after is an error with "
        "extensions.code BAD_USER_INPUT.",
        directives=[paged(MAX_PAGE_SIZE)],
    )
    async def customers(
        self, info: Info[CustomersContext, Any], first: int, after: str | None = None
    ) -> CustomerConnection:
        page = await info.context.service.reads.page(info.context.caller, first=first, after=after)
        for edge in page.edges:
            # A later reference to one of them in this request (e.g. _entities) needs no read.
            info.context.customers.prime(edge.customer.id, edge.customer)
        edges = [CustomerEdge(cursor=e.cursor, node=Customer.from_domain(e.customer)) for e in page.edges]
        return CustomerConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )
