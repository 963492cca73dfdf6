from __future__ import annotations

import strawberry

from portfolios.graphql.types import Info, Portfolio, readable_portfolio


async def _portfolio(info: Info, id: strawberry.ID) -> Portfolio | None:
    found = readable_portfolio(info, await info.context.portfolios.load(str(id)), str(id))
    return Portfolio.of(found) if found else None


@strawberry.type
class Query:
    portfolio: Portfolio | None = strawberry.field(
        resolver=_portfolio,
        description="A portfolio by id; null when there is none. Customers see only their own: "
        "anything else is null with a FORBIDDEN error, whether it exists or not.",
    )
