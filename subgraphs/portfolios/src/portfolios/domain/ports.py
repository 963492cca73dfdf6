"""What the use cases need from storage, as protocols the adapters implement.

Every write that must be all or nothing is one transaction whose conditions re-check, at write
time, what the use case read (the portfolio is open, the customer active, each lot still at the
version read, an idempotency key still free). When any condition fails, or a concurrent transaction
interferes, the adapter raises `WriteConflict` and has written nothing; the use case then reads
again and decides again (a bounded number of times).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from portfolios.domain.model import (
    Activity,
    ActivityPage,
    CustomerBook,
    Ledger,
    Lot,
    Portfolio,
    PositionSummary,
)
from portfolios.domain.validation import CustomerStatus


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """What an idempotency key recorded (the lot of a purchase, the activity of a purchase or a
    sale), and the fingerprint of the input that recorded it."""

    key: str
    lot_id: str | None
    fingerprint: str
    activity_id: str | None = None


class WriteConflict(Exception):
    """A condition of the transaction failed or a concurrent one interfered; nothing was written."""


class CustomerDirectory(Protocol):
    """Which customers exist and which closed their account, as learnt from the customers service."""

    async def register(self, customer_id: str, registered_at: datetime) -> None:
        """Idempotent: registering a known customer changes nothing."""

    async def close(self, customer_id: str, closed_at: datetime) -> None:
        """Idempotent: closing a closed customer keeps the first closing time. Closing is final."""

    async def status(self, customer_id: str) -> CustomerStatus: ...


@dataclass(frozen=True, slots=True)
class Sale:
    """What one sale writes: the lots it changes (new states, each one version up), the position
    summary (one version up), the SELL activity and maybe an idempotency record."""

    portfolio: Portfolio
    lots: tuple[Lot, ...]
    summary: PositionSummary
    activity: Activity
    idempotency: IdempotencyRecord | None


class PortfolioRepository(Protocol):
    async def create_portfolio(self, portfolio: Portfolio) -> None:
        """Records the portfolio if its customer is registered and active (else WriteConflict)."""

    async def portfolios(self, ids: Sequence[str]) -> Mapping[str, Portfolio]:
        """The portfolios found among `ids` (one batched read)."""

    async def ledger(self, portfolio_id: str) -> Ledger:
        """A portfolio's lots and position summaries (one query, consistent)."""

    async def lots_by_id(self, ids: Sequence[str]) -> Mapping[str, Lot]:
        """The lots found among `ids` (one batched read)."""

    async def book(self, customer_id: str) -> CustomerBook:
        """A customer's portfolios with their ledgers (one query, however many portfolios and lots)."""

    async def portfolio_and_idempotency(
        self, portfolio_id: str, idempotency_key: str | None
    ) -> tuple[Portfolio | None, IdempotencyRecord | None]:
        """The portfolio and what `idempotency_key` recorded in it, in one batched read."""

    async def activity(self, portfolio_id: str, activity_id: str) -> Activity | None: ...

    async def activities(self, portfolio_id: str, first: int, after: str | None) -> ActivityPage:
        """Up to `first` activities older than the activity `after` (newest first), one query."""

    async def add_lot(
        self, portfolio: Portfolio, lot: Lot, activity: Activity, idempotency: IdempotencyRecord | None
    ) -> None:
        """Records the lot (both copies), its BUY activity and the idempotency record atomically, if
        the portfolio is open and its customer active."""

    async def update_lot(self, portfolio: Portfolio, lot: Lot, activity: Activity) -> None:
        """Replaces both copies of the lot, if the portfolio is open and the stored lot is at version
        lot.version - 1, with the CORRECTION activity, atomically."""

    async def remove_lot(self, portfolio: Portfolio, lot: Lot, activity: Activity) -> None:
        """Deletes both copies of the lot, if the portfolio is open and the stored lot is at
        lot.version, with the REMOVAL activity, atomically."""

    async def record_sale(self, sale: Sale) -> None:
        """Writes a sale atomically, if the portfolio is open, every lot and the summary are still at
        the versions read, and the idempotency key is free."""

    async def rename_portfolio(
        self, portfolio_id: str, name: str, owner: str | None = None
    ) -> Portfolio | None:
        """The renamed portfolio; None when there is none, or (`owner` given) when it is not
        `owner`'s: then nothing is written."""

    async def close_portfolio(
        self, portfolio_id: str, closed_at: datetime, owner: str | None = None
    ) -> Portfolio | None:
        """The portfolio, closed at `closed_at` unless it was closed already; None when there is none.
        With `owner` given, a portfolio of someone else is returned unchanged (the caller refuses)."""
