"""The portfolios subgraph's GraphQL types (the federation shape every subgraph agrees on).

Resolvers are module functions attached with `strawberry.field(resolver=...)`: that form keeps its
types under mypy (the decorator form with arguments is typed as returning Any). Every resolver reads
through the request's DataLoaders (`graphql.context`), never the table directly.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry
from kit.graphql_types import Money
from kit.money import Amount
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet

from portfolios.domain import model
from portfolios.graphql.context import PortfoliosContext

Info = strawberry.Info[PortfoliosContext, Any]

strawberry.enum(model.PortfolioKind, name="PortfolioKind", description="The kind of account.")
strawberry.enum(
    model.CostBasisMethod,
    name="CostBasisMethod",
    description="How sold lots are matched: first in first out, or average cost.",
)


def _money(amount: Amount) -> Money:
    return Money(amount=amount.value, currency_code=amount.currency_code)


# --- resolvers --------------------------------------------------------------------------------


async def _customer_portfolios(root: Customer, info: Info) -> list[Portfolio]:
    book = await info.context.books.load(str(root.id))
    return [Portfolio.of(p) for p in book.portfolios] if book else []


def _owner(root: Portfolio) -> Customer:
    return Customer(id=strawberry.ID(root.customer_id))


async def _positions_of(root: Portfolio, info: Info) -> list[model.Position]:
    lots = await info.context.lots.load(str(root.id))
    return model.positions_of(lots, root.base_currency)


async def _positions(root: Portfolio, info: Info) -> list[Position]:
    return [Position.of(p) for p in await _positions_of(root, info)]


async def _investments(root: Portfolio, info: Info) -> list[Investment]:
    lots = await info.context.lots.load(str(root.id))
    return [Investment.of(lot) for lot in model.investments_of(lots)]


async def _holdings(root: Portfolio, info: Info) -> list[Holding]:
    return [Holding.of(h) for h in model.holdings_of(await _positions_of(root, info))]


async def _investment_portfolio(root: Investment, info: Info) -> Portfolio:
    portfolio = await info.context.portfolios.load(root.portfolio_id)
    if portfolio is None:
        raise LookupError(f"investment {root.id} belongs to missing portfolio {root.portfolio_id}")
    return Portfolio.of(portfolio)


# --- types ------------------------------------------------------------------------------------


@strawberry.federation.type(
    keys=[Key(fields=FieldSet("symbol"), resolvable=False)],
    description="A tradable instrument, owned by the assets subgraph; referenced here by symbol.",
)
class Instrument:
    symbol: str


@strawberry.federation.type(keys=["id"], description="A customer (owned by the customers subgraph).")
class Customer:
    id: strawberry.ID
    portfolios: list[Portfolio] = strawberry.field(
        resolver=_customer_portfolios, description="The customer's portfolios, oldest first."
    )

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Customer:
        return cls(id=id)


@strawberry.federation.type(keys=["id"], description="An investment account of one customer.")
class Portfolio:
    id: strawberry.ID
    owner: Customer = strawberry.field(resolver=_owner)
    name: str
    kind: model.PortfolioKind
    base_currency: str = strawberry.field(description="ISO 4217 code; costs are reported in it.")
    cost_basis_method: model.CostBasisMethod
    created_at: datetime
    positions: list[Position] = strawberry.field(
        resolver=_positions, description="The lots of each instrument summed, ordered by symbol."
    )
    investments: list[Investment] = strawberry.field(
        resolver=_investments, description="Every lot, in purchase order."
    )
    holdings: list[Holding] = strawberry.federation.field(
        resolver=_holdings,
        inaccessible=True,
        description="One per position, for the assets subgraph's valuation (@requires).",
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
            customer_id=portfolio.customer_id,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Portfolio | None:
        portfolio = await info.context.portfolios.load(str(id))
        return cls.of(portfolio) if portfolio else None


@strawberry.federation.type(keys=["id"], description="One purchase (lot) of an instrument.")
class Investment:
    id: strawberry.ID
    portfolio: Portfolio = strawberry.field(resolver=_investment_portfolio)
    instrument: Instrument
    quantity: Decimal
    purchase_price: Money
    purchased_at: date
    fees: Money | None = strawberry.field(description="In the purchase price's currency.")
    cost_basis: Money = strawberry.field(
        description="(quantity * purchasePrice + fees) * fxRate, in the portfolio's base currency."
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
            cost_basis=_money(lot.cost_basis),
            created_at=lot.created_at,
            portfolio_id=lot.portfolio_id,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Investment | None:
        lot = await info.context.investments.load(str(id))
        return cls.of(lot) if lot else None


@strawberry.type(description="The lots of one instrument in one portfolio, summed.")
class Position:
    instrument: Instrument
    quantity: Decimal
    cost_basis: Money = strawberry.field(description="Sum of the lots' cost bases, in base currency.")
    average_cost: Money = strawberry.field(
        description="costBasis / quantity (at most 10 decimal places, rounded half-even)."
    )
    lots: list[Investment] = strawberry.field(description="In purchase order.")

    @classmethod
    def of(cls, position: model.Position) -> Position:
        return cls(
            instrument=Instrument(symbol=position.symbol),
            quantity=position.quantity,
            cost_basis=_money(position.cost_basis),
            average_cost=_money(position.average_cost),
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
