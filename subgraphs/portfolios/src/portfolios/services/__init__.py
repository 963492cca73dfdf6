"""Use cases: what the GraphQL layer and the event consumers ask of the portfolios service.

A use case reads through the ports in `domain.ports`, asks the domain, and writes once; bad input
raises `kit.core.errors.InputProblems` (userErrors, nothing written), a refusal `kit.core.principal.Forbidden`
(see `portfolios.access`).
"""

from __future__ import annotations

from portfolios.domain.events import Event
from portfolios.domain.ports import CustomerDirectory, PortfolioRepository
from portfolios.services.common import WRITE_ATTEMPTS, Clock, IdFactory, ulid_at, utc_now
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

    async def record_event(self, body: object) -> Event:
        return await self.portfolios.record_event(body)


__all__ = ["PortfolioService"]
