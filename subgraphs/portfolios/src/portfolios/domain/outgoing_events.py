"""What the portfolios service tells other services: a portfolio opened, renamed or closed, an
activity recorded, corrected or removed. Each event is written with its change, in the same
transaction (the outbox, DESIGN.md decision 12), and carries only what a consumer needs: ids, the
activity's type, symbol and trade date; no amounts, no names.

The domain knows no storage: the repository numbers a portfolio's events (`sequence`, one more per
event, kept on the portfolio item and conditioned like its version) and maps each to
`kit.aws.outbox.OutgoingEvent` through `type`, `aggregate_id` and `data`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Self

from portfolios.domain.model import Activity, ActivityType, Portfolio


@dataclass(frozen=True, slots=True)
class PortfolioEvent:
    portfolio_id: str
    customer_id: str
    occurred_at: datetime

    @classmethod
    def of(cls, portfolio: Portfolio, at: datetime) -> Self:
        return cls(portfolio.id, portfolio.customer_id, at)

    @property
    def type(self) -> str:
        """The event's name on the bus (EventBridge's DetailType), e.g. "PortfolioOpened"."""
        return type(self).__name__

    @property
    def aggregate_id(self) -> str:
        return self.portfolio_id

    @property
    def data(self) -> dict[str, str]:
        return {"portfolioId": self.portfolio_id, "customerId": self.customer_id}


@dataclass(frozen=True, slots=True)
class PortfolioOpened(PortfolioEvent):
    """Carries the base currency: the assets service keeps the FX closes into it (trade-date FX)."""

    base_currency: str = ""

    @classmethod
    def of(cls, portfolio: Portfolio, at: datetime) -> Self:
        return cls(portfolio.id, portfolio.customer_id, at, portfolio.base_currency)

    @property
    def data(self) -> dict[str, str]:
        return {
            "portfolioId": self.portfolio_id,
            "customerId": self.customer_id,
            "baseCurrency": self.base_currency,
        }


class PortfolioRenamed(PortfolioEvent):
    """The new name stays here: a consumer that shows it asks the portfolios service."""

    __slots__ = ()


class PortfolioClosed(PortfolioEvent):
    __slots__ = ()


@dataclass(frozen=True, slots=True)
class ActivityEvent(PortfolioEvent):
    activity_id: str
    activity_type: ActivityType
    symbol: str | None
    trade_date: date

    @classmethod
    def of_activity(cls, portfolio: Portfolio, activity: Activity, at: datetime) -> Self:
        return cls(
            portfolio.id,
            portfolio.customer_id,
            at,
            activity.id,
            activity.type,
            activity.symbol,
            activity.occurred_on,
        )

    @property
    def data(self) -> dict[str, str]:
        return self._activity_data()

    def _activity_data(self) -> dict[str, str]:
        data = {
            "portfolioId": self.portfolio_id,
            "customerId": self.customer_id,
            "activityId": self.activity_id,
            "activityType": self.activity_type.value,
            "tradeDate": self.trade_date.isoformat(),
        }
        if self.symbol is not None:
            data["symbol"] = self.symbol
        return data


class ActivityRecorded(ActivityEvent):
    __slots__ = ()


class ActivityRemoved(ActivityEvent):
    """`symbol` and `trade_date` are the removed activity's."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class ActivityCorrected(ActivityEvent):
    """The activity after the correction; `previous_symbol` / `previous_trade_date` are what it had
    before, given only when the correction changed them (a consumer keyed by symbol or date then
    knows which to look at again)."""

    previous_symbol: str | None = None
    previous_trade_date: date | None = None

    @classmethod
    def of_correction(cls, portfolio: Portfolio, before: Activity, after: Activity, at: datetime) -> Self:
        return cls(
            portfolio.id,
            portfolio.customer_id,
            at,
            after.id,
            after.type,
            after.symbol,
            after.occurred_on,
            previous_symbol=before.symbol if before.symbol != after.symbol else None,
            previous_trade_date=before.occurred_on if before.occurred_on != after.occurred_on else None,
        )

    @property
    def data(self) -> dict[str, str]:
        data = self._activity_data()
        if self.previous_symbol is not None:
            data["previousSymbol"] = self.previous_symbol
        if self.previous_trade_date is not None:
            data["previousTradeDate"] = self.previous_trade_date.isoformat()
        return data


def activity_events(
    portfolio: Portfolio, put: Iterable[Activity], deleted: Iterable[Activity], at: datetime
) -> tuple[ActivityEvent, ...]:
    """The events of one ledger change, one per activity it touches: an activity put over one
    deleted is a correction (even when its trade date, and so its key, moved), one put alone is
    recorded, one deleted alone is removed."""
    before = {activity.id: activity for activity in deleted}
    events: list[ActivityEvent] = []
    for activity in put:
        old = before.pop(activity.id, None)
        if old is None:
            events.append(ActivityRecorded.of_activity(portfolio, activity, at))
        else:
            events.append(ActivityCorrected.of_correction(portfolio, old, activity, at))
    events.extend(ActivityRemoved.of_activity(portfolio, old, at) for old in before.values())
    return tuple(events)
