"""Use cases of the activity ledger: record, correct and remove activities (DESIGN.md decision 11).

Each reads the portfolio's whole ledger, asks the domain (`Ledger`) for the books after the change,
and writes once: the activity, the new projection, an audit entry and maybe an idempotency record,
conditioned on the projection's version, so that concurrent writers are serialized (the loser
reads again and decides again). A change the replay finds impossible is refused with the replay's
message (naming the date) and writes nothing. addInvestment, updateInvestment, removeInvestment
and sellInvestment are BUY and SELL activities under their older names.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime

from kit.core.errors import InputProblems
from kit.core.ids import is_ulid
from kit.core.principal import Principal
from kit.core.text import TextKind, trimmed

from portfolios.access import actor, check_change, forbidden_to_change, require_changer
from portfolios.domain.commands import ActivityRequest, CorrectionRequest
from portfolios.domain.ledger import INSUFFICIENT_QUANTITY, LOT_UNAVAILABLE, ImpossibleHistory, Ledger
from portfolios.domain.model import (
    Activity,
    ActivityType,
    AuditAction,
    AuditEntry,
    Books,
    Lot,
    Portfolio,
)
from portfolios.domain.ports import (
    CustomerDirectory,
    IdempotencyRecord,
    LedgerChange,
    Owner,
    PortfolioRepository,
    StoredLedger,
)
from portfolios.domain.problems import (
    INVALID,
    NOT_FOUND,
    activity_gone,
    customer_closed_problem,
    impossible,
    invalid_id,
    key_reused,
    key_target_removed,
    not_correctable,
    portfolio_closed,
    portfolio_gone,
)
from portfolios.domain.validation import (
    CustomerStatus,
    NewActivity,
    corrected_request,
    latest_purchase_date,
    usable_idempotency_key,
    validate_activity,
)
from portfolios.services.common import WRITE_ATTEMPTS, Clock, IdFactory, retrying

Field = tuple[str, ...]

# A closed customer's holdings may be wound down and corrected; nothing new comes in.
_INFLOWS = frozenset({ActivityType.BUY, ActivityType.DEPOSIT})
_TRANSFERS = frozenset({ActivityType.TRANSFER_IN, ActivityType.TRANSFER_OUT})


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


class LedgerUseCases:
    def __init__(
        self,
        repository: PortfolioRepository,
        directory: CustomerDirectory,
        clock: Clock,
        new_id: IdFactory,
        attempts: int = WRITE_ATTEMPTS,
    ) -> None:
        self._repository = repository
        self._directory = directory
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

    # --- recording ------------------------------------------------------------------------------

    async def record_activity(self, caller: Principal, request: ActivityRequest) -> Recorded:
        """Records one activity, back-dated or not. An idempotency key lives under its portfolio and
        is replayed only after the owner check, so a key never returns another customer's data."""
        require_changer(caller)
        return await retrying(lambda: self._record(caller, request), self._attempts)

    async def _record(self, caller: Principal, request: ActivityRequest) -> Recorded:
        portfolio_id = trimmed(request.portfolio_id, TextKind.ID)
        portfolio, record = None, None
        if is_ulid(portfolio_id):
            portfolio, record = await self._repository.portfolio_and_idempotency(
                portfolio_id, usable_idempotency_key(request.idempotency_key)
            )
        check_change(caller, portfolio, "portfolio", portfolio_id)
        new = validate_activity(request, portfolio=portfolio, latest_date=latest_purchase_date(self._clock()))
        if record is not None:
            return await self._replayed(new, record)
        async with self._serialized(new.portfolio.id):
            return await self._record_new(caller, request, new)

    async def _record_new(self, caller: Principal, request: ActivityRequest, new: NewActivity) -> Recorded:
        if new.idempotency_key is not None:  # a request with the same key may have gone first
            _, record = await self._repository.portfolio_and_idempotency(
                new.portfolio.id, new.idempotency_key
            )
            if record is not None:
                return await self._replayed(new, record)
        now = self._clock()
        if new.portfolio.is_closed:
            raise portfolio_closed(("input", "portfolioId"))
        inflow = new.type in _INFLOWS
        if inflow and await self._directory.status(new.portfolio.customer_id) is CustomerStatus.CLOSED:
            raise customer_closed_problem(("input", "portfolioId"))
        stored = await self._repository.ledger(new.portfolio.id)
        if stored is None:
            raise portfolio_gone()
        if stored.portfolio.is_closed:  # closed since the first read
            raise portfolio_closed(("input", "portfolioId"))
        activity = new.as_activity(self._new_id(now), now)
        idempotency = (
            IdempotencyRecord(new.idempotency_key, activity.id, new.fingerprint())
            if new.idempotency_key
            else None
        )
        if activity.type is ActivityType.TRANSFER_OUT:
            return await self._transfer(caller, stored, activity, idempotency, now)
        ledger = Ledger(stored.portfolio, stored.activities).with_activity(activity)
        books = _replay_at(ledger, stored.version + 1, ("input", request.fields.occurred), changed=activity)
        await self._repository.write(
            [
                LedgerChange(
                    portfolio=stored.portfolio,
                    expected_version=stored.version,
                    books=books,
                    put=(activity,),
                    audit=(self._audit(caller, AuditAction.RECORDED, activity, None, activity, now),),
                    idempotency=idempotency,
                    require_active_customer=inflow,
                    activities=tuple(ledger.activities.values()),
                )
            ]
        )
        return Recorded(activity=activity, portfolio=stored.portfolio, books=books)

    async def _replayed(self, new: NewActivity, record: IdempotencyRecord) -> Recorded:
        if record.fingerprint != new.fingerprint():
            raise key_reused()
        activity = await self._repository.activity(new.portfolio.id, record.activity_id)
        if activity is None:
            raise key_target_removed()
        return Recorded(activity=activity, portfolio=new.portfolio, books=None, replayed=True)

    async def _transfer(
        self,
        caller: Principal,
        stored: StoredLedger,
        activity: Activity,
        idempotency: IdempotencyRecord | None,
        now: datetime,
    ) -> Recorded:
        """A TRANSFER_OUT and its TRANSFER_IN, in one write: the lots the sender's method (or the
        named lots) takes arrive in the receiver with their acquisition dates and cost."""
        field: Field = ("input", "counterpartPortfolioId")
        assert activity.counterpart_portfolio_id is not None
        receiver = await self._repository.ledger(activity.counterpart_portfolio_id)
        sender = stored.portfolio
        if receiver is None or receiver.portfolio.customer_id != sender.customer_id:
            raise InputProblems.single(field, "the customer has no other portfolio with this id", NOT_FOUND)
        if receiver.portfolio.is_closed:
            raise portfolio_closed(field)
        if receiver.portfolio.base_currency != sender.base_currency:
            raise InputProblems.single(
                field,
                f"lots keep their cost in {sender.base_currency}: a transfer goes to a portfolio "
                f"of the same base currency, not {receiver.portfolio.base_currency}",
                INVALID,
            )
        ledger = Ledger(sender, stored.activities).with_activity(activity)
        carried = _replay_new(ledger, activity).history.transfer(activity.id)
        assert carried is not None
        moved = tuple(replace(m, lot_id=self._new_id(now)) for m in carried.moved)
        incoming = Activity(
            id=self._new_id(now),
            portfolio_id=receiver.portfolio.id,
            type=ActivityType.TRANSFER_IN,
            occurred_on=activity.occurred_on,
            recorded_at=now,
            symbol=activity.symbol,
            quantity=activity.quantity,
            counterpart_portfolio_id=sender.id,
            counterpart_activity_id=activity.id,
            moved=moved,
            note=activity.note,
        )
        outgoing = replace(activity, moved=moved, counterpart_activity_id=incoming.id)
        sender_books = _replay_new(ledger.replacing(outgoing), outgoing, version=stored.version + 1)
        receiver_ledger = Ledger(receiver.portfolio, receiver.activities).with_activity(incoming)
        receiver_books = _replay_at(receiver_ledger, receiver.version + 1, field)
        await self._repository.write(
            [
                LedgerChange(
                    portfolio=sender,
                    expected_version=stored.version,
                    books=sender_books,
                    put=(outgoing,),
                    audit=(self._audit(caller, AuditAction.RECORDED, outgoing, None, outgoing, now),),
                    idempotency=idempotency,
                    activities=tuple(ledger.replacing(outgoing).activities.values()),
                ),
                LedgerChange(
                    portfolio=receiver.portfolio,
                    expected_version=receiver.version,
                    books=receiver_books,
                    put=(incoming,),
                    audit=(self._audit(caller, AuditAction.RECORDED, incoming, None, incoming, now),),
                    activities=tuple(receiver_ledger.activities.values()),
                ),
            ]
        )
        return Recorded(activity=outgoing, portfolio=sender, books=sender_books)

    # --- correcting and removing ---------------------------------------------------------------

    async def correct_activity(self, caller: Principal, correction: CorrectionRequest) -> Changed:
        """Replaces an activity's fields (validated as a new record would be); type and portfolio stay.
        A transfer is removed and recorded again rather than corrected."""
        require_changer(caller)
        return await retrying(lambda: self._correct(caller, correction), self._attempts)

    async def correct_investment(self, caller: Principal, correction: CorrectionRequest) -> Changed:
        """updateInvestment: corrects the BUY that made a lot (the lot's id is the BUY's)."""
        require_changer(caller)
        return await retrying(lambda: self._correct(caller, correction, ActivityType.BUY), self._attempts)

    async def _correct(
        self, caller: Principal, correction: CorrectionRequest, only: ActivityType | None = None
    ) -> Changed:
        field: Field = ("input", correction.id_field)
        owner = await self._owner(caller, correction.activity_id, field, only)
        async with self._serialized(owner.portfolio_id):
            return await self._correct_owned(caller, correction, owner, field, only)

    async def _correct_owned(
        self,
        caller: Principal,
        correction: CorrectionRequest,
        owner: Owner,
        field: Field,
        only: ActivityType | None,
    ) -> Changed:
        stored, old = await self._target(owner, field, only)
        if old.type in _TRANSFERS:
            raise not_correctable(field, old.type.value)
        now = self._clock()
        new = validate_activity(
            corrected_request(old, correction),
            portfolio=stored.portfolio,
            latest_date=latest_purchase_date(now),
        )
        corrected = new.as_activity(old.id, old.recorded_at)
        corrected = replace(corrected, counterpart_activity_id=old.counterpart_activity_id)
        ledger = Ledger(stored.portfolio, stored.activities)
        if corrected == old:
            return Changed(activity=old, portfolio=stored.portfolio, books=None)
        books = _replay_at(ledger.replacing(corrected), stored.version + 1, field, changed=corrected)
        await self._repository.write(
            [
                LedgerChange(
                    portfolio=stored.portfolio,
                    expected_version=stored.version,
                    books=books,
                    put=(corrected,),
                    deleted=(old,),
                    audit=(self._audit(caller, AuditAction.CORRECTED, corrected, old, corrected, now),),
                    activities=tuple(ledger.replacing(corrected).activities.values()),
                )
            ]
        )
        return Changed(activity=corrected, portfolio=stored.portfolio, books=books)

    async def remove_activity(
        self,
        caller: Principal,
        activity_id: str,
        *,
        field: Field = ("input", "activityId"),
        only: ActivityType | None = None,
    ) -> Changed:
        """Removes one activity (a sale included) and replays without it. A transfer goes with its
        other half. With `only`, an activity of another type is not found (removeInvestment: BUY)."""
        require_changer(caller)
        return await retrying(lambda: self._remove(caller, activity_id, field, only), self._attempts)

    async def _remove(
        self, caller: Principal, activity_id: str, field: Field, only: ActivityType | None
    ) -> Changed:
        owner = await self._owner(caller, activity_id, field, only)
        async with self._serialized(owner.portfolio_id):
            return await self._remove_owned(caller, owner, field, only)

    async def _remove_owned(
        self, caller: Principal, owner: Owner, field: Field, only: ActivityType | None
    ) -> Changed:
        stored, old = await self._target(owner, field, only)
        now = self._clock()
        before = Ledger(stored.portfolio, stored.activities)
        books = _replay_at(before.without(old.id), stored.version + 1, field)
        changes = [
            LedgerChange(
                portfolio=stored.portfolio,
                expected_version=stored.version,
                books=books,
                deleted=(old,),
                audit=(self._audit(caller, AuditAction.REMOVED, old, old, None, now),),
                activities=tuple(before.without(old.id).activities.values()),
            )
        ]
        if old.type in _TRANSFERS and old.counterpart_portfolio_id and old.counterpart_activity_id:
            other = await self._repository.ledger(old.counterpart_portfolio_id)
            partner = (
                Ledger(other.portfolio, other.activities).get(old.counterpart_activity_id) if other else None
            )
            if other is not None and partner is not None:
                if other.portfolio.is_closed:
                    raise portfolio_closed(field)
                other_books = _replay_at(
                    Ledger(other.portfolio, other.activities).without(partner.id), other.version + 1, field
                )
                changes.append(
                    LedgerChange(
                        portfolio=other.portfolio,
                        expected_version=other.version,
                        books=other_books,
                        deleted=(partner,),
                        audit=(self._audit(caller, AuditAction.REMOVED, partner, partner, None, now),),
                        activities=tuple(
                            Ledger(other.portfolio, other.activities).without(partner.id).activities.values()
                        ),
                    )
                )
        await self._repository.write(changes)
        return Changed(activity=old, portfolio=stored.portfolio, books=books)

    async def _owner(
        self, caller: Principal, activity_id: str, field: Field, only: ActivityType | None
    ) -> Owner:
        """Which portfolio holds `activity_id`, once the caller may change it."""
        kind = _kind(only)
        activity_id = trimmed(activity_id, TextKind.ID)
        if not is_ulid(activity_id):
            raise InputProblems([invalid_id(field)])
        owner = (await self._repository.owners([activity_id])).get(activity_id)
        if owner is None:
            check_change(caller, None, kind, activity_id)
            raise _gone(field, kind)
        if not caller.can_change(owner.customer_id):
            raise forbidden_to_change(kind, activity_id)
        return owner

    async def _target(
        self, owner: Owner, field: Field, only: ActivityType | None
    ) -> tuple[StoredLedger, Activity]:
        """The ledger holding the activity, and the activity (as read now)."""
        kind = _kind(only)
        stored = await self._repository.ledger(owner.portfolio_id)
        activity = Ledger(stored.portfolio, stored.activities).get(owner.id) if stored else None
        if stored is None or activity is None or (only is not None and activity.type is not only):
            raise _gone(field, kind)
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


def _kind(only: ActivityType | None) -> str:
    return "investment" if only is ActivityType.BUY else "activity"


def _gone(field: Field, kind: str) -> InputProblems:
    if kind == "investment":
        return InputProblems.single(field, "no investment has this id", NOT_FOUND)
    return activity_gone(field)


def _replay_new(ledger: Ledger, activity: Activity, *, version: int = 0) -> Books:
    """The books with a new activity, or the userError of the day the replay fails."""
    return _replay_at(ledger, version, ("input", "occurredAt"), changed=activity)


def _replay_at(ledger: Ledger, version: int, field: Field, *, changed: Activity | None = None) -> Books:
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
        raise impossible(field, error.message, error.code) from None
