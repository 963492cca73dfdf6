"""Mutations: one `input`, a payload with the changed object and `userErrors` (DESIGN.md decision 7).

Every rule lives in the service and the domain; these resolvers only translate input and payload.
Each passes the caller on: a refusal (`kit.principal.Forbidden`) is a GraphQL error with
extensions.code FORBIDDEN, the payload null, nothing written.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

import strawberry
from kit.cost import user_errors_field
from kit.errors import InputProblems
from kit.graphql_types import Money, MoneyInput, UserError
from kit.money import Amount

from portfolios.domain import model
from portfolios.domain.validation import (
    KEEP,
    CorrectionRequest,
    Keep,
    LotRequest,
    PortfolioRequest,
    SaleRequest,
)
from portfolios.graphql.types import Activity, Info, Investment, Portfolio

T = TypeVar("T")


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
    user_errors: list[UserError] = user_errors_field()


@strawberry.input
class RenamePortfolioInput:
    id: strawberry.ID
    name: str = strawberry.field(description="1 to 100 characters (after trimming).")


@strawberry.type
class RenamePortfolioPayload:
    portfolio: Portfolio | None
    user_errors: list[UserError] = user_errors_field()


@strawberry.input
class ClosePortfolioInput:
    id: strawberry.ID


@strawberry.type
class ClosePortfolioPayload:
    portfolio: Portfolio | None
    user_errors: list[UserError] = user_errors_field()


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
    user_errors: list[UserError] = user_errors_field()


@strawberry.input(
    description="Corrects a lot no sale has taken from. Omitted fields keep their value; "
    "the result is validated as addInvestment validates a new lot."
)
class UpdateInvestmentInput:
    id: strawberry.ID
    quantity: Decimal | None = strawberry.field(
        default=strawberry.UNSET, description="Omitted or null: unchanged."
    )
    purchase_price: MoneyInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="Omitted or null: unchanged. A new currency drops the lot's fxRate unless one is given.",
    )
    purchased_at: date | None = strawberry.field(
        default=strawberry.UNSET, description="Omitted or null: unchanged."
    )
    fees: MoneyInput | None = strawberry.field(
        default=strawberry.UNSET, description="Omitted: unchanged; null: no fees."
    )
    fx_rate: Decimal | None = strawberry.field(
        default=strawberry.UNSET, description="Omitted: unchanged; null: no rate."
    )


@strawberry.type
class UpdateInvestmentPayload:
    investment: Investment | None
    user_errors: list[UserError] = user_errors_field()


@strawberry.input
class RemoveInvestmentInput:
    id: strawberry.ID


@strawberry.type
class RemoveInvestmentPayload:
    removed_investment_id: strawberry.ID | None
    portfolio: Portfolio | None
    user_errors: list[UserError] = user_errors_field()


@strawberry.input
class SellInvestmentInput:
    portfolio_id: strawberry.ID
    symbol: str
    quantity: Decimal = strawberry.field(description="Greater than zero, at most 8 decimal places.")
    price: MoneyInput = strawberry.field(description="Sale price per unit.")
    sold_at: date = strawberry.field(
        description="Not in the future; only lots bought on or before it can be sold."
    )
    fees: MoneyInput | None = strawberry.field(default=None, description="In the sale price's currency.")
    fx_rate: Decimal | None = strawberry.field(
        default=None, description="Sale currency -> base currency on soldAt; required when they differ."
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Sending the same key again returns the first result and records nothing new.",
    )


@strawberry.type
class SellInvestmentPayload:
    realized_gain: Money | None = strawberry.field(
        description="(quantity * price - fees) * fxRate - cost basis consumed, in base currency."
    )
    activity: Activity | None
    portfolio: Portfolio | None
    user_errors: list[UserError] = user_errors_field()


def _amount(value: MoneyInput) -> Amount:
    return Amount(value.amount, value.currency_code)


def _keep_if_absent(value: T | None) -> T | Keep:
    return KEEP if value is None or value is strawberry.UNSET else value


def _clear_if_null(value: T | None) -> T | Keep | None:
    return KEEP if value is strawberry.UNSET else value


async def _create_portfolio(info: Info, input: CreatePortfolioInput) -> CreatePortfolioPayload:
    request = PortfolioRequest(
        customer_id=str(input.customer_id),
        name=input.name,
        kind=input.kind,
        base_currency=input.base_currency,
        cost_basis_method=input.cost_basis_method or model.CostBasisMethod.FIFO,
    )
    try:
        portfolio = await info.context.service.create_portfolio(info.context.caller, request)
    except InputProblems as error:
        return CreatePortfolioPayload(portfolio=None, user_errors=UserError.from_problems(error))
    info.context.portfolios.prime(portfolio.id, portfolio)
    info.context.ledgers.prime(portfolio.id, model.Ledger())
    return CreatePortfolioPayload(portfolio=Portfolio.of(portfolio), user_errors=[])


async def _rename_portfolio(info: Info, input: RenamePortfolioInput) -> RenamePortfolioPayload:
    try:
        portfolio = await info.context.service.rename_portfolio(
            info.context.caller, str(input.id), input.name
        )
    except InputProblems as error:
        return RenamePortfolioPayload(portfolio=None, user_errors=UserError.from_problems(error))
    info.context.portfolios.prime(portfolio.id, portfolio, force=True)
    return RenamePortfolioPayload(portfolio=Portfolio.of(portfolio), user_errors=[])


async def _close_portfolio(info: Info, input: ClosePortfolioInput) -> ClosePortfolioPayload:
    try:
        portfolio = await info.context.service.close_portfolio(info.context.caller, str(input.id))
    except InputProblems as error:
        return ClosePortfolioPayload(portfolio=None, user_errors=UserError.from_problems(error))
    info.context.portfolios.prime(portfolio.id, portfolio, force=True)
    return ClosePortfolioPayload(portfolio=Portfolio.of(portfolio), user_errors=[])


def _trade_fields(input: AddInvestmentInput | SellInvestmentInput, price: MoneyInput) -> dict[str, Any]:
    """The TradeRequest fields a buy and a sell input share."""
    return {
        "portfolio_id": str(input.portfolio_id),
        "symbol": input.symbol,
        "quantity": input.quantity,
        "price_amount": price.amount,
        "price_currency": price.currency_code,
        "fees_amount": input.fees.amount if input.fees else None,
        "fees_currency": input.fees.currency_code if input.fees else None,
        "fx_rate": input.fx_rate,
        "idempotency_key": input.idempotency_key,
    }


async def _add_investment(info: Info, input: AddInvestmentInput) -> AddInvestmentPayload:
    request = LotRequest(**_trade_fields(input, input.purchase_price), purchased_at=input.purchased_at)
    try:
        added = await info.context.service.add_investment(info.context.caller, request)
    except InputProblems as error:
        return AddInvestmentPayload(investment=None, user_errors=UserError.from_problems(error))
    info.context.portfolios.prime(added.portfolio.id, added.portfolio)
    info.context.investments.prime(added.lot.id, added.lot)
    info.context.forget_ledger(added.portfolio.id)
    return AddInvestmentPayload(investment=Investment.of(added.lot), user_errors=[])


async def _update_investment(info: Info, input: UpdateInvestmentInput) -> UpdateInvestmentPayload:
    price = _keep_if_absent(input.purchase_price)
    fees = _clear_if_null(input.fees)
    correction = CorrectionRequest(
        id=str(input.id),
        quantity=_keep_if_absent(input.quantity),
        purchase_price=price if isinstance(price, Keep) else _amount(price),
        purchased_at=_keep_if_absent(input.purchased_at),
        fees=fees if fees is None or isinstance(fees, Keep) else _amount(fees),
        fx_rate=_clear_if_null(input.fx_rate),
    )
    try:
        changed = await info.context.service.update_investment(info.context.caller, correction)
    except InputProblems as error:
        return UpdateInvestmentPayload(investment=None, user_errors=UserError.from_problems(error))
    info.context.portfolios.prime(changed.portfolio.id, changed.portfolio)
    info.context.investments.prime(changed.lot.id, changed.lot, force=True)
    info.context.forget_ledger(changed.portfolio.id)
    return UpdateInvestmentPayload(investment=Investment.of(changed.lot), user_errors=[])


async def _remove_investment(info: Info, input: RemoveInvestmentInput) -> RemoveInvestmentPayload:
    try:
        removed = await info.context.service.remove_investment(info.context.caller, str(input.id))
    except InputProblems as error:
        return RemoveInvestmentPayload(
            removed_investment_id=None, portfolio=None, user_errors=UserError.from_problems(error)
        )
    info.context.portfolios.prime(removed.portfolio.id, removed.portfolio)
    info.context.forget_ledger(removed.portfolio.id)
    return RemoveInvestmentPayload(
        removed_investment_id=strawberry.ID(removed.lot.id),
        portfolio=Portfolio.of(removed.portfolio),
        user_errors=[],
    )


async def _sell_investment(info: Info, input: SellInvestmentInput) -> SellInvestmentPayload:
    request = SaleRequest(**_trade_fields(input, input.price), sold_at=input.sold_at)
    try:
        sold = await info.context.service.sell_investment(info.context.caller, request)
    except InputProblems as error:
        return SellInvestmentPayload(
            realized_gain=None, activity=None, portfolio=None, user_errors=UserError.from_problems(error)
        )
    info.context.portfolios.prime(sold.portfolio.id, sold.portfolio)
    if sold.ledger is not None:
        info.context.ledgers.prime(sold.portfolio.id, sold.ledger, force=True)
    gain = sold.activity.realized_gain_amount
    return SellInvestmentPayload(
        realized_gain=Money.of(gain),
        activity=Activity.of(sold.activity),
        portfolio=Portfolio.of(sold.portfolio),
        user_errors=[],
    )


@strawberry.type
class Mutation:
    create_portfolio: CreatePortfolioPayload = strawberry.mutation(
        resolver=_create_portfolio,
        description="Opens a portfolio for a registered customer. CUSTOMER_CLOSED once the customer closed.",
    )
    rename_portfolio: RenamePortfolioPayload = strawberry.mutation(
        resolver=_rename_portfolio, description="Renames a portfolio (closed ones too)."
    )
    close_portfolio: ClosePortfolioPayload = strawberry.mutation(
        resolver=_close_portfolio,
        description="Closes a portfolio: no new lots, sales, corrections or removals; its data is kept. "
        "Closing a closed portfolio changes nothing.",
    )
    add_investment: AddInvestmentPayload = strawberry.mutation(
        resolver=_add_investment, description="Records one lot (purchase) in a portfolio."
    )
    update_investment: UpdateInvestmentPayload = strawberry.mutation(
        resolver=_update_investment,
        description="Corrects a lot no sale has taken from (INVALID on input.id otherwise).",
    )
    remove_investment: RemoveInvestmentPayload = strawberry.mutation(
        resolver=_remove_investment,
        description="Removes a lot no sale has taken from (INVALID on input.id otherwise).",
    )
    sell_investment: SellInvestmentPayload = strawberry.mutation(
        resolver=_sell_investment,
        description="Sells from a portfolio's lots of one instrument by its cost-basis method. "
        "INSUFFICIENT_QUANTITY when it holds less; nothing is written then.",
    )
