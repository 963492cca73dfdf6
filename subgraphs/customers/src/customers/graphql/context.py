"""The per-request context: the customer service (built once, by the app) and the DataLoader every
customer lookup of a request goes through (DESIGN.md decision 9)."""

from __future__ import annotations

from collections.abc import Sequence

from kit.core.principal import Forbidden
from kit.graphql.context import RequestContext
from strawberry.dataloader import DataLoader

from customers.domain.model import Customer
from customers.services import CustomerService


class CustomersContext(RequestContext):
    def __init__(self, service: CustomerService) -> None:
        super().__init__()
        self.service = service
        # Every customer lookup of this request (query or _entities) becomes one BatchGetItem, then
        # the caller's read rule: a refused id's load raises FORBIDDEN (null at that path).
        self.customers: DataLoader[str, Customer | None] = DataLoader(load_fn=self._load_customers)

    async def _load_customers(self, customer_ids: Sequence[str]) -> list[Customer | Forbidden | None]:
        # The caller is read when the batch runs: the app sets it after building the context.
        return await self.service.reads.customers(self.caller, customer_ids)
