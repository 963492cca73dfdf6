"""The portfolios subgraph's GraphQL types; `from_domain` builds each from the domain model.

Resolvers are module functions attached with `strawberry.field(resolver=...)` and read through the
request's DataLoaders (`graphql.context`), never the table directly. Money is shown as a statement
shows it (DESIGN.md decision 6): amounts rounded to the currency's minor unit, unit prices and
rates precise (`Money.amount_of`, `Money.price_of`, `kit.core.money.unit_price`).

Access: every way into a customer's data starts at a checked root (`Query.portfolio`, or an entity
reference to a Portfolio, Investment or Customer), checked by `access.readable` right after the
batched load; everything below a root is the same owner's.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from kit.core.money import Amount, sum_of_rounded, unit_price
from kit.core.principal import forbidden_to_see
from kit.graphql.cost import (
    LOTS_PER_PORTFOLIO,
    LOTS_PER_SALE,
    OPEN_LOTS_PER_POSITION,
    PORTFOLIOS_PER_CUSTOMER,
    POSITIONS_PER_PORTFOLIO,
    assumed,
    paged,
)
from kit.graphql.types import Money, PageInfo
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet

from portfolios.access import readable
from portfolios.domain import model
from portfolios.domain.paging import MAX_PAGE_SIZE, decode_cursor, encode_cursor, page_size
from portfolios.graphql.context import PortfoliosContext

Info = strawberry.Info[PortfoliosContext, Any]

# Sales in a realized-gains report (rows: a sale's lots), for the cost estimate.
ROWS_PER_REPORT = 200

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
strawberry.enum(model.Term, name="Term", description="SHORT: held one year or less; LONG: longer.")
strawberry.enum(model.AuditAction, name="AuditAction")


# --- access -----------------------------------------------------------------------------------


def readable_portfolio(info: Info, found: model.Portfolio | None, identifier: str) -> model.Portfolio | None:
    """`found` (loaded) if the caller may read it; FORBIDDEN otherwise (`access.readable`)."""
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
    return [Portfolio.from_domain(p) for p in book.portfolios] if book else []


def _owner(root: Portfolio) -> Customer | None:
    return Customer(id=strawberry.ID(root.customer_id))


async def _holdings_of(root: Portfolio, info: Info) -> model.Holdings:
    found = await info.context.holdings.load(str(root.id))
    return found or model.Holdings(str(root.id), root.base_currency)


async def _history_of(root: Portfolio, info: Info) -> model.History:
    return await info.context.histories.load(str(root.id)) or model.History()


async def _positions(root: Portfolio, info: Info) -> list[Position]:
    return [Position.from_domain(p) for p in (await _holdings_of(root, info)).positions()]


async def _cash(root: Portfolio, info: Info) -> Money:
    return Money.amount_of((await _holdings_of(root, info)).cash_balance)


async def _investments(root: Portfolio, info: Info) -> list[Investment]:
    holdings = await _holdings_of(root, info)
    history = await _history_of(root, info)
    books = model.Books(holdings=holdings, history=history)
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
    activities = page.activities if page else ()
    edges = [
        ActivityEdge(cursor=encode_cursor(a.id), node=Activity.from_domain(a, root.base_currency))
        for a in activities
    ]
    return ActivityConnection(
        edges=edges, page_info=_page_info(edges, bool(page and page.has_next), after_id)
    )


def _page_info(edges: list[Any], has_next: bool, after: str | None) -> PageInfo:
    return PageInfo(
        has_next_page=has_next,
        has_previous_page=after is not None,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )


async def _audit_trail(root: Portfolio, info: Info, first: int, after: str | None = None) -> AuditConnection:
    size = page_size(first)
    after_id = decode_cursor(after) if after is not None else None
    page = await info.context.audit_trails.load((str(root.id), size, after_id))
    entries = page.entries if page else ()
    edges = [
        AuditEdge(cursor=encode_cursor(e.id), node=AuditEntry.from_domain(e, root.base_currency))
        for e in entries
    ]
    return AuditConnection(edges=edges, page_info=_page_info(edges, bool(page and page.has_next), after_id))


async def _realized_gains(
    root: Portfolio,
    info: Info,
    from_: Annotated[date | None, strawberry.argument(name="from")] = None,
    to: date | None = None,
) -> RealizedGains:
    rows = (await _history_of(root, info)).realized_rows(from_, to)
    lots = [RealizedLot.from_domain(row, root.base_currency) for row in rows]
    return RealizedGains(total=_total([row.gain for row in rows], root.base_currency), lots=lots)


async def _income(
    root: Portfolio,
    info: Info,
    from_: Annotated[date | None, strawberry.argument(name="from")] = None,
    to: date | None = None,
) -> Income:
    lines = (await _history_of(root, info)).income_lines(from_, to)
    dividends = [line.amount for line in lines if line.type is model.ActivityType.DIVIDEND]
    interest = [line.amount for line in lines if line.type is model.ActivityType.INTEREST]
    return Income(
        total=_total(dividends + interest, root.base_currency),
        dividends=_total(dividends, root.base_currency),
        interest=_total(interest, root.base_currency),
    )


async def _investment_portfolio(root: Investment, info: Info) -> Portfolio:
    portfolio = await info.context.portfolios.load(root.portfolio_id)
    if portfolio is None:
        raise LookupError(f"investment {root.id} belongs to missing portfolio {root.portfolio_id}")
    return Portfolio.from_domain(portfolio)


async def _activity_history(root: Activity, info: Info) -> model.History:
    return await info.context.histories.load(root.portfolio_id) or model.History()


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


def _instrument(symbol: str | None) -> Instrument | None:
    return Instrument(symbol=symbol) if symbol else None


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
        portfolio = readable_portfolio(info, await info.context.portfolios.load(str(id)), str(id))
        return cls.from_domain(portfolio) if portfolio else None


@strawberry.federation.type(keys=["id"], description="One lot: shares of an instrument acquired together.")
class Investment:
    id: strawberry.ID
    portfolio: Portfolio = strawberry.field(resolver=_investment_portfolio)
    instrument: Instrument | None = strawberry.field(description=_INSTRUMENT)
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
    def from_domain(cls, lot: model.Lot) -> Investment:
        return cls(
            id=strawberry.ID(lot.id),
            instrument=_instrument(lot.symbol),
            quantity=lot.quantity,
            purchase_price=Money.price_of(lot.unit_price),
            purchased_at=lot.acquired_on,
            fees=Money.amount_of(lot.fees) if lot.fees else None,
            fx_rate=unit_price(lot.fx_rate) if lot.fx_rate is not None else None,
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
    instrument: Instrument | None = strawberry.field(description=_INSTRUMENT)
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
    def from_domain(cls, position: model.Position) -> Position:
        return cls(
            instrument=_instrument(position.symbol),
            quantity=position.quantity,
            cost_basis=Money.amount_of(position.cost_basis),
            average_cost=Money.price_of(position.average_cost),
            realized_gain=Money.amount_of(position.realized_gain),
            lots=[Investment.from_domain(lot) for lot in position.lots],
        )


@strawberry.federation.type(
    inaccessible=True, description="What the assets subgraph needs to value one position."
)
class Holding:
    symbol: str
    quantity: Decimal
    cost_basis: Decimal = strawberry.field(description="In the portfolio's base currency, rounded.")

    @classmethod
    def from_domain(cls, holding: model.Holding) -> Holding:
        return cls(symbol=holding.symbol, quantity=holding.quantity, cost_basis=holding.cost_basis)


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
        description="The activity's currency -> base currency (1 when the same); null when no money moves."
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
            instrument=_instrument(activity.symbol),
            quantity=activity.quantity,
            price=Money.price_of(activity.price) if activity.price else None,
            amount=Money.amount_of(activity.amount) if activity.amount else None,
            fees=Money.amount_of(activity.fees) if activity.fees else None,
            fx_rate=unit_price(activity.fx_rate) if moves_money else None,
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


@strawberry.type(description="One lot (or part of one) a sale consumed: a line of the realized-gains report.")
class RealizedLot:
    instrument: Instrument | None = strawberry.field(description=_INSTRUMENT)
    symbol: str
    sale_id: strawberry.ID = strawberry.field(description="The SELL activity.")
    investment_id: strawberry.ID = strawberry.field(description="The lot it took from.")
    quantity: Decimal
    acquired_on: date
    sold_on: date
    proceeds: Money = strawberry.field(description="This row's share of the sale's rounded net proceeds.")
    cost_basis: Money = strawberry.field(description="This row's share of the sale's rounded cost.")
    gain: Money = strawberry.field(description="proceeds - costBasis.")
    term: model.Term

    @classmethod
    def from_domain(cls, row: model.SaleRow, currency: str) -> RealizedLot:
        return cls(
            instrument=_instrument(row.symbol),
            symbol=row.symbol,
            sale_id=strawberry.ID(row.sale_id),
            investment_id=strawberry.ID(row.lot_id),
            quantity=row.quantity,
            acquired_on=row.acquired_on,
            sold_on=row.sold_on,
            proceeds=Money.amount_of(Amount(row.proceeds, currency)),
            cost_basis=Money.amount_of(Amount(row.cost, currency)),
            gain=Money.amount_of(Amount(row.gain, currency)),
            term=row.term,
        )


@strawberry.type(description="Realized gains of a period, lot by lot; total is the sum of the rows' gains.")
class RealizedGains:
    total: Money
    lots: list[RealizedLot] = strawberry.field(directives=[assumed(ROWS_PER_REPORT)])


@strawberry.type(
    description="Dividends and interest of a period (gross; FEE and TAX are activities of their own)."
)
class Income:
    total: Money = strawberry.field(description="dividends + interest.")
    dividends: Money
    interest: Money


@strawberry.type(
    description="One change of the ledger. It moves nothing: it records what happened to the ledger."
)
class AuditEntry:
    id: strawberry.ID
    action: model.AuditAction
    actor: str = strawberry.field(description="Who made the change: role and subject of the token.")
    at: datetime
    activity_id: strawberry.ID
    before: Activity | None = strawberry.field(description="The activity before; null when it was recorded.")
    after: Activity | None = strawberry.field(description="The activity after; null when it was removed.")

    @classmethod
    def from_domain(cls, entry: model.AuditEntry, base_currency: str) -> AuditEntry:
        return cls(
            id=strawberry.ID(entry.id),
            action=entry.action,
            actor=entry.actor,
            at=entry.at,
            activity_id=strawberry.ID(entry.activity_id),
            before=Activity.from_domain(entry.before, base_currency) if entry.before else None,
            after=Activity.from_domain(entry.after, base_currency) if entry.after else None,
        )


@strawberry.type
class AuditEdge:
    cursor: str
    node: AuditEntry


@strawberry.type(description="A page of the audit trail, newest first.")
class AuditConnection:
    edges: list[AuditEdge]
    page_info: PageInfo


def _total(lines: list[Decimal], currency_code: str) -> Money:
    """A total of lines already rounded to the minor unit: their sum (DESIGN.md decision 6)."""
    return Money.amount_of(sum_of_rounded((Amount(line, currency_code) for line in lines), currency_code))
