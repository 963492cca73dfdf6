from __future__ import annotations

import strawberry
from kit.core.text import TextKind, text_argument

from portfolios.access import readable_portfolio
from portfolios.graphql.context import Info
from portfolios.graphql.entities import Portfolio


async def _portfolio(info: Info, id: strawberry.ID) -> Portfolio | None:
    # Text no id can be (a control character, a kilobyte) is the client's error; any other id
    # that is not a ULID is never read (services.portfolios) and answered as a missing one.
    identifier = text_argument(str(id), TextKind.ID, "id")
    loaded = await info.context.portfolios.load(identifier)
    found = readable_portfolio(info.context.caller, loaded, identifier)
    return Portfolio.from_domain(found) if found else None


@strawberry.type
class Query:
    portfolio: Portfolio | None = strawberry.field(
        resolver=_portfolio,
        description="A portfolio by id; null when there is none. Customers see only their own: "
        "anything else is null with a FORBIDDEN error, whether it exists or not.",
    )
