from __future__ import annotations

import strawberry

from portfolios.graphql.types import Info, Portfolio


async def _portfolio(info: Info, id: strawberry.ID) -> Portfolio | None:
    found = await info.context.portfolios.load(str(id))
    return Portfolio.of(found) if found else None


@strawberry.type
class Query:
    portfolio: Portfolio | None = strawberry.field(
        resolver=_portfolio, description="A portfolio by id; null when there is none."
    )
