"""What the use cases need from storage, as protocols the adapters implement.

A change of the ledger is read (the portfolio, every activity, the projection's version), decided by
the domain (`ledger.Ledger`), and written once: `PortfolioRepository.write` stores the activities put
or deleted, the new projection, audit entries and an idempotency record of one or two portfolios
(a transfer) atomically, conditioned on each projection still being at the version read. When a
condition fails, or a concurrent transaction interferes, the adapter raises `WriteConflict` having
written nothing; the use case then reads again and decides again (a bounded number of times).
How many items that takes is the adapter's business: the domain never sees a transaction limit.

Every change of a portfolio is written with its events (`outgoing_events`: opened, renamed, closed,
one per activity recorded, corrected or removed) in the same transaction, numbered by the
portfolio's event sequence (one more per event, kept beside META's version and conditioned the same
way); a change that is refused or conflicts writes none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from portfolios.domain.books import Books, CustomerBook, History
from portfolios.domain.fx import FxChunk, FxChunkKey
from portfolios.domain.lots import Holdings
from portfolios.domain.model import (
    Activity,
    ActivityPage,
    AuditEntry,
    AuditPage,
    CustomerStatus,
    DirectoryEntry,
    Portfolio,
)
from portfolios.domain.outgoing_events import ActivityEvent, activity_events
from portfolios.domain.timeline import Timeline


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """What an idempotency key recorded (the activity), and the fingerprint of the input."""

    key: str
    activity_id: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class StoredLedger:
    """A portfolio with every activity of its ledger (any order) and its projection's version."""

    portfolio: Portfolio
    activities: tuple[Activity, ...]
    version: int


@dataclass(frozen=True, slots=True)
class Owner:
    """Which portfolio an activity or a lot belongs to, and whose it is (a reference's lookup)."""

    id: str
    portfolio_id: str
    customer_id: str


@dataclass(frozen=True, slots=True)
class LedgerChange:
    """One portfolio's part of a write: written only if its projection is still at `expected_version`
    (and, with `require_active_customer`, its customer is not closed); `books` is the new projection,
    stored at `expected_version + 1`. `deleted` are the activities as they were stored (a corrected
    activity whose trade date moved is deleted and put again). `activities` is every activity of the
    portfolio after the change: the journal the adapter stores beside them so that `ledger()` reads
    one compressed blob instead of an item per activity; None (not given) leaves the portfolio
    without a journal, and its next `ledger()` reads the activities one by one."""

    portfolio: Portfolio
    expected_version: int
    books: Books
    put: tuple[Activity, ...] = ()
    deleted: tuple[Activity, ...] = ()
    audit: tuple[AuditEntry, ...] = ()
    idempotency: IdempotencyRecord | None = None
    require_active_customer: bool = False
    activities: tuple[Activity, ...] | None = None

    @property
    def changed_at(self) -> datetime | None:
        """When the change was decided: the time of its audit entries (None when it has none)."""
        return self.audit[0].at if self.audit else None

    def events(self, at: datetime) -> tuple[ActivityEvent, ...]:
        """What the change tells other services, one event per activity it touches."""
        return activity_events(self.portfolio, self.put, self.deleted, at)


class WriteConflict(Exception):
    """A condition of the write failed or a concurrent one interfered; nothing was written."""


@dataclass(frozen=True, slots=True)
class DirectoryChange:
    """What applying one customer event writes, at once: that `event_id` was applied, and `entry`
    in place of `previous` (the entry read) unless it is None (a stale event changes nothing)."""

    event_id: str
    entry: DirectoryEntry | None
    previous: DirectoryEntry | None


class CustomerDirectory(Protocol):
    """Which customers exist and which closed their account, as learnt from the customers service's
    events."""

    async def entry(self, customer_id: str) -> DirectoryEntry | None:
        """What the directory holds of the customer (a consistent read)."""

    async def apply(self, change: DirectoryChange) -> bool:
        """Writes `change` all or nothing. False, having written nothing, when its event was applied
        before (a redelivery); WriteConflict when the stored entry is no longer `change.previous`."""

    async def status(self, customer_id: str) -> CustomerStatus: ...


@dataclass(frozen=True, slots=True)
class FxChunkChange:
    """What applying one FxRatesStored event writes, at once: that `event_id` was applied, and
    `chunk` in place of `previous` (the chunk read) unless it is None (a stale revision)."""

    event_id: str
    chunk: FxChunk | None
    previous: FxChunk | None


class FxReferenceRates(Protocol):
    """The copy of the FX closes the assets service stores, as learnt from its FxRatesStored events."""

    async def chunks(self, keys: Sequence[FxChunkKey]) -> Sequence[FxChunk]:
        """The chunks found among `keys` (one batched read)."""

    async def chunk(self, key: FxChunkKey) -> FxChunk | None:
        """One chunk, read consistently (before applying an event to it)."""

    async def apply(self, change: FxChunkChange) -> bool:
        """Writes `change` all or nothing. False, having written nothing, when its event was applied
        before; WriteConflict when the stored chunk's revision is no longer `change.previous`'s."""


class PortfolioRepository(Protocol):
    async def create_portfolio(self, portfolio: Portfolio) -> None:
        """Records the portfolio (with empty books at version 0) and PortfolioOpened if its customer
        is registered and active (else WriteConflict)."""

    async def portfolios(self, ids: Sequence[str]) -> Mapping[str, Portfolio]:
        """The portfolios found among `ids` (one batched read)."""

    async def ledger(self, portfolio_id: str) -> StoredLedger | None:
        """The portfolio, every activity and the projection's version, read consistently."""

    async def portfolio_and_idempotency(
        self, portfolio_id: str, idempotency_key: str | None
    ) -> tuple[Portfolio | None, IdempotencyRecord | None]:
        """The portfolio and what `idempotency_key` recorded in it, in one batched read."""

    async def owners(self, ids: Sequence[str]) -> Mapping[str, Owner]:
        """For activity or lot ids: the portfolio each belongs to (one batched read)."""

    async def write(self, changes: Sequence[LedgerChange]) -> None:
        """All of `changes` (one or two portfolios) or nothing; WriteConflict when a condition fails."""

    async def holdings(self, portfolio_ids: Sequence[str]) -> Mapping[str, Holdings]:
        """The stored projections' holdings (what the Dashboard reads), batched."""

    async def history(self, portfolio_id: str) -> History:
        """The stored projection's history part (lots used up, sales, transfers, income)."""

    async def timelines(self, portfolio_ids: Sequence[str]) -> Mapping[str, Timeline]:
        """The stored projections' timelines, batched; a portfolio whose timeline was never stored
        (written before timelines were, and not migrated yet) is left out."""

    async def book(self, customer_id: str) -> CustomerBook:
        """A customer's portfolios with their holdings: one query, however many activities."""

    async def activity(self, portfolio_id: str, activity_id: str) -> Activity | None: ...

    async def activities(self, portfolio_id: str, first: int, after: str | None) -> ActivityPage:
        """Up to `first` activities after the activity `after` in ledger order (newest trade date
        first, then newest recorded first), one query."""

    async def audit_trail(self, portfolio_id: str, first: int, after: str | None) -> AuditPage:
        """Up to `first` audit entries older than the entry `after`, newest first."""

    async def rename_portfolio(
        self, portfolio_id: str, name: str, owner: str | None = None, *, at: datetime
    ) -> Portfolio | None:
        """The renamed portfolio, written with PortfolioRenamed at `at` (nothing when the name is
        the same); None when there is none, or (`owner` given) when it is not `owner`'s: then
        nothing is written. WriteConflict when the portfolio changed between read and write."""

    async def close_portfolio(
        self, portfolio_id: str, closed_at: datetime, owner: str | None = None
    ) -> Portfolio | None:
        """The portfolio, closed at `closed_at` with PortfolioClosed unless it was closed already;
        None when there is none. With `owner` given, a portfolio of someone else is returned
        unchanged (the caller refuses). WriteConflict when it changed between read and write."""


def books_version(change: LedgerChange) -> int:
    return change.expected_version + 1
