"""The mutations' payloads: the changed object, and `userErrors` (DESIGN.md decision 7)."""

from __future__ import annotations

import strawberry
from kit.graphql.cost import user_errors_field
from kit.graphql.types import Money, UserError

from portfolios.graphql.entities import Investment, Portfolio
from portfolios.graphql.types import Activity


@strawberry.type
class CreatePortfolioPayload:
    portfolio: Portfolio | None
    user_errors: list[UserError] = user_errors_field()


@strawberry.type
class RenamePortfolioPayload:
    portfolio: Portfolio | None
    user_errors: list[UserError] = user_errors_field()


@strawberry.type
class ClosePortfolioPayload:
    portfolio: Portfolio | None
    user_errors: list[UserError] = user_errors_field()


@strawberry.type
class RecordActivityPayload:
    activity: Activity | None
    portfolio: Portfolio | None
    user_errors: list[UserError] = user_errors_field()


@strawberry.type
class CorrectActivityPayload:
    activity: Activity | None
    portfolio: Portfolio | None
    user_errors: list[UserError] = user_errors_field()


@strawberry.type
class RemoveActivityPayload:
    removed_activity_id: strawberry.ID | None
    portfolio: Portfolio | None
    user_errors: list[UserError] = user_errors_field()


@strawberry.type
class AddInvestmentPayload:
    investment: Investment | None
    user_errors: list[UserError] = user_errors_field()


@strawberry.type
class UpdateInvestmentPayload:
    investment: Investment | None
    user_errors: list[UserError] = user_errors_field()


@strawberry.type
class RemoveInvestmentPayload:
    removed_investment_id: strawberry.ID | None
    portfolio: Portfolio | None
    user_errors: list[UserError] = user_errors_field()


@strawberry.type
class SellInvestmentPayload:
    realized_gain: Money | None = strawberry.field(
        description="Rounded net proceeds - rounded cost basis consumed, in base currency."
    )
    activity: Activity | None
    portfolio: Portfolio | None
    user_errors: list[UserError] = user_errors_field()
