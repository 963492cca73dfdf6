"""The per-request context: the DataLoaders every resolver reads through (DESIGN.md decision 9).

- `books`: customer id -> CustomerBook, one GSI Query per customer, the batch's queries concurrent.
  Loading a book primes the portfolio, ledger and investment loaders with its portfolios, lots and
  position summaries, so the dashboard (Customer.portfolios { positions holdings investments })
  reads nothing more.
- `portfolios`: portfolio id -> Portfolio, one BatchGetItem per batch.
- `ledgers`: portfolio id -> its lots and position summaries, one Query per portfolio, concurrent;
  only when asked for.
- `investments`: lot id -> Lot, one BatchGetItem per batch.
- `activities`: (portfolio id, first, after) -> a page of its activity ledger, one Query per key,
  concurrent (activities live under each portfolio's own key, so N portfolios cost N Queries in
  one round trip; they are kept out of the book's index so that the book never grows with history).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import suppress
from typing import TYPE_CHECKING

from kit.context import RequestContext
from kit.loaders import mapping_loader

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
        self.ledgers = mapping_loader(service.ledgers)
        self.activities = mapping_loader(service.activities)
        self.books = mapping_loader(self._load_books)

    def forget_ledger(self, portfolio_id: str) -> None:
        """After a write to a portfolio's lots: the next read of its ledger goes to the table."""
        with suppress(KeyError):  # not loaded in this request
            self.ledgers.clear(portfolio_id)

    async def _load_books(self, customer_ids: Sequence[str]) -> Mapping[str, CustomerBook]:
        books = await self.service.books(customer_ids)
        for book in books.values():
            for portfolio in book.portfolios:
                ledger = book.ledger_of(portfolio.id)
                self.portfolios.prime(portfolio.id, portfolio)
                self.ledgers.prime(portfolio.id, ledger)
                self.investments.prime_many({lot.id: lot for lot in ledger.lots})
        return books


def context_for(runtime: PortfoliosRuntime) -> PortfoliosContext:
    return PortfoliosContext(runtime.service)
