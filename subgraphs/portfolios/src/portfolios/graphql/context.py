"""The per-request context: the DataLoaders every resolver reads through (DESIGN.md decision 9).

Built from the service alone (the app passes `PortfoliosContext(runtime.service)`), so nothing here
knows the app that composes it.

- `books`: customer id -> CustomerBook (portfolios and their holdings), one GSI Query per customer;
  loading a book primes `portfolios` and `holdings`, so the Dashboard reads nothing more.
- `portfolios`: portfolio id -> Portfolio, one BatchGetItem per batch.
- `holdings`: portfolio id -> the stored projection's holdings (open lots, cash, realized), batched.
- `histories`: portfolio id -> the projection's history (sales, income, used-up lots), for reports.
- `timelines`: portfolio id -> the projection's timeline (for value over time), batched.
- `activities`, `audit_trails`: (portfolio id, first, after) -> one page, one Query per key.
- `investments`: lot id -> the lot and its owner (owner lookup batched, then holdings).
No loader replays a ledger: writes store what reads need.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import suppress
from typing import Any

import strawberry
from kit.graphql.context import RequestContext
from kit.graphql.loaders import mapping_loader

from portfolios.domain.books import Books, CustomerBook
from portfolios.services import PortfolioService


class PortfoliosContext(RequestContext):
    def __init__(self, service: PortfolioService) -> None:
        super().__init__()
        self.service = service
        reads = service.reads
        self.portfolios = mapping_loader(reads.portfolios)
        self.holdings = mapping_loader(reads.holdings)
        self.histories = mapping_loader(reads.histories)
        self.timelines = mapping_loader(reads.timelines)
        self.activities = mapping_loader(reads.activities)
        self.audit_trails = mapping_loader(reads.audit_trails)
        self.investments = mapping_loader(reads.investments)
        self.books = mapping_loader(self._load_books)

    def changed(self, portfolio_id: str, books: Books | None) -> None:
        """After a write to a portfolio's ledger: what this request reads next is the new state."""
        for loader in (self.holdings, self.histories, self.timelines):
            with suppress(KeyError):  # not loaded in this request
                loader.clear(portfolio_id)
        if books is not None:
            self.holdings.prime(portfolio_id, books.holdings)
            self.histories.prime(portfolio_id, books.history)
            self.timelines.prime(portfolio_id, books.timeline)
        self.activities.clear_all()
        self.audit_trails.clear_all()

    async def _load_books(self, customer_ids: Sequence[str]) -> Mapping[str, CustomerBook]:
        books = await self.service.reads.books(customer_ids)
        for book in books.values():
            for portfolio in book.portfolios:
                self.portfolios.prime(portfolio.id, portfolio)
                self.holdings.prime(portfolio.id, book.holdings_of(portfolio))
        return books


Info = strawberry.Info[PortfoliosContext, Any]
