"""Use cases: what the GraphQL layer asks of the customers service.

A use case reads through the ports in `domain.ports`, asks the domain model, and writes once; bad
input raises `kit.core.errors.InputProblems` (userErrors, nothing written), a refusal
`kit.core.principal.Forbidden` (the rules are `customers.access`').
"""

from __future__ import annotations

from customers.domain.ports import CustomerRepository
from customers.services.common import MAX_WRITE_ATTEMPTS, Clock, IdFactory, new_ulid, utc_now
from customers.services.customers import CustomerUseCases
from customers.services.reads import Edge, Page, Reads


class CustomerService:
    """The composition of the use cases, built once by the app (the runtime) with its adapters."""

    def __init__(
        self,
        repository: CustomerRepository,
        *,
        clock: Clock = utc_now,
        new_id: IdFactory = new_ulid,
        attempts: int = MAX_WRITE_ATTEMPTS,
    ) -> None:
        self.customers = CustomerUseCases(repository, clock=clock, new_id=new_id, attempts=attempts)
        self.reads = Reads(repository)


__all__ = ["CustomerService", "Edge", "Page"]
