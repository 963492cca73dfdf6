"""Correcting and removing activities (a sale included): the ledger is replayed after the change,
and refused, writing nothing, when that history becomes impossible. A transfer is removed with its
other half, and recorded again rather than corrected. updateInvestment and removeInvestment are
the same under their older names, on a lot's BUY.
"""

from __future__ import annotations

from dataclasses import replace

from kit.core.principal import Principal

from portfolios.access import require_changer
from portfolios.domain.activity_checks import fx_lookup
from portfolios.domain.activity_validation import validate_activity
from portfolios.domain.commands import CorrectionRequest, corrected_request
from portfolios.domain.ledger import Ledger
from portfolios.domain.model import ActivityType, AuditAction
from portfolios.domain.ports import (
    LedgerChange,
    Owner,
)
from portfolios.domain.problems import (
    not_correctable,
    portfolio_closed,
)
from portfolios.domain.validation import latest_purchase_date
from portfolios.services.common import retrying
from portfolios.services.fx_rates import reference_rate
from portfolios.services.ledger_cases import TRANSFERS, Changed, Field, LedgerCases, replay_at


class Corrections(LedgerCases):
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
        if old.type in TRANSFERS:
            raise not_correctable(field, old.type.value)
        now = self._clock()
        request = corrected_request(old, correction)
        new = validate_activity(
            request,
            portfolio=stored.portfolio,
            latest_date=latest_purchase_date(now),
            reference_rate=await reference_rate(self._fx_rates, fx_lookup(request, stored.portfolio)),
        )
        corrected = new.as_activity(old.id, old.recorded_at)
        corrected = replace(corrected, counterpart_activity_id=old.counterpart_activity_id)
        ledger = Ledger(stored.portfolio, stored.activities)
        if corrected == old:
            return Changed(activity=old, portfolio=stored.portfolio, books=None)
        books = replay_at(ledger.replacing(corrected), stored.version + 1, field, changed=corrected)
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
        books = replay_at(before.without(old.id), stored.version + 1, field)
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
        if old.type in TRANSFERS and old.counterpart_portfolio_id and old.counterpart_activity_id:
            other = await self._repository.ledger(old.counterpart_portfolio_id)
            partner = (
                Ledger(other.portfolio, other.activities).get(old.counterpart_activity_id) if other else None
            )
            if other is not None and partner is not None:
                if other.portfolio.is_closed:
                    raise portfolio_closed(field)
                other_books = replay_at(
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
