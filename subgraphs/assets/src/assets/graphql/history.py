"""Instrument.history: daily closes over a range (contract operation InstrumentHistory)."""

from __future__ import annotations

from datetime import date

import strawberry
from kit.core.money import Amount
from kit.graphql.cost import assumed
from kit.graphql.types import Money

from assets.domain.history import DailyClose as DomainDailyClose
from assets.graphql.context import AssetsContext

# @listSize of a history: five years of daily closes (crypto trades every day), the longest chart a
# screen usually asks for; a longer range is still answered whole (up to 20 years).
ASSUMED_HISTORY_DAYS = 5 * 366


@strawberry.type(
    name="DailyClose",
    description="The close of one trading day: the day's last price, split-adjusted (a close before a "
    "split is divided by its ratio), in the instrument's currency, as a unit price.",
)
class DailyClose:
    date: date
    close: Money

    @classmethod
    def from_domain(cls, close: DomainDailyClose, currency: str) -> DailyClose:
        return cls(date=close.day, close=Money.price_of(Amount(close.close, currency)))


async def closes_of(
    info: strawberry.Info[AssetsContext, None], symbol: str, start: date, end: date
) -> list[DailyClose]:
    """The range checked first (BAD_USER_INPUT), then read through the request's loader, so that the
    histories of many instruments in one request are one batched read."""
    span = info.context.service.history.requested(start, end)
    history = await info.context.histories.load((symbol, span))
    currency = history.currency if history is not None else None
    if history is None or not history.closes:
        return []
    if currency is None:
        view = await info.context.instruments.load(symbol)
        currency = view.instrument.currency if view is not None else None
    if currency is None:
        return []
    return [DailyClose.from_domain(close, currency) for close in history.closes]


HISTORY_SIZE = assumed(ASSUMED_HISTORY_DAYS)
