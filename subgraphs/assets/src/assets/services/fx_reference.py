"""The event consumer's use case for PortfolioOpened: the FX closes the portfolios service converts
the new portfolio's foreign activities with are stored (domain/fx_reference.py says which and why),
and so reach it as FxRatesStored events. A pair already stored costs no provider call."""

from __future__ import annotations

import logging

from kit.core.events import EventRecord

from assets.domain.events import portfolio_opened_event
from assets.domain.fx_reference import FxReference
from assets.domain.ports import AppliedEvents
from assets.services.common import ProvidersUnavailable
from assets.services.history import HistoryService

log = logging.getLogger(__name__)


class FxReferenceUseCases:
    def __init__(self, *, history: HistoryService, applied: AppliedEvents, reference: FxReference) -> None:
        self._history = history
        self._applied = applied
        self._reference = reference

    async def apply_portfolio_opened(self, record: EventRecord) -> None:
        """Stores the reference FX closes into the portfolio's base currency once per event id.
        InvalidEvent when the event is not a PortfolioOpened; ProvidersUnavailable when the FX
        provider left days of a reference currency unanswered (retried)."""
        event = portfolio_opened_event(record)
        if await self._applied.was_applied(event.event_id):
            log.info("portfolio event %s handled before; nothing to do", event.event_id)
            return
        if event.base_currency is not None:
            await self._store(event.event_id, event.base_currency)
        # After the work: a delivery that fails before this does it again (it is idempotent).
        await self._applied.mark_applied(event.event_id)

    async def _store(self, event_id: str, base_currency: str) -> None:
        span = self._reference.span(self._history.today())
        if span is None:
            return
        # Patient: waits for the provider's rate limit, as the daily refresh does.
        found = await self._history.fx_rates(self._reference.series_for(base_currency), span, patient=True)
        unanswered = sorted(code for code, history in found.items() if not history.complete)
        # A reference currency is one the provider publishes: a gap is a failure, retried. A base
        # currency outside them may simply not be published: portfolios then asks for fxRate.
        failed = [code for code in unanswered if code in self._reference.currencies]
        if failed:
            raise ProvidersUnavailable(f"The FX provider left days of {', '.join(failed)} unanswered.")
        if unanswered:
            log.warning("portfolio event %s: no FX closes published for %s", event_id, unanswered)
        log.info("portfolio event %s: FX closes into %s stored", event_id, base_currency)
