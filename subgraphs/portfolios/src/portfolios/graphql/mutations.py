"""Mutations: one `input`, a payload with the changed object and `userErrors` (DESIGN.md decision 7).

Every rule lives in the services and the domain; these resolvers only translate input and payload.
Each passes the caller on: a refusal (`kit.core.principal.Forbidden`) is a GraphQL error with
extensions.code FORBIDDEN, the payload null, nothing written.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TypeVar

import strawberry
from kit.core.errors import InputProblems
from kit.core.money import Amount
from kit.graphql.cost import user_errors_field
from kit.graphql.types import Money, MoneyInput, UserError

from portfolios.domain import model
from portfolios.domain.commands import (
    KEEP,
    PURCHASE_FIELDS,
    SALE_FIELDS,
    ActivityRequest,
    CorrectionRequest,
    Keep,
    MoneyRequest,
    PickRequest,
    PortfolioRequest,
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


@strawberry.input(description="`to` shares for every `from` share; positive, at most 8 decimal places.")
class SplitRatioInput:
    from_: Decimal = strawberry.field(name="from")
    to: Decimal


@strawberry.input(description="A quantity of one lot (an id from Position.lots).")
class LotPickInput:
    investment_id: strawberry.ID
    quantity: Decimal


@strawberry.input(
    description="One activity; which fields each type takes: see the README and recordActivity."
)
class RecordActivityInput:
    portfolio_id: strawberry.ID
    type: model.ActivityType
    occurred_at: date = strawberry.field(description="The trade date; not in the future. Back-dated is fine.")
    symbol: str | None = strawberry.field(
        default=None, description="BUY, SELL, DIVIDEND, SPLIT, TRANSFER_OUT."
    )
    quantity: Decimal | None = strawberry.field(
        default=None, description="BUY, SELL, TRANSFER_OUT: > 0, at most 8 decimal places."
    )
    price: MoneyInput | None = strawberry.field(default=None, description="BUY, SELL: per unit.")
    amount: MoneyInput | None = strawberry.field(
        default=None,
        description="DIVIDEND, INTEREST, DEPOSIT, WITHDRAWAL, FEE, TAX: the cash that moved, > 0.",
    )
    fees: MoneyInput | None = strawberry.field(
        default=None, description="In the price's or amount's currency (not for SPLIT or transfers)."
    )
    fx_rate: Decimal | None = strawberry.field(
        default=None,
        description="The activity's currency -> the base currency on occurredAt; required when they differ.",
    )
    split_ratio: SplitRatioInput | None = strawberry.field(default=None, description="SPLIT only.")
    counterpart_portfolio_id: strawberry.ID | None = strawberry.field(
        default=None, description="TRANSFER_OUT: another portfolio of the same customer and base currency."
    )
    lots: list[LotPickInput] | None = strawberry.field(
        default=None,
        description="SELL or TRANSFER_OUT by specific lots (quantities adding up to quantity); "
        "refused in an AVERAGE portfolio.",
    )
    note: str | None = strawberry.field(default=None, description="Free text, up to 2000 characters.")
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Sending the same key again returns the first result and records nothing new.",
    )


@strawberry.type
class RecordActivityPayload:
    activity: Activity | None
    portfolio: Portfolio | None
    user_errors: list[UserError] = user_errors_field()


@strawberry.input(
    description="Corrects one activity: omitted fields keep their value, null clears fees, fxRate or "
    "note. The type and portfolio stay; a transfer is removed and recorded again instead."
)
class CorrectActivityInput:
    activity_id: strawberry.ID
    occurred_at: date | None = strawberry.UNSET
    symbol: str | None = strawberry.UNSET
    quantity: Decimal | None = strawberry.UNSET
    price: MoneyInput | None = strawberry.UNSET
    amount: MoneyInput | None = strawberry.UNSET
    fees: MoneyInput | None = strawberry.UNSET
    fx_rate: Decimal | None = strawberry.UNSET
    split_ratio: SplitRatioInput | None = strawberry.UNSET
    lots: list[LotPickInput] | None = strawberry.UNSET
    note: str | None = strawberry.UNSET


@strawberry.type
class CorrectActivityPayload:
    activity: Activity | None
    portfolio: Portfolio | None
    user_errors: list[UserError] = user_errors_field()


@strawberry.input
class RemoveActivityInput:
    activity_id: strawberry.ID


@strawberry.type
class RemoveActivityPayload:
    removed_activity_id: strawberry.ID | None
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
    description="Corrects a lot's BUY. Omitted fields keep their value; the ledger is replayed."
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
    sold_at: date = strawberry.field(description="The trade date; not in the future. Back-dated is fine.")
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
        description="Rounded net proceeds - rounded cost basis consumed, in base currency."
    )
    activity: Activity | None
    portfolio: Portfolio | None
    user_errors: list[UserError] = user_errors_field()


def _money(value: MoneyInput | None) -> MoneyRequest | None:
    return MoneyRequest(value.amount, value.currency_code) if value is not None else None


def _picks(lots: list[LotPickInput] | None) -> tuple[PickRequest, ...] | None:
    if lots is None:
        return None
    return tuple(PickRequest(str(p.investment_id), p.quantity) for p in lots)


def _keep_if_absent(value: T | None) -> T | Keep:
    return KEEP if value is None or value is strawberry.UNSET else value


def _clear_if_null(value: T | None) -> T | Keep | None:
    return KEEP if value is strawberry.UNSET else value


def _errors(error: InputProblems) -> list[UserError]:
    return UserError.from_problems(error)


async def _create_portfolio(info: Info, input: CreatePortfolioInput) -> CreatePortfolioPayload:
    request = PortfolioRequest(
        customer_id=str(input.customer_id),
        name=input.name,
        kind=input.kind,
        base_currency=input.base_currency,
        cost_basis_method=input.cost_basis_method or model.CostBasisMethod.FIFO,
    )
    try:
        portfolio = await info.context.service.portfolios.create_portfolio(info.context.caller, request)
    except InputProblems as error:
        return CreatePortfolioPayload(portfolio=None, user_errors=_errors(error))
    info.context.portfolios.prime(portfolio.id, portfolio)
    info.context.holdings.prime(portfolio.id, model.Holdings(portfolio.id, portfolio.base_currency))
    return CreatePortfolioPayload(portfolio=Portfolio.from_domain(portfolio), user_errors=[])


async def _rename_portfolio(info: Info, input: RenamePortfolioInput) -> RenamePortfolioPayload:
    try:
        portfolio = await info.context.service.portfolios.rename_portfolio(
            info.context.caller, str(input.id), input.name
        )
    except InputProblems as error:
        return RenamePortfolioPayload(portfolio=None, user_errors=_errors(error))
    info.context.portfolios.prime(portfolio.id, portfolio, force=True)
    return RenamePortfolioPayload(portfolio=Portfolio.from_domain(portfolio), user_errors=[])


async def _close_portfolio(info: Info, input: ClosePortfolioInput) -> ClosePortfolioPayload:
    try:
        portfolio = await info.context.service.portfolios.close_portfolio(info.context.caller, str(input.id))
    except InputProblems as error:
        return ClosePortfolioPayload(portfolio=None, user_errors=_errors(error))
    info.context.portfolios.prime(portfolio.id, portfolio, force=True)
    return ClosePortfolioPayload(portfolio=Portfolio.from_domain(portfolio), user_errors=[])


def _record_request(input: RecordActivityInput) -> ActivityRequest:
    return ActivityRequest(
        portfolio_id=str(input.portfolio_id),
        type=input.type,
        occurred_at=input.occurred_at,
        symbol=input.symbol,
        quantity=input.quantity,
        price=_money(input.price),
        amount=_money(input.amount),
        fees=_money(input.fees),
        fx_rate=input.fx_rate,
        split_from=input.split_ratio.from_ if input.split_ratio else None,
        split_to=input.split_ratio.to if input.split_ratio else None,
        counterpart_portfolio_id=str(input.counterpart_portfolio_id)
        if input.counterpart_portfolio_id is not None
        else None,
        lots=_picks(input.lots),
        note=input.note,
        idempotency_key=input.idempotency_key,
    )


async def _record_activity(info: Info, input: RecordActivityInput) -> RecordActivityPayload:
    try:
        recorded = await info.context.service.ledger.record_activity(
            info.context.caller, _record_request(input)
        )
    except InputProblems as error:
        return RecordActivityPayload(activity=None, portfolio=None, user_errors=_errors(error))
    info.context.changed(recorded.portfolio.id, recorded.books)
    return RecordActivityPayload(
        activity=Activity.from_domain(recorded.activity, recorded.portfolio.base_currency),
        portfolio=Portfolio.from_domain(recorded.portfolio),
        user_errors=[],
    )


async def _correct_activity(info: Info, input: CorrectActivityInput) -> CorrectActivityPayload:
    ratio = input.split_ratio
    correction = CorrectionRequest(
        activity_id=str(input.activity_id),
        occurred_at=_keep_if_absent(input.occurred_at),
        symbol=_keep_if_absent(input.symbol),
        quantity=_keep_if_absent(input.quantity),
        price=KEEP if input.price in (None, strawberry.UNSET) else _money(input.price),  # type: ignore[arg-type]
        amount=KEEP if input.amount in (None, strawberry.UNSET) else _money(input.amount),  # type: ignore[arg-type]
        fees=KEEP if input.fees is strawberry.UNSET else _money(input.fees),
        fx_rate=_clear_if_null(input.fx_rate),
        split_from=KEEP if ratio in (None, strawberry.UNSET) else ratio.from_,
        split_to=KEEP if ratio in (None, strawberry.UNSET) else ratio.to,
        lots=KEEP if input.lots is strawberry.UNSET else _picks(input.lots),
        note=_clear_if_null(input.note),
    )
    try:
        changed = await info.context.service.ledger.correct_activity(info.context.caller, correction)
    except InputProblems as error:
        return CorrectActivityPayload(activity=None, portfolio=None, user_errors=_errors(error))
    info.context.changed(changed.portfolio.id, changed.books)
    return CorrectActivityPayload(
        activity=Activity.from_domain(changed.activity, changed.portfolio.base_currency),
        portfolio=Portfolio.from_domain(changed.portfolio),
        user_errors=[],
    )


async def _remove_activity(info: Info, input: RemoveActivityInput) -> RemoveActivityPayload:
    try:
        removed = await info.context.service.ledger.remove_activity(
            info.context.caller, str(input.activity_id)
        )
    except InputProblems as error:
        return RemoveActivityPayload(removed_activity_id=None, portfolio=None, user_errors=_errors(error))
    info.context.changed(removed.portfolio.id, removed.books)
    return RemoveActivityPayload(
        removed_activity_id=strawberry.ID(removed.activity.id),
        portfolio=Portfolio.from_domain(removed.portfolio),
        user_errors=[],
    )


async def _add_investment(info: Info, input: AddInvestmentInput) -> AddInvestmentPayload:
    request = ActivityRequest(
        portfolio_id=str(input.portfolio_id),
        type=model.ActivityType.BUY,
        occurred_at=input.purchased_at,
        symbol=input.symbol,
        quantity=input.quantity,
        price=_money(input.purchase_price),
        fees=_money(input.fees),
        fx_rate=input.fx_rate,
        idempotency_key=input.idempotency_key,
        fields=PURCHASE_FIELDS,
    )
    try:
        recorded = await info.context.service.ledger.record_activity(info.context.caller, request)
    except InputProblems as error:
        return AddInvestmentPayload(investment=None, user_errors=_errors(error))
    info.context.changed(recorded.portfolio.id, recorded.books)
    info.context.portfolios.prime(recorded.portfolio.id, recorded.portfolio)
    lot = recorded.lot() or await _stored_lot(info, recorded.activity.id)
    return AddInvestmentPayload(investment=Investment.from_domain(lot), user_errors=[])


async def _stored_lot(info: Info, lot_id: str) -> model.Lot:
    """A lot as stored (an idempotent replay, or a correction that changed nothing)."""
    found = await info.context.investments.load(lot_id)
    if found is None:
        raise LookupError(f"lot {lot_id} is in neither its portfolio's holdings nor its history")
    return found.lot


async def _update_investment(info: Info, input: UpdateInvestmentInput) -> UpdateInvestmentPayload:
    correction = CorrectionRequest(
        activity_id=str(input.id),
        quantity=_keep_if_absent(input.quantity),
        price=KEEP if input.purchase_price in (None, strawberry.UNSET) else _money(input.purchase_price),  # type: ignore[arg-type]
        occurred_at=_keep_if_absent(input.purchased_at),
        fees=KEEP if input.fees is strawberry.UNSET else _money(input.fees),
        fx_rate=_clear_if_null(input.fx_rate),
        fields=PURCHASE_FIELDS,
        id_field="id",
    )
    try:
        changed = await info.context.service.ledger.correct_investment(info.context.caller, correction)
    except InputProblems as error:
        return UpdateInvestmentPayload(investment=None, user_errors=_errors(error))
    info.context.changed(changed.portfolio.id, changed.books)
    lot = changed.lot() or await _stored_lot(info, changed.activity.id)
    return UpdateInvestmentPayload(investment=Investment.from_domain(lot), user_errors=[])


async def _remove_investment(info: Info, input: RemoveInvestmentInput) -> RemoveInvestmentPayload:
    try:
        removed = await info.context.service.ledger.remove_activity(
            info.context.caller, str(input.id), field=("input", "id"), only=model.ActivityType.BUY
        )
    except InputProblems as error:
        return RemoveInvestmentPayload(removed_investment_id=None, portfolio=None, user_errors=_errors(error))
    info.context.changed(removed.portfolio.id, removed.books)
    return RemoveInvestmentPayload(
        removed_investment_id=strawberry.ID(removed.activity.id),
        portfolio=Portfolio.from_domain(removed.portfolio),
        user_errors=[],
    )


async def _sell_investment(info: Info, input: SellInvestmentInput) -> SellInvestmentPayload:
    request = ActivityRequest(
        portfolio_id=str(input.portfolio_id),
        type=model.ActivityType.SELL,
        occurred_at=input.sold_at,
        symbol=input.symbol,
        quantity=input.quantity,
        price=_money(input.price),
        fees=_money(input.fees),
        fx_rate=input.fx_rate,
        idempotency_key=input.idempotency_key,
        fields=SALE_FIELDS,
    )
    try:
        recorded = await info.context.service.ledger.record_activity(info.context.caller, request)
    except InputProblems as error:
        return SellInvestmentPayload(
            realized_gain=None, activity=None, portfolio=None, user_errors=_errors(error)
        )
    info.context.changed(recorded.portfolio.id, recorded.books)
    history = (
        recorded.books.history if recorded.books else await info.context.histories.load(recorded.portfolio.id)
    )
    sale = history.sale(recorded.activity.id) if history else None
    currency = recorded.portfolio.base_currency
    return SellInvestmentPayload(
        realized_gain=Money.amount_of(Amount(sale.realized_gain, currency)) if sale else None,
        activity=Activity.from_domain(recorded.activity, currency),
        portfolio=Portfolio.from_domain(recorded.portfolio),
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
        description="Closes a portfolio: its ledger then takes no change; its data is kept. "
        "Closing a closed portfolio changes nothing.",
    )
    record_activity: RecordActivityPayload = strawberry.mutation(
        resolver=_record_activity,
        description="Records one activity of any type, back-dated or not; the ledger is replayed in "
        "trade-date order. Refused (nothing written) only when that history becomes impossible: "
        "the message names the date.",
    )
    correct_activity: CorrectActivityPayload = strawberry.mutation(
        resolver=_correct_activity,
        description="Corrects one activity (a sale included) and replays the ledger; "
        "refused as recordActivity is.",
    )
    remove_activity: RemoveActivityPayload = strawberry.mutation(
        resolver=_remove_activity,
        description="Removes one activity (a sale included) and replays the ledger without it; a "
        "TRANSFER_OUT takes its TRANSFER_IN with it. The audit trail keeps it.",
    )
    add_investment: AddInvestmentPayload = strawberry.mutation(
        resolver=_add_investment, description="Records a BUY: one lot, back-dated or not."
    )
    update_investment: UpdateInvestmentPayload = strawberry.mutation(
        resolver=_update_investment,
        description="Corrects a lot's BUY (sold lots too); the ledger is replayed.",
    )
    remove_investment: RemoveInvestmentPayload = strawberry.mutation(
        resolver=_remove_investment,
        description="Removes a lot's BUY; refused when a later sale needed it (the message names the date).",
    )
    sell_investment: SellInvestmentPayload = strawberry.mutation(
        resolver=_sell_investment,
        description="Records a SELL by the portfolio's cost-basis method, back-dated or not. "
        "INSUFFICIENT_QUANTITY (nothing written) when some day would hold less than is sold.",
    )
