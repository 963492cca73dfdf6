"""What the use cases need from storage, as protocols the adapters implement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from portfolios.domain.model import CustomerBook, Lot, Portfolio


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """The lot an idempotency key recorded, and the fingerprint of the input that recorded it."""

    key: str
    lot_id: str
    fingerprint: str


class IdempotencyKeyTaken(Exception):
    """Another request recorded this idempotency key first (between our read and our write)."""


class PortfolioMissing(Exception):
    """The portfolio disappeared between our read and our write."""


class WriteConflict(Exception):
    """A concurrent transaction touched the same items; the write may be tried again."""


class CustomerNotRegistered(Exception):
    """The customer directory no longer knows the customer at write time."""


class CustomerDirectory(Protocol):
    """Which customers exist, as learnt from the customers service's events."""

    async def register(self, customer_id: str, registered_at: datetime) -> None:
        """Idempotent: registering a known customer changes nothing."""

    async def is_registered(self, customer_id: str) -> bool: ...


class PortfolioRepository(Protocol):
    async def create_portfolio(self, portfolio: Portfolio) -> None:
        """Records the portfolio if its customer is registered, else raises CustomerNotRegistered."""

    async def portfolios(self, ids: Sequence[str]) -> Mapping[str, Portfolio]:
        """The portfolios found among `ids` (one batched read)."""

    async def lots(self, portfolio_id: str) -> list[Lot]:
        """A portfolio's lots (one query)."""

    async def lots_by_id(self, ids: Sequence[str]) -> Mapping[str, Lot]:
        """The lots found among `ids` (one batched read)."""

    async def book(self, customer_id: str) -> CustomerBook:
        """A customer's portfolios with their lots (one query, however many portfolios and lots)."""

    async def portfolio_and_idempotency(
        self, portfolio_id: str, idempotency_key: str | None
    ) -> tuple[Portfolio | None, IdempotencyRecord | None]:
        """The portfolio and what `idempotency_key` recorded in it, in one batched read."""

    async def idempotency(self, portfolio_id: str, key: str) -> IdempotencyRecord | None: ...

    async def add_lot(self, portfolio: Portfolio, lot: Lot, idempotency: IdempotencyRecord | None) -> None:
        """Records the lot (and the idempotency record) atomically; raises PortfolioMissing,
        IdempotencyKeyTaken or WriteConflict when it cannot, and then writes nothing."""
