"""Mutations: one `input`, a payload with the changed object and `userErrors` (DESIGN.md decision 7)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry
from kit.errors import InputProblems
from kit.graphql_types import MoneyInput, UserError

from portfolios.domain import model
from portfolios.domain.validation import LotRequest, PortfolioRequest
from portfolios.graphql.types import Info, Investment, Portfolio


@strawberry.input
class CreatePortfolioInput:
    customer_id: strawberry.ID
    name: str = strawberry.field(description="1 to 100 characters (after trimming).")
    kind: model.PortfolioKind
    base_currency: str = strawberry.field(description="ISO 4217 code, e.g. USD.")
    cost_basis_method: model.CostBasisMethod | None = strawberry.field(
        default=model.CostBasisMethod.FIFO, description="FIFO when omitted or null."
    )


@strawberry.type
class CreatePortfolioPayload:
    portfolio: Portfolio | None
    user_errors: list[UserError]


@strawberry.input
class AddInvestmentInput:
    portfolio_id: strawberry.ID
    symbol: str = strawberry.field(description="Trimmed and upper-cased, e.g. AAPL, BRK.B.")
    quantity: Decimal = strawberry.field(description="Greater than zero, at most 8 decimal places.")
    purchase_price: MoneyInput
    purchased_at: date = strawberry.field(description="Not in the future.")
    fees: MoneyInput | None = strawberry.field(default=None, description="In the purchase price's currency.")
    fx_rate: Decimal | None = strawberry.field(
        default=None,
        description="Purchase currency -> base currency on purchasedAt; required when they differ.",
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Sending the same key again returns the first result and records nothing new.",
    )


@strawberry.type
class AddInvestmentPayload:
    investment: Investment | None
    user_errors: list[UserError]


async def _create_portfolio(info: Info, input: CreatePortfolioInput) -> CreatePortfolioPayload:
    request = PortfolioRequest(
        customer_id=str(input.customer_id),
        name=input.name,
        kind=input.kind,
        base_currency=input.base_currency,
        cost_basis_method=input.cost_basis_method or model.CostBasisMethod.FIFO,
    )
    try:
        portfolio = await info.context.service.create_portfolio(request)
    except InputProblems as error:
        return CreatePortfolioPayload(portfolio=None, user_errors=UserError.from_problems(error))
    info.context.portfolios.prime(portfolio.id, portfolio)
    info.context.lots.prime(portfolio.id, [])
    return CreatePortfolioPayload(portfolio=Portfolio.of(portfolio), user_errors=[])


async def _add_investment(info: Info, input: AddInvestmentInput) -> AddInvestmentPayload:
    request = LotRequest(
        portfolio_id=str(input.portfolio_id),
        symbol=input.symbol,
        quantity=input.quantity,
        price_amount=input.purchase_price.amount,
        price_currency=input.purchase_price.currency_code,
        purchased_at=input.purchased_at,
        fees_amount=input.fees.amount if input.fees else None,
        fees_currency=input.fees.currency_code if input.fees else None,
        fx_rate=input.fx_rate,
        idempotency_key=input.idempotency_key,
    )
    try:
        added = await info.context.service.add_investment(request)
    except InputProblems as error:
        return AddInvestmentPayload(investment=None, user_errors=UserError.from_problems(error))
    info.context.portfolios.prime(added.portfolio.id, added.portfolio)
    info.context.investments.prime(added.lot.id, added.lot)
    return AddInvestmentPayload(investment=Investment.of(added.lot), user_errors=[])


@strawberry.type
class Mutation:
    create_portfolio: CreatePortfolioPayload = strawberry.mutation(
        resolver=_create_portfolio, description="Opens a portfolio for a registered customer."
    )
    add_investment: AddInvestmentPayload = strawberry.mutation(
        resolver=_add_investment, description="Records one lot (purchase) in a portfolio."
    )
