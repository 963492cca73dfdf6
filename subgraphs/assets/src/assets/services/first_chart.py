"""The event consumer's use case: an activity in a symbol this service has no daily closes of gets
them backfilled, and its quote warmed, so that the first chart of a portfolio holding it is ready
(domain/events.py says which events and which days)."""

from __future__ import annotations

import logging

from kit.core.events import EventRecord

from assets.domain.events import ActivityEvent, activity_event
from assets.domain.instruments import Catalog
from assets.domain.ports import AppliedEvents
from assets.services.common import ProvidersUnavailable
from assets.services.history import HistoryService
from assets.services.quotes import QuoteService

log = logging.getLogger(__name__)

__all__ = ["FirstChartUseCases", "ProvidersUnavailable"]


class FirstChartUseCases:
    def __init__(
        self,
        *,
        catalog: Catalog,
        history: HistoryService,
        quotes: QuoteService,
        applied: AppliedEvents,
    ) -> None:
        self._catalog = catalog
        self._history = history
        self._quotes = quotes
        self._applied = applied

    async def apply_activity_event(self, record: EventRecord) -> None:
        """Prepares the first chart of the activity's symbol once per event id. InvalidEvent when the
        event is not an activity event; ProvidersUnavailable when a provider failed (retried)."""
        event = activity_event(record)
        if await self._applied.was_applied(event.event_id):
            log.info("activity event %s handled before; nothing to do", event.event_id)
            return
        if event.symbol is not None:
            await self._prepare(event, event.symbol)
        # After the work: a delivery that fails before this does it again (it is idempotent).
        await self._applied.mark_applied(event.event_id)

    async def _prepare(self, event: ActivityEvent, symbol: str) -> None:
        entry = self._catalog.get(symbol)
        if entry is None:  # a manual or unknown symbol: no provider has its history
            log.info(
                "activity event %s: %r is not a listed instrument; nothing to prepare", event.event_id, symbol
            )
            return
        if await self._history.has_history(entry.instrument):
            return
        if not self._history.can_backfill(entry.instrument):
            # Redelivery cannot help: its charts say `complete: false` until a provider with
            # history is configured. Warm the quote once, as a courtesy, and acknowledge.
            await self._quotes.feed_quotes([symbol])
            log.info(
                "activity event %s: no configured provider has daily closes of %s", event.event_id, symbol
            )
            return
        quote = (await self._quotes.feed_quotes([symbol])).get(symbol)
        if quote is None or quote.stale:
            raise ProvidersUnavailable(f"No provider answered a quote for {symbol}.")
        span = event.first_chart(self._history.today())
        if span is not None:
            history = await self._history.backfill(entry.instrument, span)
            if not history.complete:
                raise ProvidersUnavailable(f"The providers left days of {symbol}'s closes unanswered.")
        log.info("activity event %s: %s backfilled and its quote warmed", event.event_id, symbol)
