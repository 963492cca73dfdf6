"""Recording activities (DESIGN.md decision 11): a new activity, back-dated or not, or a transfer
between two portfolios of one customer, replayed with the ledger before the one write. An
idempotency key sent again returns what it recorded. addInvestment and sellInvestment are BUY and
SELL activities under their older names.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from kit.core.ids import is_ulid
from kit.core.principal import Principal
from kit.core.text import TextKind, trimmed

from portfolios.access import check_change, require_changer
from portfolios.domain.activity_checks import fx_lookup
from portfolios.domain.activity_validation import NewActivity, validate_activity
from portfolios.domain.commands import ActivityRequest
from portfolios.domain.ledger import Ledger
from portfolios.domain.model import Activity, ActivityType, AuditAction, CustomerStatus
from portfolios.domain.ports import (
    IdempotencyRecord,
    LedgerChange,
    StoredLedger,
)
from portfolios.domain.problems import (
    customer_closed_problem,
    key_reused,
    key_target_removed,
    no_such_counterpart,
    other_base_currency,
    portfolio_closed,
    portfolio_gone,
)
from portfolios.domain.validation import latest_purchase_date, usable_idempotency_key
from portfolios.services.common import retrying
from portfolios.services.fx_rates import reference_rate
from portfolios.services.ledger_cases import (
    INFLOWS,
    Field,
    LedgerCases,
    Recorded,
    replay_at,
    replay_new,
)


class Recording(LedgerCases):
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
        reference = await reference_rate(self._fx_rates, fx_lookup(request, portfolio))
        new = validate_activity(
            request,
            portfolio=portfolio,
            latest_date=latest_purchase_date(self._clock()),
            reference_rate=reference,
        )
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
        inflow = new.type in INFLOWS
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
        books = replay_at(ledger, stored.version + 1, ("input", request.fields.occurred), changed=activity)
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
            raise no_such_counterpart(field)
        if receiver.portfolio.is_closed:
            raise portfolio_closed(field)
        if receiver.portfolio.base_currency != sender.base_currency:
            raise other_base_currency(field, sender.base_currency, receiver.portfolio.base_currency)
        ledger = Ledger(sender, stored.activities).with_activity(activity)
        carried = replay_new(ledger, activity).history.transfer(activity.id)
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
        sender_books = replay_new(ledger.replacing(outgoing), outgoing, version=stored.version + 1)
        receiver_ledger = Ledger(receiver.portfolio, receiver.activities).with_activity(incoming)
        receiver_books = replay_at(receiver_ledger, receiver.version + 1, field)
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
