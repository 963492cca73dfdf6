"""The portfolios subgraph's federated entities: Portfolio, Investment (a lot), Customer (whose
portfolios this subgraph adds), and Position; `from_domain` builds each from the domain model.

Resolvers are module functions attached with `strawberry.field(resolver=...)` and read through the
request's DataLoaders (`graphql.context`), never the table directly.

Access: every way into a customer's data starts at a checked root (`Query.portfolio`, or an entity
reference to a Portfolio, Investment or Customer), checked by `access.readable` right after the
batched load; everything below a root is the same owner's.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

import strawberry
from kit.core.money import unit_price
from kit.graphql.cost import (
    LOTS_PER_PORTFOLIO,
    OPEN_LOTS_PER_POSITION,
    PORTFOLIOS_PER_CUSTOMER,
    POSITIONS_PER_PORTFOLIO,
    assumed,
    paged,
)
from kit.graphql.types import Money

from portfolios.access import check_customer, readable, readable_portfolio
from portfolios.domain import model
from portfolios.domain.books import Books, History
from portfolios.domain.lots import Holdings, Lot
from portfolios.domain.lots import Position as DomainPosition
from portfolios.domain.paging import MAX_PAGE_SIZE, decode_cursor, page_size
from portfolios.graphql.audit import AuditConnection
from portfolios.graphql.context import Info
from portfolios.graphql.reports import Income, RealizedGains
from portfolios.graphql.timeline import TIMELINE, PortfolioTimeline, timeline_of
from portfolios.graphql.types import (
    INSTRUMENT,
    ActivityConnection,
    Holding,
    Instrument,
    instrument_of,
)

# --- resolvers --------------------------------------------------------------------------------


async def _customer_portfolios(root: Customer, info: Info) -> list[Portfolio] | None:
    check_customer(info.context.caller, str(root.id))  # guards every way to a Customer, not only references
    book = await info.context.books.load(str(root.id))
    return [Portfolio.from_domain(p) for p in book.portfolios] if book else []


def _owner(root: Portfolio) -> Customer | None:
    return Customer(id=strawberry.ID(root.customer_id))


async def _holdings_of(root: Portfolio, info: Info) -> Holdings:
    found = await info.context.holdings.load(str(root.id))
    return found or Holdings(str(root.id), root.base_currency)


async def _history_of(root: Portfolio, info: Info) -> History:
    return await info.context.histories.load(str(root.id)) or History()


async def _positions(root: Portfolio, info: Info) -> list[Position]:
    return [Position.from_domain(p) for p in (await _holdings_of(root, info)).positions()]


async def _cash(root: Portfolio, info: Info) -> Money:
    return Money.amount_of((await _holdings_of(root, info)).cash_balance)


async def _investments(root: Portfolio, info: Info) -> list[Investment]:
    holdings = await _holdings_of(root, info)
    history = await _history_of(root, info)
    books = Books(holdings=holdings, history=history)
    return [Investment.from_domain(lot) for lot in books.lots()]


async def _holdings(root: Portfolio, info: Info) -> list[Holding]:
    return [Holding.from_domain(h) for h in (await _holdings_of(root, info)).holdings()]


async def _realized_gain(root: Portfolio, info: Info) -> Money:
    return Money.amount_of((await _holdings_of(root, info)).realized_gain)


async def _activities(
    root: Portfolio, info: Info, first: int, after: str | None = None
) -> ActivityConnection:
    size = page_size(first)
    after_id = decode_cursor(after) if after is not None else None
    page = await info.context.activities.load((str(root.id), size, after_id))
    return ActivityConnection.from_domain(page, root.base_currency, after_id)


async def _audit_trail(root: Portfolio, info: Info, first: int, after: str | None = None) -> AuditConnection:
    size = page_size(first)
    after_id = decode_cursor(after) if after is not None else None
    page = await info.context.audit_trails.load((str(root.id), size, after_id))
    return AuditConnection.from_domain(page, root.base_currency, after_id)


async def _realized_gains(
    root: Portfolio,
    info: Info,
    from_: Annotated[date | None, strawberry.argument(name="from")] = None,
    to: date | None = None,
) -> RealizedGains:
    rows = (await _history_of(root, info)).realized_rows(from_, to)
    return RealizedGains.from_domain(rows, root.base_currency)


async def _income(
    root: Portfolio,
    info: Info,
    from_: Annotated[date | None, strawberry.argument(name="from")] = None,
    to: date | None = None,
) -> Income:
    lines = (await _history_of(root, info)).income_lines(from_, to)
    return Income.from_domain(lines, root.base_currency)


async def _investment_portfolio(root: Investment, info: Info) -> Portfolio:
    portfolio = await info.context.portfolios.load(root.portfolio_id)
    if portfolio is None:
        raise LookupError(f"investment {root.id} belongs to missing portfolio {root.portfolio_id}")
    return Portfolio.from_domain(portfolio)


# --- types ------------------------------------------------------------------------------------


@strawberry.federation.type(keys=["id"], description="A customer (owned by the customers subgraph).")
class Customer:
    id: strawberry.ID
    portfolios: list[Portfolio] | None = strawberry.field(
        resolver=_customer_portfolios,
        description="The customer's portfolios, oldest first; null only when they cannot be read now "
        "(an error says why).",
        directives=[assumed(PORTFOLIOS_PER_CUSTOMER)],
    )

    @classmethod
    def resolve_reference(cls, info: Info, id: strawberry.ID) -> Customer:
        """No I/O; another customer's reference is null with a FORBIDDEN error."""
        check_customer(info.context.caller, str(id))
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
    base_currency: str = strawberry.field(description="ISO 4217 code; costs, cash and gains are in it.")
    cost_basis_method: model.CostBasisMethod
    created_at: datetime
    status: model.PortfolioStatus
    closed_at: datetime | None = strawberry.field(description="When it was closed; null while open.")
    cash: Money = strawberry.field(
        resolver=_cash,
        description="The cash balance in base currency: every activity's cash effect at its fxRate, "
        "each rounded, summed. Below zero when purchases were recorded without deposits.",
    )
    positions: list[Position] = strawberry.field(
        resolver=_positions,
        description="What is still held of each instrument (open lots summed), ordered by symbol.",
        directives=[assumed(POSITIONS_PER_PORTFOLIO)],
    )
    investments: list[Investment] = strawberry.field(
        resolver=_investments,
        description="Every lot, in acquisition order, including lots used up.",
        directives=[assumed(LOTS_PER_PORTFOLIO)],
    )
    realized_gain: Money = strawberry.field(
        resolver=_realized_gain,
        description="What every sale realized to date (the sum of the sales' rounded gains), base currency.",
    )
    activities: ActivityConnection = strawberry.field(
        resolver=_activities,
        description="The activity ledger, newest trade date first, then newest recorded first. "
        "first: 1 to 100; after: a cursor from a previous page.",
        directives=[paged(MAX_PAGE_SIZE)],
    )
    realized_gains: RealizedGains = strawberry.field(
        resolver=_realized_gains,
        description="Realized gains lot by lot for the sales with a trade date in [from, to] "
        "(null: unbounded); total is the sum of the rows.",
    )
    income: Income = strawberry.field(
        resolver=_income,
        description="Dividends and interest received with a trade date in [from, to] (null: unbounded).",
    )
    audit_trail: AuditConnection = strawberry.field(
        resolver=_audit_trail,
        description="Every change of the ledger (recorded, corrected, removed), newest first: who, when, "
        "the activity before and after. first: 1 to 100.",
        directives=[paged(MAX_PAGE_SIZE)],
    )
    holdings: list[Holding] = strawberry.federation.field(
        resolver=_holdings,
        inaccessible=True,
        description="One per position, for the assets subgraph's valuation (@requires).",
        directives=[assumed(POSITIONS_PER_PORTFOLIO)],
    )
    timeline: PortfolioTimeline | None = strawberry.federation.field(
        resolver=timeline_of, inaccessible=True, description=TIMELINE
    )
    customer_id: strawberry.Private[str]

    @classmethod
    def from_domain(cls, portfolio: model.Portfolio) -> Portfolio:
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
        found = await info.context.portfolios.load(str(id))
        portfolio = readable_portfolio(info.context.caller, found, str(id))
        return cls.from_domain(portfolio) if portfolio else None


@strawberry.federation.type(keys=["id"], description="One lot: shares of an instrument acquired together.")
class Investment:
    id: strawberry.ID
    portfolio: Portfolio = strawberry.field(resolver=_investment_portfolio)
    instrument: Instrument | None = strawberry.field(description=INSTRUMENT)
    quantity: Decimal = strawberry.field(description="As acquired.")
    purchase_price: Money = strawberry.field(
        description="Per unit, as bought; for a lot that arrived by transfer, "
        "its cost per unit in base currency."
    )
    purchased_at: date = strawberry.field(description="The acquisition date (kept across transfers).")
    fees: Money | None = strawberry.field(description="In the purchase price's currency.")
    fx_rate: Decimal | None = strawberry.field(
        description="Purchase currency -> base currency; null when they are the same."
    )
    fx_rate_source: model.FxRateSource | None = strawberry.field(
        description="Where fxRate came from (as on its BUY activity); null without an fxRate."
    )
    fx_rate_date: date | None = strawberry.field(
        description="REFERENCE only: the date of the FX close used; null otherwise."
    )
    cost_basis: Money = strawberry.field(
        description="(quantity * purchasePrice + fees) * fxRate, in the portfolio's base currency."
    )
    remaining_quantity: Decimal = strawberry.field(description="What sales, transfers and splits left.")
    remaining_cost_basis: Money = strawberry.field(
        description="The cost basis of the remaining quantity, in base currency."
    )
    created_at: datetime
    portfolio_id: strawberry.Private[str]

    @classmethod
    def from_domain(cls, lot: Lot) -> Investment:
        return cls(
            id=strawberry.ID(lot.id),
            instrument=instrument_of(lot.symbol),
            quantity=lot.quantity,
            purchase_price=Money.price_of(lot.unit_price),
            purchased_at=lot.acquired_on,
            fees=Money.amount_of(lot.fees) if lot.fees else None,
            fx_rate=unit_price(lot.fx_rate) if lot.fx_rate is not None else None,
            fx_rate_source=lot.fx_rate_source,
            fx_rate_date=lot.fx_rate_date,
            cost_basis=Money.amount_of(lot.cost_basis),
            remaining_quantity=lot.remaining_quantity,
            remaining_cost_basis=Money.amount_of(lot.remaining_cost_basis),
            created_at=lot.created_at,
            portfolio_id=lot.portfolio_id,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Investment | None:
        """N references: one batched lookup of their portfolios, then each checked against the caller."""
        found = await info.context.investments.load(str(id))
        lot = readable(
            info.context.caller, found, found.customer_id if found else None, "investment", str(id)
        )
        return cls.from_domain(lot.lot) if lot else None


@strawberry.type(description="What is still held of one instrument in one portfolio: its open lots, summed.")
class Position:
    instrument: Instrument | None = strawberry.field(description=INSTRUMENT)
    quantity: Decimal
    cost_basis: Money = strawberry.field(
        description="The sum of the open lots' rounded remaining cost bases, in base currency."
    )
    average_cost: Money = strawberry.field(
        description="Remaining cost / quantity, a unit price (at most 10 decimal places)."
    )
    realized_gain: Money = strawberry.field(
        description="What sales of this instrument realized to date, in base currency."
    )
    lots: list[Investment] = strawberry.field(
        description="The open lots (remainingQuantity > 0), in acquisition order.",
        directives=[assumed(OPEN_LOTS_PER_POSITION)],
    )

    @classmethod
    def from_domain(cls, position: DomainPosition) -> Position:
        return cls(
            instrument=instrument_of(position.symbol),
            quantity=position.quantity,
            cost_basis=Money.amount_of(position.cost_basis),
            average_cost=Money.price_of(position.average_cost),
            realized_gain=Money.amount_of(position.realized_gain),
            lots=[Investment.from_domain(lot) for lot in position.lots],
        )
