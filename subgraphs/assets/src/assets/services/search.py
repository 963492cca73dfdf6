"""Instrument search over the catalog and the manual instruments."""

from __future__ import annotations

from kit.core import paging

from assets.domain.instruments import Catalog
from assets.domain.ports import AssetsRepository
from assets.domain.search import MAX_PAGE, Page, page_of, search_instruments


class SearchService:
    def __init__(self, *, catalog: Catalog, repository: AssetsRepository) -> None:
        self._catalog = catalog
        self._repository = repository

    async def search(self, query: str, first: int, after: str | None) -> Page:
        """Catalog and manual instruments matching `query`; one Query for the manual ones."""
        paging.check_page_size(first, MAX_PAGE)
        if not query.strip():
            return page_of([], first, after)
        manual = await self._repository.manual_instruments()
        listed = [entry.instrument for entry in self._catalog]
        known = {instrument.symbol for instrument in listed}
        candidates = listed + [instrument for instrument in manual if instrument.symbol not in known]
        return page_of(search_instruments(candidates, query), first, after)
