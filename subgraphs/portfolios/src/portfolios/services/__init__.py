"""Use cases: what the GraphQL layer and the event consumers ask of the portfolios service.

A use case reads through the ports in `domain.ports`, asks the domain, and writes once; bad input
raises `kit.core.errors.InputProblems` (userErrors, nothing written), a refusal `kit.core.principal.Forbidden`
(see `portfolios.access`).
"""

from __future__ import annotations

from portfolios.domain.events import EventRecord
from portfolios.domain.ports import CustomerDirectory, PortfolioRepository
from portfolios.services.common import WRITE_ATTEMPTS, Clock, IdFactory, ulid_at, utc_now
from portfolios.services.directory import DirectoryUseCases
from portfolios.services.ledger import LedgerUseCases
from portfolios.services.portfolios import PortfolioUseCases
from portfolios.services.reads import Reads


class PortfolioService:
    """The composition of the use cases, built once by the app with its adapters."""

    def __init__(
        self,
        repository: PortfolioRepository,
        directory: CustomerDirectory,
        *,
        clock: Clock = utc_now,
        new_id: IdFactory = ulid_at,
        attempts: int = WRITE_ATTEMPTS,
    ) -> None:
        self.portfolios = PortfolioUseCases(repository, directory, clock, new_id)
        self.ledger = LedgerUseCases(repository, directory, clock, new_id, attempts)
        self.reads = Reads(repository)
        self.directory = DirectoryUseCases(directory, attempts)

    async def apply_customer_event(self, event: EventRecord) -> None:
        """The event queue consumer's handler (kit.aws.consumer.EventHandler)."""
        await self.directory.apply_customer_event(event)


__all__ = ["PortfolioService"]
