"""The portfolios subgraph's value types: what an activity, an audit entry or a holding shows, each
built from the domain by its `from_domain`. The federated types a client starts from (Portfolio,
Investment, Customer) are in `entities`, the reports (realized gains, income) in `reports`.

Money is shown as a statement shows it (DESIGN.md decision 6): amounts rounded to the currency's
minor unit, unit prices and rates precise (`Money.amount_of`, `Money.price_of`,
`kit.core.money.unit_price`).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry
from kit.core.money import Amount, unit_price
from kit.graphql.cost import LOTS_PER_SALE, assumed
from kit.graphql.types import Money, PageInfo
from strawberry.federation.schema_directives import Cost, Key
from strawberry.federation.types import FieldSet

from portfolios.domain import model
from portfolios.domain.books import History, Term
from portfolios.domain.lots import Holding as DomainHolding
from portfolios.domain.lots import Lot
from portfolios.domain.paging import encode_cursor
from portfolios.graphql.context import Info

strawberry.enum(model.PortfolioKind, name="PortfolioKind", description="The kind of account.")
strawberry.enum(
    model.CostBasisMethod,
    name="CostBasisMethod",
    description="Which lots a sale takes when it names none: FIFO oldest first, LIFO newest first, "
    "HIFO highest unit cost first, AVERAGE the oldest shares at the pooled average cost.",
)
strawberry.enum(
    model.PortfolioStatus,
    name="PortfolioStatus",
    description="A CLOSED portfolio's ledger takes no change; its data stays readable.",
)
strawberry.enum(
    model.ActivityType,
    name="ActivityType",
    description="What an activity of the ledger records (README: what each does to holdings and cash).",
)
strawberry.enum(Term, name="Term", description="SHORT: held one year or less; LONG: longer.")
strawberry.enum(model.AuditAction, name="AuditAction")
strawberry.enum(
    model.FxRateSource,
    name="FxRateSource",
    description="Where an activity's fxRate came from. GIVEN: the caller gave fxRate, or the activity "
    "is in the portfolio's base currency (the rate is 1). REFERENCE: none was given, so it was "
    "looked up in the daily FX closes the assets service stores: the close of the trade date, or of "
    "the closest earlier date within 7 days (fxRateDate).",
)


# --- resolvers --------------------------------------------------------------------------------


async def _activity_history(root: Activity, info: Info) -> History:
    return await info.context.histories.load(root.portfolio_id) or History()


async def _activity_realized_gain(root: Activity, info: Info) -> Money | None:
    if root.type is not model.ActivityType.SELL:
        return None
    sale = (await _activity_history(root, info)).sale(str(root.id))
    return Money.amount_of(Amount(sale.realized_gain, root.base_currency)) if sale else None


async def _activity_lots(root: Activity, info: Info) -> list[ActivityLot]:
    if root.type is model.ActivityType.SELL:
        sale = (await _activity_history(root, info)).sale(str(root.id))
        rows = sale.rows if sale else ()
        return [ActivityLot(investment_id=strawberry.ID(r.lot_id), quantity=r.quantity) for r in rows]
    return [
        ActivityLot(investment_id=strawberry.ID(m.source_lot_id), quantity=m.quantity) for m in root.moved
    ]


def page_info(edges: list[Any], has_next: bool, after: str | None) -> PageInfo:
    return PageInfo(
        has_next_page=has_next,
        has_previous_page=after is not None,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )


# --- types ------------------------------------------------------------------------------------

# Fields whose value another subgraph supplies are nullable: when that subgraph is down or too slow,
# the router nulls them (with a SUBGRAPH_UNAVAILABLE error) and still answers with the rest.
INSTRUMENT = "Null only when the assets subgraph cannot answer now (an error says why)."


@strawberry.federation.type(
    keys=[Key(fields=FieldSet("symbol"), resolvable=False)],
    description="A tradable instrument, owned by the assets subgraph; referenced here by symbol.",
)
class Instrument:
    symbol: str


def instrument_of(symbol: str | None) -> Instrument | None:
    return Instrument(symbol=symbol) if symbol else None


@strawberry.federation.type(
    inaccessible=True,
    description="The open lots of one position, for the assets subgraph's dayChange (the broker "
    "convention: a lot bought in the quote's session moves from its purchase price, not from the "
    "previous close). Parallel lists, in acquisition order: the i-th entry of each is the i-th lot. "
    "Lists of scalars, so they cost nothing in the query-cost estimate however many lots there are.",
)
class HoldingLots:
    quantities: list[Decimal] = strawberry.field(
        description="What is left of each lot (after sales, transfers and splits); they sum to the "
        "holding's quantity."
    )
    purchased_on: list[date] = strawberry.field(
        description="The trade date of the lot's purchase (a lot transferred in keeps the date it "
        "was first bought on)."
    )
    purchase_prices: list[Decimal] = strawberry.field(
        description="The unit price paid, in `currencies`, fees left out (a lot transferred in: its "
        "cost per share in the base currency)."
    )
    currencies: list[str] = strawberry.field(description="The currency of purchasePrices (ISO 4217).")
    fx_rates: list[Decimal | None] = strawberry.field(
        description="The rate from the purchase currency into the base currency recorded with the "
        "purchase; null when none was recorded (paid in the base currency)."
    )

    @classmethod
    def from_domain(cls, lots: tuple[Lot, ...]) -> HoldingLots:
        return cls(
            quantities=[lot.remaining_quantity for lot in lots],
            purchased_on=[lot.acquired_on for lot in lots],
            purchase_prices=[lot.unit_price.value for lot in lots],
            currencies=[lot.unit_price.currency_code for lot in lots],
            fx_rates=[lot.fx_rate for lot in lots],
        )


@strawberry.federation.type(
    inaccessible=True, description="What the assets subgraph needs to value one position."
)
class Holding:
    symbol: str
    quantity: Decimal
    cost_basis: Decimal = strawberry.field(description="In the portfolio's base currency, rounded.")
    open_lots: HoldingLots | None = strawberry.federation.field(
        inaccessible=True,
        description="Its open lots, from the stored projection (no replay); never null here (nullable "
        "so that the assets subgraph still values a representation that leaves it out).",
        # Scalars only below it: one object per holding that the estimate need not count.
        directives=[Cost(weight=0)],
    )

    @classmethod
    def from_domain(cls, holding: DomainHolding) -> Holding:
        return cls(
            symbol=holding.symbol,
            quantity=holding.quantity,
            cost_basis=holding.cost_basis,
            open_lots=HoldingLots.from_domain(holding.open_lots),
        )


@strawberry.type(description="How much of one lot a sale or transfer took.")
class ActivityLot:
    investment_id: strawberry.ID
    quantity: Decimal


@strawberry.type(description="`to` shares for every `from` share.")
class SplitRatio:
    from_: Decimal = strawberry.field(name="from")
    to: Decimal


@strawberry.type(description="One entry of a portfolio's activity ledger.")
class Activity:
    id: strawberry.ID
    type: model.ActivityType
    occurred_at: date = strawberry.field(description="The trade date; the ledger is replayed in its order.")
    recorded_at: datetime = strawberry.field(description="When the activity was recorded.")
    symbol: str | None = strawberry.field(
        description="BUY, SELL, DIVIDEND, SPLIT, transfers; FEE and TAX maybe."
    )
    instrument: Instrument | None = strawberry.field(
        description="The instrument of `symbol`; null without one, "
        "or when the assets subgraph cannot answer now."
    )
    quantity: Decimal | None = strawberry.field(description="BUY, SELL and transfers: the shares.")
    price: Money | None = strawberry.field(description="BUY, SELL: per unit, in the trade currency.")
    amount: Money | None = strawberry.field(
        description="DIVIDEND, INTEREST, DEPOSIT, WITHDRAWAL, FEE, TAX: the cash that moved (positive)."
    )
    fees: Money | None
    fx_rate: Decimal | None = strawberry.field(
        description="The activity's currency -> base currency on the trade date (1 when the same); "
        "given, or looked up when the input had none (fxRateSource); null when no money moves."
    )
    fx_rate_source: model.FxRateSource | None = strawberry.field(
        description="Where fxRate came from (GIVEN or REFERENCE); null when no money moves."
    )
    fx_rate_date: date | None = strawberry.field(
        description="REFERENCE only: the date of the FX close used (the trade date, or the closest "
        "earlier date with a close, at most 7 days before); null otherwise."
    )
    split_ratio: SplitRatio | None = strawberry.field(description="SPLIT only.")
    counterpart_portfolio_id: strawberry.ID | None = strawberry.field(
        description="Transfers: the portfolio on the other side."
    )
    note: str | None
    realized_gain: Money | None = strawberry.field(
        resolver=_activity_realized_gain,
        description="SELL only: the sum of its rows in realizedGains (rounded proceeds - rounded cost).",
    )
    investment_id: strawberry.ID | None = strawberry.field(
        description="BUY: the lot it made (the same id as the activity)."
    )
    lots: list[ActivityLot] = strawberry.field(
        resolver=_activity_lots,
        description="SELL and TRANSFER_OUT: what it took from each lot, as the replay matched it.",
        directives=[assumed(LOTS_PER_SALE)],
    )
    portfolio_id: strawberry.Private[str]
    base_currency: strawberry.Private[str]
    moved: strawberry.Private[tuple[model.MovedLot, ...]]

    @classmethod
    def from_domain(cls, activity: model.Activity, base_currency: str) -> Activity:
        moves_money = activity.currency_code is not None
        return cls(
            id=strawberry.ID(activity.id),
            type=activity.type,
            occurred_at=activity.occurred_on,
            recorded_at=activity.recorded_at,
            symbol=activity.symbol,
            instrument=instrument_of(activity.symbol),
            quantity=activity.quantity,
            price=Money.price_of(activity.price) if activity.price else None,
            amount=Money.amount_of(activity.amount) if activity.amount else None,
            fees=Money.amount_of(activity.fees) if activity.fees else None,
            fx_rate=unit_price(activity.fx_rate) if moves_money else None,
            fx_rate_source=activity.fx_rate_source if moves_money else None,
            fx_rate_date=activity.fx_rate_date if moves_money else None,
            split_ratio=SplitRatio(from_=activity.split.from_, to=activity.split.to)
            if activity.split
            else None,
            counterpart_portfolio_id=strawberry.ID(activity.counterpart_portfolio_id)
            if activity.counterpart_portfolio_id
            else None,
            note=activity.note,
            investment_id=strawberry.ID(activity.id) if activity.type is model.ActivityType.BUY else None,
            portfolio_id=activity.portfolio_id,
            base_currency=base_currency,
            moved=activity.moved,
        )


@strawberry.type
class ActivityEdge:
    cursor: str
    node: Activity


@strawberry.type(description="A page of the activity ledger.")
class ActivityConnection:
    edges: list[ActivityEdge]
    page_info: PageInfo

    @classmethod
    def from_domain(
        cls, page: model.ActivityPage | None, base_currency: str, after: str | None
    ) -> ActivityConnection:
        """A page of activities; `after` is the id the page starts after (None: the first page)."""
        activities = page.activities if page else ()
        edges = [
            ActivityEdge(cursor=encode_cursor(a.id), node=Activity.from_domain(a, base_currency))
            for a in activities
        ]
        return cls(edges=edges, page_info=page_info(edges, bool(page and page.has_next), after))
