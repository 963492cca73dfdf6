"""In-memory fakes of `portfolios.domain.ports`, for the use cases' unit tests (no I/O).

`FakePortfolioRepository` keeps what the DynamoDB adapter keeps (portfolios, activities, the
projection and its version, audit entries, idempotency records, who owns each activity and lot)
and honours the same contract: `write` stores every change of one or two portfolios or nothing,
raising `WriteConflict` when a projection is no longer at the version read (or the customer closed
meanwhile, or the idempotency key was taken meanwhile). Every change keeps its events with it, as
the adapter writes them in the same transaction, numbered by the portfolio's event sequence:
`state.events` holds (event, sequence) of the changes that happened, none of a refused or
conflicting one. Every method yields to the event loop once,
as real I/O does, so that concurrent use cases interleave between their read and their write.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from portfolios.domain.books import Books, CustomerBook, History, book_of
from portfolios.domain.lots import Holdings
from portfolios.domain.model import (
    Activity,
    ActivityPage,
    ActivityType,
    AuditEntry,
    AuditPage,
    CustomerStatus,
    Portfolio,
    PortfolioStatus,
)
from portfolios.domain.outgoing_events import (
    PortfolioClosed,
    PortfolioEvent,
    PortfolioOpened,
    PortfolioRenamed,
)
from portfolios.domain.ports import (
    IdempotencyRecord,
    LedgerChange,
    Owner,
    StoredLedger,
    WriteConflict,
    books_version,
)
from portfolios.domain.timeline import Timeline

from .fake_directory import FakeCustomerDirectory


@dataclass
class _State:
    portfolios: dict[str, Portfolio] = field(default_factory=dict)
    activities: dict[str, dict[str, Activity]] = field(default_factory=dict)
    books: dict[str, Books] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    audit: dict[str, list[AuditEntry]] = field(default_factory=dict)
    idempotency: dict[tuple[str, str], IdempotencyRecord] = field(default_factory=dict)
    owners: dict[str, Owner] = field(default_factory=dict)
    sequences: dict[str, int] = field(default_factory=dict)
    events: list[tuple[PortfolioEvent, int]] = field(default_factory=list)


class FakePortfolioRepository:
    """`PortfolioRepository` in memory. `calls` lists the methods called (to show what was read),
    `writes` every `write` that succeeded, `attempted` every one called."""

    def __init__(self, directory: FakeCustomerDirectory) -> None:
        self.directory = directory
        self.state = _State()
        self.calls: list[str] = []
        self.writes: list[tuple[LedgerChange, ...]] = []
        self.attempted: list[tuple[LedgerChange, ...]] = []

    def published(self, portfolio_id: str | None = None) -> list[tuple[str, int, dict[str, str]]]:
        """(type, sequence, data) of the events written (of one portfolio), in writing order."""
        return [
            (event.type, sequence, event.data)
            for event, sequence in self.state.events
            if portfolio_id is None or event.portfolio_id == portfolio_id
        ]

    def _emit(self, *events: PortfolioEvent) -> None:
        for event in events:
            sequence = self.state.sequences.get(event.portfolio_id, 0) + 1
            self.state.sequences[event.portfolio_id] = sequence
            self.state.events.append((event, sequence))

    def snapshot(self) -> _State:
        """Everything stored, copied: equal to a later snapshot when nothing was written between."""
        return copy.deepcopy(self.state)

    async def _io(self, name: str) -> None:
        self.calls.append(name)
        await asyncio.sleep(0)

    # --- portfolios -------------------------------------------------------------------------------

    async def create_portfolio(self, portfolio: Portfolio) -> None:
        await self._io("create_portfolio")
        if self.directory.status_now(portfolio.customer_id) is not CustomerStatus.ACTIVE:
            raise WriteConflict("the customer is not registered, or closed")
        if portfolio.id in self.state.portfolios:
            raise WriteConflict("a portfolio has this id")
        self.state.portfolios[portfolio.id] = portfolio
        self.state.activities[portfolio.id] = {}
        self.state.versions[portfolio.id] = 0
        self.state.audit[portfolio.id] = []
        self._emit(PortfolioOpened.of(portfolio, portfolio.created_at))

    async def portfolios(self, ids: Sequence[str]) -> Mapping[str, Portfolio]:
        await self._io("portfolios")
        return {i: self.state.portfolios[i] for i in ids if i in self.state.portfolios}

    async def rename_portfolio(
        self, portfolio_id: str, name: str, owner: str | None = None, *, at: datetime
    ) -> Portfolio | None:
        await self._io("rename_portfolio")
        portfolio = self.state.portfolios.get(portfolio_id)
        if portfolio is None or (owner is not None and portfolio.customer_id != owner):
            return None
        if portfolio.name == name:
            return portfolio
        renamed = replace(portfolio, name=name)
        self.state.portfolios[portfolio_id] = renamed
        self._emit(PortfolioRenamed.of(renamed, at))
        return renamed

    async def close_portfolio(
        self, portfolio_id: str, closed_at: datetime, owner: str | None = None
    ) -> Portfolio | None:
        await self._io("close_portfolio")
        portfolio = self.state.portfolios.get(portfolio_id)
        if portfolio is None:
            return None
        if (owner is not None and portfolio.customer_id != owner) or portfolio.is_closed:
            return portfolio
        closed = replace(portfolio, status=PortfolioStatus.CLOSED, closed_at=closed_at)
        self.state.portfolios[portfolio_id] = closed
        self._emit(PortfolioClosed.of(closed, closed_at))
        return closed

    # --- the ledger -------------------------------------------------------------------------------

    async def ledger(self, portfolio_id: str) -> StoredLedger | None:
        await self._io("ledger")
        portfolio = self.state.portfolios.get(portfolio_id)
        if portfolio is None:
            return None
        return StoredLedger(
            portfolio=portfolio,
            activities=tuple(self.state.activities[portfolio_id].values()),
            version=self.state.versions[portfolio_id],
        )

    async def portfolio_and_idempotency(
        self, portfolio_id: str, idempotency_key: str | None
    ) -> tuple[Portfolio | None, IdempotencyRecord | None]:
        await self._io("portfolio_and_idempotency")
        record = None
        if idempotency_key is not None:
            record = self.state.idempotency.get((portfolio_id, idempotency_key))
        return self.state.portfolios.get(portfolio_id), record

    async def owners(self, ids: Sequence[str]) -> Mapping[str, Owner]:
        await self._io("owners")
        return {i: self.state.owners[i] for i in ids if i in self.state.owners}

    async def write(self, changes: Sequence[LedgerChange]) -> None:
        """Checks every condition after yielding (a concurrent writer may have won meanwhile), then
        applies everything without yielding: all or nothing."""
        self.attempted.append(tuple(changes))
        await self._io("write")
        self.check(changes)
        for change in changes:
            self._apply(change)
        self.writes.append(tuple(changes))

    def check(self, changes: Sequence[LedgerChange]) -> None:
        """The write's conditions (WriteConflict), and what a correct caller always gives
        (AssertionError: a bug of the use case, not a race)."""
        assert 1 <= len(changes) <= 2, "a write changes one portfolio, or two for a transfer"
        assert len({c.portfolio.id for c in changes}) == len(changes), "one change per portfolio"
        for change in changes:
            pid = change.portfolio.id
            if pid not in self.state.portfolios:
                raise WriteConflict(f"portfolio {pid} is gone")
            if self.state.versions[pid] != change.expected_version:
                raise WriteConflict(f"portfolio {pid} is at version {self.state.versions[pid]}")
            if change.require_active_customer and (
                self.directory.status_now(change.portfolio.customer_id) is CustomerStatus.CLOSED
            ):
                raise WriteConflict("the customer closed their account")
            if change.idempotency is not None and (pid, change.idempotency.key) in self.state.idempotency:
                raise WriteConflict("the idempotency key was used meanwhile")
            assert change.books.holdings.version == books_version(change), "books at the next version"
            assert change.books.holdings.portfolio_id == pid
            stored = self.state.activities[pid]
            deleted_ids = {a.id for a in change.deleted}
            for old in change.deleted:
                assert stored.get(old.id) == old, f"deletes {old.id} as it is stored"
            for new in change.put:
                assert new.portfolio_id == pid
                assert new.id not in stored or new.id in deleted_ids, f"{new.id} put over a stored one"
            assert change.changed_at is not None, "a use case's change carries its audit entries"
            for entry in change.audit:
                assert entry.portfolio_id == pid

    def _apply(self, change: LedgerChange) -> None:
        pid = change.portfolio.id
        customer_id = self.state.portfolios[pid].customer_id
        stored = self.state.activities[pid]
        for old in change.deleted:
            del stored[old.id]
            for owned in _owned_ids(old):
                self.state.owners.pop(owned, None)
        for new in change.put:
            stored[new.id] = new
            for owned in _owned_ids(new):
                self.state.owners[owned] = Owner(owned, pid, customer_id)
        self.state.books[pid] = change.books
        self.state.versions[pid] = books_version(change)
        self.state.audit[pid].extend(change.audit)
        if change.idempotency is not None:
            self.state.idempotency[(pid, change.idempotency.key)] = change.idempotency
        assert change.changed_at is not None
        self._emit(*change.events(change.changed_at))

    # --- reads (the projection: never a replay) ----------------------------------------------------

    async def holdings(self, portfolio_ids: Sequence[str]) -> Mapping[str, Holdings]:
        await self._io("holdings")
        return {i: self._holdings(i) for i in portfolio_ids if i in self.state.portfolios}

    def _holdings(self, portfolio_id: str) -> Holdings:
        books = self.state.books.get(portfolio_id)
        if books is not None:
            return books.holdings
        return Holdings(portfolio_id, self.state.portfolios[portfolio_id].base_currency)

    async def history(self, portfolio_id: str) -> History:
        await self._io("history")
        books = self.state.books.get(portfolio_id)
        return books.history if books is not None else History()

    async def timelines(self, portfolio_ids: Sequence[str]) -> Mapping[str, Timeline]:
        await self._io("timelines")
        found = {}
        for i in portfolio_ids:
            if i in self.state.portfolios:
                books = self.state.books.get(i)
                found[i] = books.timeline if books is not None else Timeline()
        return found

    async def book(self, customer_id: str) -> CustomerBook:
        await self._io("book")
        mine = [p for p in self.state.portfolios.values() if p.customer_id == customer_id]
        return book_of(customer_id, mine, [self._holdings(p.id) for p in mine])

    async def activity(self, portfolio_id: str, activity_id: str) -> Activity | None:
        await self._io("activity")
        return self.state.activities.get(portfolio_id, {}).get(activity_id)

    async def activities(self, portfolio_id: str, first: int, after: str | None) -> ActivityPage:
        await self._io("activities")
        ordered = sorted(
            self.state.activities.get(portfolio_id, {}).values(),
            key=lambda a: (a.occurred_on, a.id),
            reverse=True,
        )
        ids = [a.id for a in ordered]
        start = 0
        if after is not None:
            if after not in ids:
                return ActivityPage((), False)
            start = ids.index(after) + 1
        page = ordered[start : start + first]
        return ActivityPage(tuple(page), start + first < len(ordered))

    async def audit_trail(self, portfolio_id: str, first: int, after: str | None) -> AuditPage:
        await self._io("audit_trail")
        entries = list(reversed(self.state.audit.get(portfolio_id, [])))
        ids = [e.id for e in entries]
        start = 0
        if after is not None:
            if after not in ids:
                return AuditPage((), False)
            start = ids.index(after) + 1
        return AuditPage(tuple(entries[start : start + first]), start + first < len(entries))


def _owned_ids(activity: Activity) -> list[str]:
    """The ids an activity makes findable by id: itself (a BUY's lot has its id) and, for a
    TRANSFER_IN, the lots it brings (a TRANSFER_OUT's moved lots belong to the receiver)."""
    if activity.type is ActivityType.TRANSFER_IN:
        return [activity.id, *(m.lot_id for m in activity.moved)]
    return [activity.id]


class ConflictingRepository(FakePortfolioRepository):
    """A repository whose next `conflicts` writes fail as if a concurrent writer had won."""

    def __init__(self, directory: FakeCustomerDirectory, conflicts: int = 0) -> None:
        super().__init__(directory)
        self.conflicts = conflicts

    async def write(self, changes: Sequence[LedgerChange]) -> None:
        if self.conflicts > 0:
            self.attempted.append(tuple(changes))
            self.calls.append("write")
            await asyncio.sleep(0)
            self.conflicts -= 1
            raise WriteConflict("a concurrent writer won")
        await super().write(changes)
