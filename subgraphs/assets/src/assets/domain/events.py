"""Events from other services that the assets service acts on.

The portfolios service writes an ActivityRecorded or ActivityCorrected event with each activity it
records or corrects (carried by its table's stream to this service's queue). When the activity's
symbol is one this service has never stored daily closes of, the service backfills them and warms
the symbol's quote, so that the first chart of a portfolio holding it is ready when it is asked for.
A PortfolioOpened event names the portfolio's base currency: the service makes sure the daily FX
closes that the portfolios service needs to convert activities into it at their trade date's rate are
stored (domain/fx_reference.py), and so copied to it by FxRatesStored events.
Delivery is at least once: the consumer records each event id it handled, and what it does is
idempotent anyway (a backfill only fetches days not covered yet).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from kit.core.events import EventRecord, InvalidEvent
from kit.core.money import is_iso_currency

from assets.domain.history import EARLIEST_DAY, MAX_RANGE_DAYS, ONE_DAY, DateSpan

ACTIVITY_TYPES = frozenset({"ActivityRecorded", "ActivityCorrected"})
PORTFOLIO_OPENED = "PortfolioOpened"
# The daily refresh of stored closes, sent by EventBridge Scheduler in AWS (infra's messaging stack).
HISTORY_REFRESH_DUE = "HistoryRefreshDue"
SCHEDULER_SOURCE = "scheduler"
PORTFOLIOS_SOURCE = "portfolios"
MAX_SYMBOL_LENGTH = 64
# A first chart shows at least a year, even of a holding bought yesterday.
FIRST_CHART_DAYS = 366


@dataclass(frozen=True, slots=True)
class ActivityEvent:
    """An activity recorded or corrected: its symbol (None for cash) and its trade date."""

    event_id: str
    symbol: str | None
    trade_date: date

    def first_chart(self, today: date) -> DateSpan | None:
        """The days a first chart of the symbol needs: from the trade date (a year back at least,
        20 years at most) to yesterday; None when there is no such day."""
        yesterday = today - ONE_DAY
        first = min(self.trade_date, today - timedelta(days=FIRST_CHART_DAYS))
        first = max(first, EARLIEST_DAY, yesterday - timedelta(days=MAX_RANGE_DAYS - 1))
        return DateSpan(first, yesterday) if first <= yesterday else None


def activity_event(record: EventRecord) -> ActivityEvent:
    """The activity event delivered as `record`; InvalidEvent when it is not one."""
    if record.type not in ACTIVITY_TYPES:
        raise InvalidEvent(f"Unsupported event type {record.type!r}.")
    if record.source != PORTFOLIOS_SOURCE:
        raise InvalidEvent(f"An {record.type} event comes from the portfolios service.")
    symbol = record.data.get("symbol")
    if symbol is not None and (
        not isinstance(symbol, str) or not symbol.strip() or len(symbol) > MAX_SYMBOL_LENGTH
    ):
        raise InvalidEvent("The event's symbol must be a short text.")
    trade_date = record.data.get("tradeDate")
    if trade_date is None:
        day = record.occurred_at.date()
    elif isinstance(trade_date, str):
        try:
            day = date.fromisoformat(trade_date[:10])
        except ValueError as error:
            raise InvalidEvent("The event's tradeDate must be a date (YYYY-MM-DD).") from error
    else:
        raise InvalidEvent("The event's tradeDate must be a date (YYYY-MM-DD).")
    return ActivityEvent(record.event_id, symbol.strip() if symbol is not None else None, day)


@dataclass(frozen=True, slots=True)
class PortfolioOpenedEvent:
    """A portfolio opened in `base_currency` (None: written before events named it; nothing to do)."""

    event_id: str
    portfolio_id: str
    base_currency: str | None


def portfolio_opened_event(record: EventRecord) -> PortfolioOpenedEvent:
    """The PortfolioOpened event delivered as `record`; InvalidEvent when it is not one."""
    if record.type != PORTFOLIO_OPENED:
        raise InvalidEvent(f"Unsupported event type {record.type!r}.")
    if record.source != PORTFOLIOS_SOURCE:
        raise InvalidEvent("A PortfolioOpened event comes from the portfolios service.")
    portfolio_id = record.data.get("portfolioId")
    if not isinstance(portfolio_id, str) or not portfolio_id.strip():
        raise InvalidEvent("The event's portfolioId must be a text.")
    base = record.data.get("baseCurrency")
    if base is not None and (not isinstance(base, str) or not is_iso_currency(base)):
        raise InvalidEvent("The event's baseCurrency must be an ISO 4217 currency code.")
    return PortfolioOpenedEvent(record.event_id, portfolio_id, base)
