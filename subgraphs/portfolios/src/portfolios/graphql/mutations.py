"""Mutations: one `input`, a payload with the changed object and `userErrors` (DESIGN.md decision 7).

Every rule lives in the services and the domain; these resolvers only hand the input's command
(`inputs`) to a use case and build the payload (`payloads`). Each passes the caller on: a refusal
(`kit.core.principal.Forbidden`) is a GraphQL error with extensions.code FORBIDDEN, the payload
null, nothing written.
"""

from __future__ import annotations

import strawberry
from kit.core.errors import InputProblems
from kit.core.money import Amount
from kit.graphql.types import Money, UserError

from portfolios.domain import model
from portfolios.domain.lots import Holdings, Lot
from portfolios.graphql.context import Info
from portfolios.graphql.entities import Investment, Portfolio
from portfolios.graphql.inputs import (
    AddInvestmentInput,
    ClosePortfolioInput,
    CorrectActivityInput,
    CreatePortfolioInput,
    RecordActivityInput,
    RemoveActivityInput,
    RemoveInvestmentInput,
    RenamePortfolioInput,
    SellInvestmentInput,
    UpdateInvestmentInput,
)
from portfolios.graphql.payloads import (
    AddInvestmentPayload,
    ClosePortfolioPayload,
    CorrectActivityPayload,
    CreatePortfolioPayload,
    RecordActivityPayload,
    RemoveActivityPayload,
    RemoveInvestmentPayload,
    RenamePortfolioPayload,
    SellInvestmentPayload,
    UpdateInvestmentPayload,
)
from portfolios.graphql.types import Activity


def _errors(error: InputProblems) -> list[UserError]:
    return UserError.from_problems(error)


async def _create_portfolio(info: Info, input: CreatePortfolioInput) -> CreatePortfolioPayload:
    try:
        portfolio = await info.context.service.portfolios.create_portfolio(
            info.context.caller, input.to_request()
        )
    except InputProblems as error:
        return CreatePortfolioPayload(portfolio=None, user_errors=_errors(error))
    info.context.portfolios.prime(portfolio.id, portfolio)
    info.context.holdings.prime(portfolio.id, Holdings(portfolio.id, portfolio.base_currency))
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


async def _record_activity(info: Info, input: RecordActivityInput) -> RecordActivityPayload:
    try:
        recorded = await info.context.service.ledger.record_activity(info.context.caller, input.to_request())
    except InputProblems as error:
        return RecordActivityPayload(activity=None, portfolio=None, user_errors=_errors(error))
    info.context.changed(recorded.portfolio.id, recorded.books)
    return RecordActivityPayload(
        activity=Activity.from_domain(recorded.activity, recorded.portfolio.base_currency),
        portfolio=Portfolio.from_domain(recorded.portfolio),
        user_errors=[],
    )


async def _correct_activity(info: Info, input: CorrectActivityInput) -> CorrectActivityPayload:
    try:
        changed = await info.context.service.ledger.correct_activity(info.context.caller, input.to_request())
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
    try:
        recorded = await info.context.service.ledger.record_activity(info.context.caller, input.to_request())
    except InputProblems as error:
        return AddInvestmentPayload(investment=None, user_errors=_errors(error))
    info.context.changed(recorded.portfolio.id, recorded.books)
    info.context.portfolios.prime(recorded.portfolio.id, recorded.portfolio)
    lot = recorded.lot() or await _stored_lot(info, recorded.activity.id)
    return AddInvestmentPayload(investment=Investment.from_domain(lot), user_errors=[])


async def _stored_lot(info: Info, lot_id: str) -> Lot:
    """A lot as stored (an idempotent replay, or a correction that changed nothing)."""
    found = await info.context.investments.load(lot_id)
    if found is None:
        raise LookupError(f"lot {lot_id} is in neither its portfolio's holdings nor its history")
    return found.lot


async def _update_investment(info: Info, input: UpdateInvestmentInput) -> UpdateInvestmentPayload:
    try:
        changed = await info.context.service.ledger.correct_investment(
            info.context.caller, input.to_request()
        )
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
    try:
        recorded = await info.context.service.ledger.record_activity(info.context.caller, input.to_request())
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
