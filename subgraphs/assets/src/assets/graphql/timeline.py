"""The portfolios subgraph's `Portfolio.timeline`, as the assets subgraph declares it to `@require` it
(DESIGN.md decision 13): every field external, every type @inaccessible (not part of the public API).
The representation is parsed by `domain.timeline.parse_timeline`, not through these classes."""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

import strawberry
from kit.graphql.types import Decimal

# The fields `Portfolio.history` and `Portfolio.performance` require.
TIMELINE_FIELDS = (
    "timeline { recordsCash positions { symbol dates quantities costBases } cash { dates amounts } "
    "flows { dates amounts } transfers { dates symbols quantities types } "
    "splits { dates symbols ratioFrom ratioTo } }"
)


@strawberry.enum(name="ActivityType")
class ActivityType(enum.Enum):
    """The portfolios subgraph's enum, value for value (an enum it takes as input must match)."""

    BUY = "BUY"
    SELL = "SELL"
    DIVIDEND = "DIVIDEND"
    INTEREST = "INTEREST"
    DEPOSIT = "DEPOSIT"
    WITHDRAWAL = "WITHDRAWAL"
    FEE = "FEE"
    TAX = "TAX"
    SPLIT = "SPLIT"
    TRANSFER_IN = "TRANSFER_IN"
    TRANSFER_OUT = "TRANSFER_OUT"


def _external() -> Any:
    return strawberry.federation.field(external=True)


@strawberry.federation.type(name="TimelinePosition", inaccessible=True)
class TimelinePosition:
    symbol: str = _external()
    dates: list[date] = _external()
    quantities: list[Decimal] = _external()
    cost_bases: list[Decimal] = _external()


@strawberry.federation.type(name="TimelineAmounts", inaccessible=True)
class TimelineAmounts:
    dates: list[date] = _external()
    amounts: list[Decimal] = _external()


@strawberry.federation.type(name="TimelineTransfers", inaccessible=True)
class TimelineTransfers:
    dates: list[date] = _external()
    symbols: list[str] = _external()
    quantities: list[Decimal] = _external()
    types: list[ActivityType] = _external()


@strawberry.federation.type(name="TimelineSplits", inaccessible=True)
class TimelineSplits:
    dates: list[date] = _external()
    symbols: list[str] = _external()
    ratio_from: list[Decimal] = _external()
    ratio_to: list[Decimal] = _external()


@strawberry.federation.type(name="PortfolioTimeline", inaccessible=True)
class PortfolioTimeline:
    records_cash: bool = _external()
    positions: list[TimelinePosition] = _external()
    cash: TimelineAmounts = _external()
    flows: TimelineAmounts = _external()
    transfers: TimelineTransfers = _external()
    splits: TimelineSplits = _external()
