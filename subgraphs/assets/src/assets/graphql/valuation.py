"""`Portfolio.valuation`: the portfolios subgraph's entity, extended where prices live (DESIGN.md #10).

The router sends `baseCurrency`, `holdings` and `owner { id }` in the representation (`@requires`), so
valuing a portfolio reads nothing of it from storage; the quotes of all portfolios in a request are
loaded in one batch. Amounts are the domain's rounded statement lines and totals, shown with
`Money.amount_of`; the price with `Money.price_of`; weight and percentage through `unit_price`
(DESIGN.md decision 6). The owner decides who may see the valuation: a customer only its own portfolios
(another's resolves to null with a FORBIDDEN error at its `_entities` index), staff any.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import strawberry
from kit.core.money import unit_price
from kit.graphql.cost import POSITIONS_PER_PORTFOLIO, assumed
from kit.graphql.types import (
    Decimal,
    Money,
)
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet

from assets.access import check_valuation_reader
from assets.domain import instruments as domain_instruments
from assets.domain import valuation as domain
from assets.domain.performance import TimelinePortfolio
from assets.domain.timeline import Timeline as DomainTimeline
from assets.domain.timeline import parse_timeline
from assets.domain.validation import parse_base_currency, parse_holdings
from assets.graphql.context import AssetsContext
from assets.graphql.performance import (
    HISTORY_SIZE,
    PortfolioHistoryPoint,
    PortfolioPerformance,
    history,
    performance,
)
from assets.graphql.timeline import TIMELINE_FIELDS, PortfolioTimeline
from assets.graphql.types import Instrument
from assets.services import Valuation

DayChangeMissing = strawberry.enum(
    domain.DayChangeMissing,
    name="DayChangeMissing",
    description="Why a position has no dayChange. UNPRICED: it has no price. NO_PREVIOUS_CLOSE: some of "
    "it was held before the quote's session and the quote has no previous close. NO_FX_RATE: a lot "
    "bought in the session was paid in a currency with no rate into the base currency.",
)


@strawberry.type(name="PositionValuation", description="One position at the latest prices.")
class PositionValuation:
    instrument: Instrument
    quantity: Decimal
    price: Money | None = strawberry.field(
        description="The price used, in the quote's currency (a unit price: at most 10 decimal places); "
        "null when the position is unpriced."
    )
    market_value: Money | None = strawberry.field(
        description="quantity x price, in the base currency, rounded half-even to its minor unit."
    )
    cost_basis: Money = strawberry.field(description="In the base currency, rounded to its minor unit.")
    unrealized_gain: Money | None = strawberry.field(description="marketValue - costBasis.")
    day_change: Money | None = strawberry.field(
        description="Today's move, in the base currency, rounded once to its minor unit: quantity x "
        "(price - previousClose). By the broker convention a lot bought in the quote's session (purchased "
        "on or after the UTC date of the quote's asOf) moves from its purchase price instead, converted at "
        "the rate recorded with the purchase (else today's): its remaining quantity x (price x rate - "
        "purchase price x that rate). Null when it cannot be told: dayChangeMissing says why."
    )
    day_change_missing: DayChangeMissing | None = strawberry.field(  # type: ignore[valid-type]
        description="Why dayChange is null; null when it is not."
    )
    weight: Decimal | None = strawberry.field(
        description="marketValue / the portfolio's marketValue: a fraction (0 to 1), at most 10 decimal "
        "places; null when unpriced."
    )
    stale: bool

    @classmethod
    def from_domain(
        cls, position: domain.PositionValuation, instrument: domain_instruments.Instrument
    ) -> PositionValuation:
        return cls(
            instrument=Instrument.from_domain(instrument),
            quantity=position.quantity,
            price=Money.price_of(position.price),
            market_value=Money.amount_of(position.market_value),
            cost_basis=Money.amount_of(position.cost_basis),
            unrealized_gain=Money.amount_of(position.unrealized_gain),
            day_change=Money.amount_of(position.day_change),
            day_change_missing=position.day_change_missing,
            weight=None if position.weight is None else unit_price(position.weight),
            stale=position.stale,
        )


@strawberry.type(
    name="PortfolioValuation",
    description="A portfolio at the latest prices, in its base currency. Every amount is rounded half-even "
    "to the currency's minor unit, and every total is the sum of its positions' rounded amounts; totals "
    "cover priced positions only.",
)
class PortfolioValuation:
    market_value: Money = strawberry.field(description="The sum of the priced positions' marketValue.")
    cost_basis: Money = strawberry.field(description="The sum of the priced positions' costBasis.")
    unrealized_gain: Money = strawberry.field(
        description="marketValue - costBasis: the sum of the priced positions' unrealizedGain."
    )
    unrealized_gain_percent: Decimal | None = strawberry.field(
        description="unrealizedGain / costBasis * 100 (12.5 means 12.5%), at most 10 decimal places; null "
        "when the cost basis is 0."
    )
    day_change: Money = strawberry.field(
        description="The sum of the positions' dayChange that are not null (a position without one adds "
        "nothing, it does not count as 0): dayChangeComplete says whether that is every position."
    )
    day_change_complete: bool = strawberry.field(
        description="False when some position's dayChange is null (see its dayChangeMissing)."
    )
    as_of: datetime | None = strawberry.field(description="The oldest asOf of the quotes used.")
    complete: bool = strawberry.field(description="False when some position has no price.")
    positions: list[PositionValuation] = strawberry.field(directives=[assumed(POSITIONS_PER_PORTFOLIO)])

    @classmethod
    def from_domain(cls, valued: Valuation) -> PortfolioValuation:
        result = valued.valuation
        percent = result.unrealized_gain_percent
        return cls(
            market_value=Money.amount_of(result.market_value),
            cost_basis=Money.amount_of(result.cost_basis),
            unrealized_gain=Money.amount_of(result.unrealized_gain),
            unrealized_gain_percent=None if percent is None else unit_price(percent),
            day_change=Money.amount_of(result.day_change),
            day_change_complete=result.day_change_complete,
            as_of=result.as_of,
            complete=result.complete,
            positions=[
                PositionValuation.from_domain(position, instrument)
                for position, instrument in zip(result.positions, valued.instruments, strict=True)
            ],
        )


@strawberry.federation.type(name="HoldingLots", inaccessible=True)
class HoldingLots:
    """A holding's open lots as the portfolios subgraph sends them: parallel lists, one entry a lot."""

    quantities: list[Decimal] = strawberry.federation.field(external=True)
    purchased_on: list[date] = strawberry.federation.field(external=True)
    purchase_prices: list[Decimal] = strawberry.federation.field(external=True)
    currencies: list[str] = strawberry.federation.field(external=True)
    fx_rates: list[Decimal | None] = strawberry.federation.field(external=True)

    @classmethod
    def from_domain(cls, lots: Sequence[domain.Lot]) -> HoldingLots:
        return cls(
            quantities=[lot.quantity for lot in lots],
            purchased_on=[lot.purchased_on for lot in lots],
            purchase_prices=[lot.purchase_price.value for lot in lots],
            currencies=[lot.purchase_price.currency_code for lot in lots],
            fx_rates=[lot.fx_rate for lot in lots],
        )


@strawberry.federation.type(name="Holding", inaccessible=True)
class Holding:
    symbol: str = strawberry.federation.field(external=True)
    quantity: Decimal = strawberry.federation.field(external=True)
    cost_basis: Decimal = strawberry.federation.field(external=True)
    # Nullable here: a representation without it (a caller other than the router) values every unit
    # as held before the session.
    open_lots: HoldingLots | None = strawberry.federation.field(external=True)

    @classmethod
    def from_domain(cls, holding: domain.Holding) -> Holding:
        return cls(
            symbol=holding.symbol,
            quantity=holding.quantity,
            cost_basis=holding.cost_basis,
            open_lots=HoldingLots.from_domain(holding.lots),
        )


async def _valuation(
    root: Portfolio, info: strawberry.Info[AssetsContext, None]
) -> PortfolioValuation | None:
    valued = await info.context.valuations.load(root.to_domain())
    return None if valued is None else PortfolioValuation.from_domain(valued)


@strawberry.federation.type(
    keys=[Key(fields=FieldSet("id"), resolvable=False)],
    name="Customer",
)
class Customer:
    """The customers subgraph's entity; here only as a portfolio's owner (`@requires`)."""

    id: strawberry.ID


def _owner_id(owner: Mapping[str, Any] | None) -> str | None:
    identifier = owner.get("id") if isinstance(owner, Mapping) else None
    return identifier if isinstance(identifier, str) and identifier else None


@strawberry.federation.type(keys=["id"], name="Portfolio")
class Portfolio:
    id: strawberry.ID
    base_currency: str = strawberry.federation.field(external=True)
    holdings: list[Holding] = strawberry.federation.field(external=True)
    # As the portfolios subgraph declares it: nullable, since the customer is another subgraph's.
    owner: Customer | None = strawberry.federation.field(external=True)

    timeline: PortfolioTimeline | None = strawberry.federation.field(external=True)
    parsed_timeline: strawberry.Private[DomainTimeline | None] = None

    valuation: PortfolioValuation | None = strawberry.federation.field(
        resolver=_valuation,
        requires=[
            "baseCurrency holdings { symbol quantity costBasis "
            "openLots { quantities purchasedOn purchasePrices currencies fxRates } } owner { id }"
        ],
        description="The portfolio at the latest prices; null when the router sent no holdings.",
    )
    history: list[PortfolioHistoryPoint] | None = strawberry.federation.field(
        resolver=history,
        requires=[f"baseCurrency {TIMELINE_FIELDS} owner {{ id }}"],
        directives=[HISTORY_SIZE],
        description="The portfolio's value at the close of each trading day from `from` to `to` (DAY), or "
        "of the last trading day of each ISO week (WEEK) or month (MONTH), oldest first, in its base "
        "currency (definitions: the operation PortfolioPerformance). A range the service cannot take "
        "(`from` after `to`, `to` more than 7 days ahead, over 20 years) is BAD_USER_INPUT. Null when "
        "the portfolios subgraph has no timeline of it yet.",
    )
    performance: PortfolioPerformance | None = strawberry.federation.field(
        resolver=performance,
        requires=[f"baseCurrency {TIMELINE_FIELDS} owner {{ id }}"],
        description="How the portfolio did from `from` to `to` (ranges as for history), with the return "
        "of `benchmark` (a symbol) over the same days. Null when the portfolios subgraph has no "
        "timeline of it yet.",
    )

    def timeline_portfolio(self) -> TimelinePortfolio | None:
        if self.parsed_timeline is None or not self.base_currency:
            return None
        return TimelinePortfolio(str(self.id), self.base_currency, self.parsed_timeline)

    # The holdings as parsed from the representation, open lots included (not in the schema).
    parsed: strawberry.Private[tuple[domain.Holding, ...]] = ()

    def to_domain(self) -> domain.PortfolioHoldings:
        return domain.PortfolioHoldings(str(self.id), self.base_currency, self.parsed)

    @classmethod
    def resolve_reference(
        cls,
        info: strawberry.Info[AssetsContext, None],
        id: strawberry.ID,
        baseCurrency: str | None = None,
        holdings: Sequence[Mapping[str, Any]] | None = None,
        owner: Mapping[str, Any] | None = None,
        timeline: object = None,
        **_: Any,
    ) -> Portfolio:
        """No I/O: everything needed comes in the representation. Raising here nulls this one entity
        (FORBIDDEN at its `_entities` index); the others in the request are valued as one batch."""
        owner_id = _owner_id(owner)
        check_valuation_reader(info.context.caller, id, owner_id)
        parsed = parse_holdings(holdings or [])
        return cls(
            id=id,
            base_currency=parse_base_currency(baseCurrency),
            holdings=[Holding.from_domain(holding) for holding in parsed],
            owner=Customer(id=strawberry.ID(owner_id or "")),
            parsed=tuple(parsed),
            timeline=None,
            parsed_timeline=parse_timeline(timeline),
        )
