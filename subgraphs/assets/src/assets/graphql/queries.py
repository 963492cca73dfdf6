"""Query root of the assets subgraph."""

from __future__ import annotations

import strawberry
from kit.core.text import TextKind, text_argument
from kit.graphql.cost import paged

from assets.domain.instruments import normalize_symbol
from assets.domain.search import MAX_PAGE
from assets.graphql.context import AssetsContext
from assets.graphql.search import InstrumentConnection, search_instruments
from assets.graphql.types import Instrument


async def _instrument(info: strawberry.Info[AssetsContext, None], symbol: str) -> Instrument | None:
    # Text no symbol can be (a control character, a kilobyte) is the client's error; any other
    # text that is no symbol names no instrument (null).
    key = normalize_symbol(text_argument(symbol, TextKind.CODE, "symbol"))
    if key is None:
        return None
    view = await info.context.instruments.load(key)
    if view is None or not view.known:
        return None
    return Instrument.from_domain(view.instrument)


@strawberry.type
class Query:
    instrument: Instrument | None = strawberry.field(
        resolver=_instrument,
        description="An instrument by symbol (trimmed, upper-cased); null when neither the catalog nor a "
        "manual price knows it.",
    )
    search_instruments: InstrumentConnection = strawberry.field(
        resolver=search_instruments,
        description="Catalog and manual instruments whose symbol starts with `query` or whose name has a "
        "word starting with each word of it, best first. `first` is 1 to 50; `after` is an endCursor.",
        directives=[paged(MAX_PAGE)],
    )
