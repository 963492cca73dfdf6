"""Batched reads: what the per-request DataLoaders call (DESIGN.md decision 9). None replays the ledger."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kit.core.ids import is_customer_id, is_ulid

from portfolios.domain.books import CustomerBook, History
from portfolios.domain.lots import Holdings, Lot
from portfolios.domain.model import ActivityPage, AuditPage, Portfolio
from portfolios.domain.ports import Owner, PortfolioRepository
from portfolios.domain.timeline import Timeline

PageKey = tuple[str, int, str | None]  # (portfolio id, first, after: an id from the previous page)


@dataclass(frozen=True, slots=True)
class OwnedLot:
    lot: Lot
    customer_id: str


class Reads:
    def __init__(self, repository: PortfolioRepository) -> None:
        self._repository = repository

    async def portfolios(self, ids: Sequence[str]) -> Mapping[str, Portfolio]:
        """One BatchGetItem (per 100 ids); ids that cannot exist are not looked up."""
        return await self._repository.portfolios([i for i in dict.fromkeys(ids) if is_ulid(i)])

    async def books(self, customer_ids: Sequence[str]) -> Mapping[str, CustomerBook]:
        """One Query per customer, concurrent, however many portfolios and activities they have."""
        wanted = [i for i in dict.fromkeys(customer_ids) if is_customer_id(i)]
        found = dict(
            zip(wanted, await asyncio.gather(*(self._repository.book(i) for i in wanted)), strict=True)
        )
        return {i: found.get(i) or CustomerBook(customer_id=i) for i in customer_ids}

    async def holdings(self, portfolio_ids: Sequence[str]) -> Mapping[str, Holdings]:
        return await self._repository.holdings([i for i in dict.fromkeys(portfolio_ids) if is_ulid(i)])

    async def histories(self, portfolio_ids: Sequence[str]) -> Mapping[str, History]:
        """One Query per portfolio, concurrent; only for reports (realized gains, income, used-up lots)."""
        wanted = [i for i in dict.fromkeys(portfolio_ids) if is_ulid(i)]
        found = await asyncio.gather(*(self._repository.history(i) for i in wanted))
        return dict(zip(wanted, found, strict=True))

    async def timelines(self, portfolio_ids: Sequence[str]) -> Mapping[str, Timeline]:
        """The stored timelines (two batched reads however many portfolios), for value over time."""
        return await self._repository.timelines([i for i in dict.fromkeys(portfolio_ids) if is_ulid(i)])

    async def activities(self, keys: Sequence[PageKey]) -> Mapping[PageKey, ActivityPage]:
        wanted = list(dict.fromkeys(keys))
        found = await asyncio.gather(
            *(self._repository.activities(p, first, after) for p, first, after in wanted)
        )
        return dict(zip(wanted, found, strict=True))

    async def audit_trails(self, keys: Sequence[PageKey]) -> Mapping[PageKey, AuditPage]:
        wanted = list(dict.fromkeys(keys))
        found = await asyncio.gather(
            *(self._repository.audit_trail(p, first, after) for p, first, after in wanted)
        )
        return dict(zip(wanted, found, strict=True))

    async def owners(self, ids: Sequence[str]) -> Mapping[str, Owner]:
        return await self._repository.owners([i for i in dict.fromkeys(ids) if is_ulid(i)])

    async def investments(self, lot_ids: Sequence[str]) -> Mapping[str, OwnedLot]:
        """Lots by id, whichever portfolios hold them: one batched lookup of their portfolios, then
        each portfolio's holdings (one batch) and, for lots used up, its history."""
        owners = await self.owners(lot_ids)
        portfolio_ids = list(dict.fromkeys(o.portfolio_id for o in owners.values()))
        holdings = await self._repository.holdings(portfolio_ids)
        found: dict[str, OwnedLot] = {}
        for holding in holdings.values():
            for lot in holding.open_lots:
                if lot.id in owners:
                    found[lot.id] = OwnedLot(lot, owners[lot.id].customer_id)
        missing = {owners[i].portfolio_id for i in owners if i not in found}
        histories = await self.histories(sorted(missing))
        for history in histories.values():
            for lot in history.closed_lots:
                if lot.id in owners:
                    found[lot.id] = OwnedLot(lot, owners[lot.id].customer_id)
        return found
