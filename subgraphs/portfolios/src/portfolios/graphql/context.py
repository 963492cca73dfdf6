"""The per-request context: the DataLoaders every resolver reads through (DESIGN.md decision 9).

- `books`: customer id -> CustomerBook, one GSI Query per customer, the batch's queries concurrent.
  Loading a book primes the three other loaders with its portfolios and lots, so the dashboard
  (Customer.portfolios { positions holdings investments }) reads nothing more.
- `portfolios`: portfolio id -> Portfolio, one BatchGetItem per batch.
- `lots`: portfolio id -> its lots, one Query per portfolio, concurrent; only when asked for.
- `investments`: lot id -> Lot, one BatchGetItem per batch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from kit.context import RequestContext
from kit.loaders import grouping_loader, mapping_loader

from portfolios.domain.model import CustomerBook
from portfolios.services import PortfolioService

if TYPE_CHECKING:
    from portfolios.app import PortfoliosRuntime


class PortfoliosContext(RequestContext):
    def __init__(self, service: PortfolioService) -> None:
        super().__init__()
        self.service = service
        self.portfolios = mapping_loader(service.portfolios)
        self.investments = mapping_loader(service.investments)
        self.lots = grouping_loader(service.lots)
        self.books = mapping_loader(self._load_books)

    async def _load_books(self, customer_ids: Sequence[str]) -> Mapping[str, CustomerBook]:
        books = await self.service.books(customer_ids)
        for book in books.values():
            for portfolio in book.portfolios:
                lots = list(book.lots_of(portfolio.id))
                self.portfolios.prime(portfolio.id, portfolio)
                self.lots.prime(portfolio.id, lots)
                self.investments.prime_many({lot.id: lot for lot in lots})
        return books


def context_for(runtime: PortfoliosRuntime) -> PortfoliosContext:
    return PortfoliosContext(runtime.service)
