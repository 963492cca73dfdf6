"""The portfolios subgraph's GraphQL types (the federation shape every subgraph agrees on).

Resolvers are module functions attached with `strawberry.field(resolver=...)`: that form keeps its
types under mypy (the decorator form with arguments is typed as returning Any). Every resolver reads
through the request's DataLoaders (`graphql.context`), never the table directly.

Access: every way into a customer's data starts at a checked root (`Query.portfolio`, or an entity
reference to a Portfolio, Investment or Customer), checked by `services.readable` right after the
batched load; everything below a root (positions, lots, activities, holdings) is the same owner's.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry
from kit.cost import (
    LOTS_PER_PORTFOLIO,
    LOTS_PER_SALE,
    OPEN_LOTS_PER_POSITION,
    PORTFOLIOS_PER_CUSTOMER,
    POSITIONS_PER_PORTFOLIO,
    assumed,
    paged,
)
from kit.graphql_types import Money, PageInfo
from kit.money import Amount
from kit.principal import forbidden_to_see
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet

from portfolios.domain import model
from portfolios.domain.paging import MAX_PAGE_SIZE, decode_cursor, encode_cursor, page_size
from portfolios.graphql.context import PortfoliosContext
from portfolios.services import readable

Info = strawberry.Info[PortfoliosContext, Any]

strawberry.enum(model.PortfolioKind, name="PortfolioKind", description="The kind of account.")
strawberry.enum(
    model.CostBasisMethod,
    name="CostBasisMethod",
    description="How sales consume lots: first in first out, or pro rata at average cost.",
)
strawberry.enum(
    model.PortfolioStatus,
    name="PortfolioStatus",
    description="A CLOSED portfolio takes no new investments, sales, corrections or removals.",
)
strawberry.enum(
    model.ActivityType,
    name="ActivityType",
    description="BUY: a lot recorded; CORRECTION: a lot corrected; SELL: a sale; REMOVAL: a lot removed.",
)


def _money(amount: Amount) -> Money:
    return Money(amount=amount.value, currency_code=amount.currency_code)


# --- access -----------------------------------------------------------------------------------


def readable_portfolio(info: Info, found: model.Portfolio | None, identifier: str) -> model.Portfolio | None:
    """`found` (loaded) if the caller may read it; FORBIDDEN otherwise (`services.readable`)."""
    owner = found.customer_id if found else None
    return readable(info.context.caller, found, owner, "portfolio", identifier)


def _check_customer(info: Info, customer_id: str) -> None:
    """Staff read every customer's portfolios, a customer only its own; no I/O."""
    if not info.context.caller.can_read(customer_id):
        raise forbidden_to_see("customer", customer_id)


# --- resolvers --------------------------------------------------------------------------------


async def _customer_portfolios(root: Customer, info: Info) -> list[Portfolio] | None:
    _check_customer(info, str(root.id))  # guards every way to a Customer, not only references
    book = await info.context.books.load(str(root.id))
    return [Portfolio.of(p) for p in book.portfolios] if book else []


def _owner(root: Portfolio) -> Customer | None:
    return Customer(id=strawberry.ID(root.customer_id))


async def _ledger(root: Portfolio, info: Info) -> model.Ledger:
    return await info.context.ledgers.load(str(root.id)) or model.Ledger()


async def _positions_of(root: Portfolio, info: Info) -> list[model.Position]:
    ledger = await _ledger(root, info)
    return model.positions_of(ledger.lots, root.base_currency, ledger.summaries)


async def _positions(root: Portfolio, info: Info) -> list[Position]:
    return [Position.of(p) for p in await _positions_of(root, info)]


async def _investments(root: Portfolio, info: Info) -> list[Investment]:
    ledger = await _ledger(root, info)
    return [Investment.of(lot) for lot in model.investments_of(ledger.lots)]


async def _holdings(root: Portfolio, info: Info) -> list[Holding]:
    return [Holding.of(h) for h in model.holdings_of(await _positions_of(root, info))]


async def _realized_gain(root: Portfolio, info: Info) -> Money:
    ledger = await _ledger(root, info)
    return Money(amount=ledger.realized_gain(), currency_code=root.base_currency)


async def _activities(
    root: Portfolio,
    info: Info,
    first: int,
    after: str | None = None,
) -> ActivityConnection:
    size = page_size(first)
    after_id = decode_cursor(after) if after is not None else None
    page = await info.context.activities.load((str(root.id), size, after_id))
    activities = page.activities if page else ()
    edges = [ActivityEdge(cursor=encode_cursor(a.id), node=Activity.of(a)) for a in activities]
    return ActivityConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=bool(page and page.has_next),
            has_previous_page=after_id is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )


async def _investment_portfolio(root: Investment, info: Info) -> Portfolio:
    portfolio = await info.context.portfolios.load(root.portfolio_id)
    if portfolio is None:
        raise LookupError(f"investment {root.id} belongs to missing portfolio {root.portfolio_id}")
    return Portfolio.of(portfolio)


# --- types ------------------------------------------------------------------------------------

# Fields whose value another subgraph supplies are nullable: when that subgraph is down or too slow,
# the router nulls them (with a SUBGRAPH_UNAVAILABLE error) and still answers with the rest.
_INSTRUMENT = "Null only when the assets subgraph cannot answer now (an error says why)."


@strawberry.federation.type(
    keys=[Key(fields=FieldSet("symbol"), resolvable=False)],
    description="A tradable instrument, owned by the assets subgraph; referenced here by symbol.",
)
class Instrument:
    symbol: str


@strawberry.federation.type(keys=["id"], description="A customer (owned by the customers subgraph).")
class Customer:
    id: strawberry.ID
    # Nullable, as every field that crosses to another subgraph: the router answers the customer
    # without it (null, with a SUBGRAPH_UNAVAILABLE error) when this subgraph is down.
    portfolios: list[Portfolio] | None = strawberry.field(
        resolver=_customer_portfolios,
        description="The customer's portfolios, oldest first; null only when they cannot be read now "
        "(an error says why).",
        directives=[assumed(PORTFOLIOS_PER_CUSTOMER)],
    )

    @classmethod
    def resolve_reference(cls, info: Info, id: strawberry.ID) -> Customer:
        """No I/O; another customer's reference is null with a FORBIDDEN error."""
        _check_customer(info, str(id))
        return cls(id=id)


@strawberry.federation.type(keys=["id"], description="An investment account of one customer.")
class Portfolio:
    id: strawberry.ID
    owner: Customer | None = strawberry.field(
        resolver=_owner,
        description="Null only when the customers subgraph cannot answer for its other fields now.",
    )
    name: str
    kind: model.PortfolioKind
    base_currency: str = strawberry.field(description="ISO 4217 code; costs are reported in it.")
    cost_basis_method: model.CostBasisMethod
    created_at: datetime
    status: model.PortfolioStatus
    closed_at: datetime | None = strawberry.field(description="When it was closed; null while open.")
    positions: list[Position] = strawberry.field(
        resolver=_positions,
        description="What is still held of each instrument (open lots summed), ordered by symbol.",
        directives=[assumed(POSITIONS_PER_PORTFOLIO)],
    )
    investments: list[Investment] = strawberry.field(
        resolver=_investments,
        description="Every lot, in purchase order, including lots sold in full.",
        directives=[assumed(LOTS_PER_PORTFOLIO)],
    )
    realized_gain: Money = strawberry.field(
        resolver=_realized_gain,
        description="What every sale realized to date (instruments no longer held included), base currency.",
    )
    activities: ActivityConnection = strawberry.field(
        resolver=_activities,
        description="The activity ledger, newest first: every purchase, correction, sale and removal. "
        "first: 1 to 100; after: a cursor from a previous page.",
        directives=[paged(MAX_PAGE_SIZE)],
    )
    holdings: list[Holding] = strawberry.federation.field(
        resolver=_holdings,
        inaccessible=True,
        description="One per position, for the assets subgraph's valuation (@requires).",
        directives=[assumed(POSITIONS_PER_PORTFOLIO)],
    )
    customer_id: strawberry.Private[str]

    @classmethod
    def of(cls, portfolio: model.Portfolio) -> Portfolio:
        return cls(
            id=strawberry.ID(portfolio.id),
            name=portfolio.name,
            kind=portfolio.kind,
            base_currency=portfolio.base_currency,
            cost_basis_method=portfolio.cost_basis_method,
            created_at=portfolio.created_at,
            status=portfolio.status,
            closed_at=portfolio.closed_at,
            customer_id=portfolio.customer_id,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Portfolio | None:
        """N references: one batched read, then each checked against the caller."""
        portfolio = readable_portfolio(info, await info.context.portfolios.load(str(id)), str(id))
        return cls.of(portfolio) if portfolio else None


@strawberry.federation.type(keys=["id"], description="One purchase (lot) of an instrument.")
class Investment:
    id: strawberry.ID
    portfolio: Portfolio = strawberry.field(resolver=_investment_portfolio)
    instrument: Instrument | None = strawberry.field(description=_INSTRUMENT)
    quantity: Decimal = strawberry.field(description="As bought.")
    purchase_price: Money
    purchased_at: date
    fees: Money | None = strawberry.field(description="In the purchase price's currency.")
    fx_rate: Decimal | None = strawberry.field(
        description="Purchase currency -> base currency; null when they are the same."
    )
    cost_basis: Money = strawberry.field(
        description="(quantity * purchasePrice + fees) * fxRate, in the portfolio's base currency."
    )
    remaining_quantity: Decimal = strawberry.field(description="What sales left of the lot.")
    remaining_cost_basis: Money = strawberry.field(
        description="The cost basis of the remaining quantity, in base currency."
    )
    created_at: datetime
    portfolio_id: strawberry.Private[str]

    @classmethod
    def of(cls, lot: model.Lot) -> Investment:
        return cls(
            id=strawberry.ID(lot.id),
            instrument=Instrument(symbol=lot.symbol),
            quantity=lot.quantity,
            purchase_price=_money(lot.purchase_price),
            purchased_at=lot.purchased_at,
            fees=_money(lot.fees) if lot.fees else None,
            fx_rate=lot.fx_rate,
            cost_basis=_money(lot.cost_basis),
            remaining_quantity=lot.remaining_quantity,
            remaining_cost_basis=_money(lot.remaining_cost_basis),
            created_at=lot.created_at,
            portfolio_id=lot.portfolio_id,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Investment | None:
        """N references: one batched read (a lot carries its owner), then each checked against the
        caller. A lot stored before lots recorded their owner takes its portfolio's, read through
        the portfolio loader: one more batched read for all such lots together."""
        lot = await info.context.investments.load(str(id))
        owner = lot.customer_id if lot else None
        if lot is not None and owner is None and not info.context.caller.is_staff:
            portfolio = await info.context.portfolios.load(lot.portfolio_id)
            owner = portfolio.customer_id if portfolio else None
        lot = readable(info.context.caller, lot, owner, "investment", str(id))
        return cls.of(lot) if lot else None


@strawberry.type(description="What is still held of one instrument in one portfolio: its open lots, summed.")
class Position:
    instrument: Instrument | None = strawberry.field(description=_INSTRUMENT)
    quantity: Decimal
    cost_basis: Money = strawberry.field(
        description="Sum of the open lots' remaining cost bases, in base currency."
    )
    average_cost: Money = strawberry.field(
        description="costBasis / quantity (at most 10 decimal places, rounded half-even)."
    )
    realized_gain: Money = strawberry.field(
        description="What sales of this instrument realized to date, in base currency."
    )
    lots: list[Investment] = strawberry.field(
        description="The open lots (remainingQuantity > 0), in purchase order.",
        directives=[assumed(OPEN_LOTS_PER_POSITION)],
    )

    @classmethod
    def of(cls, position: model.Position) -> Position:
        return cls(
            instrument=Instrument(symbol=position.symbol),
            quantity=position.quantity,
            cost_basis=_money(position.cost_basis),
            average_cost=_money(position.average_cost),
            realized_gain=_money(position.realized_gain),
            lots=[Investment.of(lot) for lot in position.lots],
        )


@strawberry.federation.type(
    inaccessible=True, description="What the assets subgraph needs to value one position."
)
class Holding:
    symbol: str
    quantity: Decimal
    cost_basis: Decimal = strawberry.field(description="In the portfolio's base currency.")

    @classmethod
    def of(cls, holding: model.Holding) -> Holding:
        return cls(symbol=holding.symbol, quantity=holding.quantity, cost_basis=holding.cost_basis)


@strawberry.type(description="How much of one lot a sale took.")
class ActivityLot:
    investment_id: strawberry.ID
    quantity: Decimal


@strawberry.type(description="One entry of a portfolio's activity ledger.")
class Activity:
    id: strawberry.ID
    type: model.ActivityType
    symbol: str
    instrument: Instrument | None = strawberry.field(description=_INSTRUMENT)
    quantity: Decimal = strawberry.field(
        description="BUY: bought; CORRECTION: the lot's corrected quantity; SELL: sold; REMOVAL: removed."
    )
    price: Money = strawberry.field(
        description="The purchase price (BUY, CORRECTION, REMOVAL) or sale price."
    )
    fees: Money | None
    fx_rate: Decimal | None = strawberry.field(description="Price currency -> base currency.")
    occurred_at: date = strawberry.field(
        description="The trade date: purchasedAt of the lot (BUY, CORRECTION, REMOVAL) or soldAt (SELL)."
    )
    recorded_at: datetime = strawberry.field(description="When the activity was recorded.")
    realized_gain: Money | None = strawberry.field(
        description="SELL only: (quantity * price - fees) * fxRate - cost basis consumed, base currency."
    )
    investment_id: strawberry.ID | None = strawberry.field(
        description="The lot bought, corrected or removed (BUY, CORRECTION, REMOVAL)."
    )
    lots: list[ActivityLot] = strawberry.field(
        description="SELL only: what the sale took from each lot.", directives=[assumed(LOTS_PER_SALE)]
    )

    @classmethod
    def of(cls, activity: model.Activity) -> Activity:
        gain = activity.realized_gain_amount
        return cls(
            id=strawberry.ID(activity.id),
            type=activity.type,
            symbol=activity.symbol,
            instrument=Instrument(symbol=activity.symbol),
            quantity=activity.quantity,
            price=_money(activity.price),
            fees=_money(activity.fees) if activity.fees else None,
            fx_rate=activity.fx_rate,
            occurred_at=activity.occurred_at,
            recorded_at=activity.recorded_at,
            realized_gain=_money(gain) if gain else None,
            investment_id=strawberry.ID(activity.lot_id) if activity.lot_id else None,
            lots=[
                ActivityLot(investment_id=strawberry.ID(t.lot_id), quantity=t.quantity)
                for t in activity.takes
            ],
        )


@strawberry.type
class ActivityEdge:
    cursor: str
    node: Activity


@strawberry.type(description="A page of activities, newest first.")
class ActivityConnection:
    edges: list[ActivityEdge]
    page_info: PageInfo
