"""Use cases: what the GraphQL layer and the event consumers ask of the portfolios service.

A use case reads through the ports in `domain.ports`, asks the domain, and writes once; bad input
raises `kit.core.errors.InputProblems` (userErrors, nothing written), a refusal `kit.core.principal.Forbidden`
(see `portfolios.access`).
"""

from __future__ import annotations

from kit.core.events import EventRecord

from portfolios.domain.events import FX_RATES_STORED
from portfolios.domain.ports import CustomerDirectory, FxReferenceRates, PortfolioRepository
from portfolios.services.common import WRITE_ATTEMPTS, Clock, IdFactory, ulid_at, utc_now
from portfolios.services.directory import DirectoryUseCases
from portfolios.services.fx_rates import FxRatesUseCases
from portfolios.services.ledger import LedgerUseCases
from portfolios.services.portfolios import PortfolioUseCases
from portfolios.services.reads import Reads


class PortfolioService:
    """The composition of the use cases, built once by the app with its adapters."""

    def __init__(
        self,
        repository: PortfolioRepository,
        directory: CustomerDirectory,
        fx_rates: FxReferenceRates,
        *,
        clock: Clock = utc_now,
        new_id: IdFactory = ulid_at,
        attempts: int = WRITE_ATTEMPTS,
    ) -> None:
        self.portfolios = PortfolioUseCases(repository, directory, clock, new_id)
        self.ledger = LedgerUseCases(repository, directory, fx_rates, clock, new_id, attempts)
        self.reads = Reads(repository)
        self.directory = DirectoryUseCases(directory, attempts)
        self.fx_rates = FxRatesUseCases(fx_rates, attempts)

    async def apply_event(self, event: EventRecord) -> None:
        """The event queue consumer's handler (kit.aws.consumer.EventHandler): assets' FX closes go
        to the copy of the FX closes, anything else is a customer event (or InvalidEvent)."""
        if event.type == FX_RATES_STORED:
            await self.fx_rates.apply_fx_event(event)
        else:
            await self.directory.apply_customer_event(event)

    async def apply_customer_event(self, event: EventRecord) -> None:
        await self.directory.apply_customer_event(event)


__all__ = ["PortfolioService"]
