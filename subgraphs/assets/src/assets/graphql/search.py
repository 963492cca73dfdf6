"""searchInstruments: a Relay connection over the catalog and manual instruments (contract operation
SearchInstruments)."""

from __future__ import annotations

import strawberry
from kit.core.text import TextKind, text_argument
from kit.graphql.types import PageInfo

from assets.graphql.context import AssetsContext
from assets.graphql.types import Instrument


@strawberry.type(name="InstrumentEdge")
class InstrumentEdge:
    cursor: str
    node: Instrument


@strawberry.type(name="InstrumentConnection")
class InstrumentConnection:
    edges: list[InstrumentEdge]
    page_info: PageInfo


async def search_instruments(
    info: strawberry.Info[AssetsContext, None],
    query: str,
    first: int,
    after: str | None = None,
) -> InstrumentConnection:
    text = text_argument(query, TextKind.SEARCH, "query")  # what a search box can send, no more
    page = await info.context.service.search.search(text, first, after)
    edges = [InstrumentEdge(cursor=cursor, node=Instrument.from_domain(item)) for cursor, item in page.items]
    return InstrumentConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=page.start_cursor,
            end_cursor=page.end_cursor,
        ),
    )
