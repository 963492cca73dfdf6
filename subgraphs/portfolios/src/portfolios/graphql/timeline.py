"""`Portfolio.timeline`: the dated list of a portfolio's changes that the assets subgraph requires
(`@requires`) to compute value over time and returns (DESIGN.md decision 13), built from the stored
projection's `domain.timeline.Timeline` by `from_domain`. Not part of the public API (@inaccessible,
like `holdings`).

Compact on purpose: every series is parallel lists of scalars (the i-th date goes with the i-th
quantity), so five portfolios of thousands of entries each cost a few hundred in the query-cost
estimate (a scalar costs nothing; only the `positions` objects count) and send no key per entry.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Protocol

import strawberry
from kit.graphql.cost import LOTS_PER_PORTFOLIO, assumed

from portfolios.domain import model
from portfolios.domain import timeline as domain
from portfolios.graphql.context import Info


class Identified(Protocol):
    id: strawberry.ID


# Every symbol ever held came in by at least one lot: as many positions as lots at most.
SYMBOLS_EVER_HELD = LOTS_PER_PORTFOLIO

PARALLEL = "Parallel lists, oldest first: the i-th entry of each goes together."

TIMELINE = (
    "For services computing value over time and returns (the assets subgraph, via @requires; "
    "DESIGN.md decision 13 and the operation PortfolioPerformance define value, cash and flows), not "
    "for display: amounts are in the base currency at full precision, inputs to further computation, "
    "not statement lines (never rounded to the minor unit). Built by the replay of the ledger in "
    "trade-date order (a day's activities in the replay's day order) and stored with the projection "
    "at each change, so reading it never replays. Null only for a portfolio last changed before "
    "timelines were stored, until its next change or the service's startup migration stores it."
)


@strawberry.federation.type(
    inaccessible=True,
    description="What was held of one symbol: on each date on which it changed, the quantity and "
    "cost basis held at the end of that day, the day it fell to 0 included. A date on which "
    "nothing was held at the close (bought and sold the same day) does not appear. " + PARALLEL,
)
class TimelinePosition:
    symbol: str
    dates: list[date]
    quantities: list[Decimal] = strawberry.field(
        description="As the ledger holds them: on and after a SPLIT's date in post-split shares (see "
        "PortfolioTimeline.splits)."
    )
    cost_bases: list[Decimal] = strawberry.field(
        description="The exact cost of what is held (the lots' remaining costs; AVERAGE: the pool's)."
    )


@strawberry.federation.type(inaccessible=True, description="Dated amounts in base currency. " + PARALLEL)
class TimelineAmounts:
    dates: list[date]
    amounts: list[Decimal]


@strawberry.federation.type(
    inaccessible=True,
    description="Lots moved between portfolios: each an external flow at their value at that day's close "
    "(quantity times the symbol's close, converted to base currency), which the pricing service "
    "computes; TRANSFER_IN is an inflow (+), TRANSFER_OUT an outflow (-). Counted in both kinds of "
    "portfolio, with or without cash. " + PARALLEL,
)
class TimelineTransfers:
    dates: list[date]
    symbols: list[str]
    quantities: list[Decimal] = strawberry.field(description="Positive, in the shares of that date.")
    types: list[model.ActivityType] = strawberry.field(description="TRANSFER_IN or TRANSFER_OUT.")
    cost_bases: list[Decimal] = strawberry.field(description="The moved lots' cost basis (base currency).")


@strawberry.federation.type(
    inaccessible=True,
    description="SPLIT activities: `ratioTo` new shares for every `ratioFrom` share of the symbol, "
    "applied first thing on that date (before that day's other activities), each lot's quantity "
    "rounded half-even to 8 places. So the quantity of that date's position entry is already in "
    "new shares, and an entry before it in old shares. With closes a provider split-adjusted (every "
    "close before the split divided by ratioTo / ratioFrom), value each quantity dated before a "
    "split times ratioTo / ratioFrom of every later split of its symbol; with unadjusted closes, "
    "take the quantities as they are. Never both, or the value is counted twice. " + PARALLEL,
)
class TimelineSplits:
    dates: list[date]
    symbols: list[str]
    ratio_from: list[Decimal]
    ratio_to: list[Decimal]


@strawberry.federation.type(inaccessible=True, description=TIMELINE)
class PortfolioTimeline:
    records_cash: bool = strawberry.field(
        description="Whether the ledger has any DEPOSIT or WITHDRAWAL (on any date): then the "
        "portfolio's value includes `cash` and its flows are deposits and withdrawals (and transfers); "
        "otherwise its value is what it holds and every activity's cash effect is a flow."
    )
    positions: list[TimelinePosition] = strawberry.field(
        description="One per symbol ever held, ordered by symbol.",
        directives=[assumed(SYMBOLS_EVER_HELD)],
    )
    cash: TimelineAmounts = strawberry.field(
        description="The cash balance at the end of each day on which it changed, as Portfolio.cash "
        "sums it (each activity's cash effect at its fxRate, rounded, summed; below 0 when purchases "
        "came before deposits). Empty unless recordsCash; before its first date the balance is 0."
    )
    flows: TimelineAmounts = strawberry.field(
        description="External money flows, net per day (days netting to 0 left out), inflows positive "
        "(money the owner put in), outflows negative. With recordsCash: a DEPOSIT's amount in, a "
        "WITHDRAWAL's amount out (their fees, like every fee, are the portfolio's cost: they lower its "
        "cash). Without: every activity's cash effect, sign reversed: a BUY's cost with fees in, a "
        "SELL's proceeds net of fees out, a DIVIDEND or INTEREST net of fees out, a FEE or TAX (with "
        "its fees) in, a transfer's or split's fees in. Transfers of lots are in `transfers`."
    )
    transfers: TimelineTransfers
    splits: TimelineSplits

    @classmethod
    def from_domain(cls, timeline: domain.Timeline) -> PortfolioTimeline:
        return cls(
            records_cash=timeline.records_cash,
            positions=[
                TimelinePosition(
                    symbol=s.symbol,
                    dates=[step.on for step in s.steps],
                    quantities=[step.quantity for step in s.steps],
                    cost_bases=[step.cost for step in s.steps],
                )
                for s in timeline.symbols
            ],
            cash=_amounts(timeline.cash),
            flows=_amounts(timeline.flows),
            transfers=TimelineTransfers(
                dates=[t.on for t in timeline.transfers],
                symbols=[t.symbol for t in timeline.transfers],
                quantities=[t.quantity for t in timeline.transfers],
                types=[t.type for t in timeline.transfers],
                cost_bases=[t.cost for t in timeline.transfers],
            ),
            splits=TimelineSplits(
                dates=[s.on for s in timeline.splits],
                symbols=[s.symbol for s in timeline.splits],
                ratio_from=[s.from_ for s in timeline.splits],
                ratio_to=[s.to for s in timeline.splits],
            ),
        )


async def timeline_of(root: Identified, info: Info) -> PortfolioTimeline | None:
    """`Portfolio.timeline`: read through the request's batched loader (one read for N portfolios)."""
    found = await info.context.timelines.load(str(root.id))
    return PortfolioTimeline.from_domain(found) if found is not None else None


def _amounts(amounts: tuple[domain.DatedAmount, ...]) -> TimelineAmounts:
    return TimelineAmounts(dates=[a.on for a in amounts], amounts=[a.amount for a in amounts])
