"""The event consumer's one handler: each event type delivered to this service goes to its use case."""

from __future__ import annotations

from kit.core.events import EventRecord

from assets.domain.events import HISTORY_REFRESH_DUE, PORTFOLIO_OPENED, SCHEDULER_SOURCE
from assets.services.first_chart import FirstChartUseCases
from assets.services.fx_reference import FxReferenceUseCases
from assets.services.history import HistoryService


class IncomingEvents:
    def __init__(
        self, *, first_chart: FirstChartUseCases, fx_reference: FxReferenceUseCases, history: HistoryService
    ) -> None:
        self._first_chart = first_chart
        self._fx_reference = fx_reference
        self._history = history

    async def apply(self, record: EventRecord) -> None:
        """InvalidEvent (to the dead-letter queue) for a type this service does not act on."""
        if record.type == HISTORY_REFRESH_DUE and record.source == SCHEDULER_SOURCE:
            # The daily schedule in AWS (EventBridge Scheduler). A refresh fetches only what is
            # missing, so a second delivery of the same tick costs nothing.
            await self._history.refresh()
        elif record.type == PORTFOLIO_OPENED:
            await self._fx_reference.apply_portfolio_opened(record)
        else:  # the activity events; refuses any other type
            await self._first_chart.apply_activity_event(record)
