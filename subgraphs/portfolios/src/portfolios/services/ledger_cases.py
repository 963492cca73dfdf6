"""What the ledger's use cases share: their results, the per-portfolio queue, finding the activity a
change targets once the caller may change it, the audit entry, and turning an impossible replay
into the userError of its day."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from kit.core.errors import InputProblems
from kit.core.ids import is_ulid
from kit.core.principal import Principal
from kit.core.text import TextKind, trimmed

from portfolios.access import actor, check_change
from portfolios.domain.books import Books
from portfolios.domain.ledger import ImpossibleHistory, Ledger
from portfolios.domain.lots import Lot
from portfolios.domain.model import Activity, ActivityType, AuditAction, AuditEntry, Portfolio
from portfolios.domain.ports import (
    CustomerDirectory,
    FxReferenceRates,
    Owner,
    PortfolioRepository,
    StoredLedger,
)
from portfolios.domain.problems import (
    INSUFFICIENT_QUANTITY,
    LOT_UNAVAILABLE,
    activity_gone,
    forbidden_to_change,
    impossible,
    invalid_id,
    investment_gone,
    portfolio_closed,
)
from portfolios.services.common import WRITE_ATTEMPTS, Clock, IdFactory

Field = tuple[str, ...]

# A closed customer's holdings may be wound down and corrected; nothing new comes in.
INFLOWS = frozenset({ActivityType.BUY, ActivityType.DEPOSIT})
TRANSFERS = frozenset({ActivityType.TRANSFER_IN, ActivityType.TRANSFER_OUT})


@dataclass(frozen=True, slots=True)
class Recorded:
    """An activity recorded (or, `replayed`, recorded before under the same idempotency key), its
    portfolio and the books after it."""

    activity: Activity
    portfolio: Portfolio
    books: Books | None
    replayed: bool = False

    def lot(self) -> Lot | None:
        return _lot_of(self.books, self.activity.id)


@dataclass(frozen=True, slots=True)
class Changed:
    """An activity corrected or removed: `activity` is its new (or last) state, `books` the books
    after the change (None when nothing changed), `before` the books before it."""

    activity: Activity
    portfolio: Portfolio
    books: Books | None

    def lot(self) -> Lot | None:
        return _lot_of(self.books, self.activity.id)


def _lot_of(books: Books | None, lot_id: str) -> Lot | None:
    if books is None:
        return None
    return next((lot for lot in books.lots() if lot.id == lot_id), None)


class LedgerCases:
    """The ports, clock and ids every ledger use case works with, and what they share."""

    def __init__(
        self,
        repository: PortfolioRepository,
        directory: CustomerDirectory,
        fx_rates: FxReferenceRates,
        clock: Clock,
        new_id: IdFactory,
        attempts: int = WRITE_ATTEMPTS,
    ) -> None:
        self._repository = repository
        self._directory = directory
        self._fx_rates = fx_rates
        self._clock = clock
        self._new_id = new_id
        self._attempts = attempts
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    @asynccontextmanager
    async def _serialized(self, portfolio_id: str) -> AsyncIterator[None]:
        """One change of a portfolio at a time in this process: concurrent requests queue here instead
        of all reading, replaying and losing the version race but one (other processes still race,
        and the version condition settles it)."""
        lock = self._locks.get(portfolio_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[portfolio_id] = lock
        async with lock:
            yield

    async def _owner(
        self, caller: Principal, activity_id: str, field: Field, only: ActivityType | None
    ) -> Owner:
        """Which portfolio holds `activity_id`, once the caller may change it."""
        kind = kind_of(only)
        activity_id = trimmed(activity_id, TextKind.ID)
        if not is_ulid(activity_id):
            raise InputProblems([invalid_id(field)])
        owner = (await self._repository.owners([activity_id])).get(activity_id)
        if owner is None:
            check_change(caller, None, kind, activity_id)
            raise gone(field, kind)
        if not caller.can_change(owner.customer_id):
            raise forbidden_to_change(kind, activity_id)
        return owner

    async def _target(
        self, owner: Owner, field: Field, only: ActivityType | None
    ) -> tuple[StoredLedger, Activity]:
        """The ledger holding the activity, and the activity (as read now)."""
        kind = kind_of(only)
        stored = await self._repository.ledger(owner.portfolio_id)
        activity = Ledger(stored.portfolio, stored.activities).get(owner.id) if stored else None
        if stored is None or activity is None or (only is not None and activity.type is not only):
            raise gone(field, kind)
        if stored.portfolio.is_closed:
            raise portfolio_closed(field)
        return stored, activity

    def _audit(
        self,
        caller: Principal,
        action: AuditAction,
        activity: Activity,
        before: Activity | None,
        after: Activity | None,
        now: datetime,
    ) -> AuditEntry:
        return AuditEntry(
            id=self._new_id(now),
            portfolio_id=activity.portfolio_id,
            action=action,
            actor=actor(caller),
            at=now,
            activity_id=activity.id,
            before=before,
            after=after,
        )


def kind_of(only: ActivityType | None) -> str:
    return "investment" if only is ActivityType.BUY else "activity"


def gone(field: Field, kind: str) -> InputProblems:
    return investment_gone(field) if kind == "investment" else activity_gone(field)


def replay_new(ledger: Ledger, activity: Activity, *, version: int = 0) -> Books:
    """The books with a new activity, or the userError of the day the replay fails."""
    return replay_at(ledger, version, ("input", "occurredAt"), changed=activity)


def replay_at(ledger: Ledger, version: int, field: Field, *, changed: Activity | None = None) -> Books:
    """The ledger's books at `version`; when the replay fails, a userError at `field`, or at the
    changed activity's own quantity (or lots) when that activity is the one that cannot be."""
    try:
        return ledger.replay(version=version)
    except ImpossibleHistory as error:
        if changed is not None and error.activity.id == changed.id:
            if error.code == INSUFFICIENT_QUANTITY:
                field = ("input", "quantity")
            elif error.code == LOT_UNAVAILABLE:
                field = ("input", "lots")
        raise impossible(field, error) from None
