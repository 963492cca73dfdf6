"""Per-request context: the customer service and its DataLoaders."""

from __future__ import annotations

from kit.context import RequestContext
from kit.loaders import mapping_loader

from customers.services import CustomerService


class CustomersContext(RequestContext):
    def __init__(self, service: CustomerService) -> None:
        super().__init__()
        self.service = service
        # Every customer lookup of this request (query or _entities) becomes one BatchGetItem.
        self.customers = mapping_loader(service.get_many)
