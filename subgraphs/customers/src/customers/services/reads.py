"""Reads: the batch the per-request DataLoader calls (DESIGN.md decision 9), and the list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kit.core.ids import is_customer_id
from kit.core.principal import Forbidden, Principal

from customers import access
from customers.domain.model import Customer
from customers.domain.paging import PageRequest, creation_key, cursor_of, page_request
from customers.domain.ports import CustomerRepository


@dataclass(frozen=True, slots=True)
class Edge:
    cursor: str
    customer: Customer


@dataclass(frozen=True, slots=True)
class Page:
    edges: list[Edge]
    has_next_page: bool
    has_previous_page: bool


def _edge(customer: Customer) -> Edge:
    return Edge(cursor_of(customer.created_at, customer.id), customer)


class Reads:
    def __init__(self, repository: CustomerRepository) -> None:
        self._repository = repository

    async def customers(
        self, caller: Principal, customer_ids: Sequence[str]
    ) -> list[Customer | Forbidden | None]:
        """For a DataLoader: per id, in order, the customer, None (none has that id), or the
        Forbidden error its load raises (the caller may not see that id, whether it exists or not).

        The rule needs only the id, so one BatchGetItem reads the well-formed ids the caller may
        see and nothing else: N references cost at most one read whoever asks.
        """
        wanted = [i for i in dict.fromkeys(customer_ids) if is_customer_id(i) and access.may_read(caller, i)]
        found = await self._repository.get_many(wanted) if wanted else {}
        return [access.readable(caller, i, found.get(i)) for i in customer_ids]

    async def page(self, caller: Principal, *, first: int, after: str | None) -> Page:
        """Customers in creation order, oldest first: everyone for staff, only itself (one edge,
        none before it registers) for a customer. BAD_USER_INPUT (PublicError): first outside
        1..100 or a cursor this list did not make."""
        request = page_request(first, after)
        if not access.lists_everyone(caller):
            return await self._own_page(caller, request)
        customers, has_next = await self._repository.list_page(request)
        # Cheap and exact enough: a valid cursor names a customer, and customers are never deleted.
        return Page(
            edges=[_edge(c) for c in customers],
            has_next_page=has_next,
            has_previous_page=request.after is not None,
        )

    async def _own_page(self, caller: Principal, request: PageRequest) -> Page:
        """A customer's list: itself, if it has registered and sorts after the cursor."""
        own_id = caller.customer_id
        me = await self._repository.get(own_id) if own_id and is_customer_id(own_id) else None
        if me is None:
            return Page(edges=[], has_next_page=False, has_previous_page=False)
        if request.after is None or request.after < creation_key(me.created_at, me.id):
            return Page(edges=[_edge(me)], has_next_page=False, has_previous_page=False)
        return Page(edges=[], has_next_page=False, has_previous_page=True)  # after its own cursor
