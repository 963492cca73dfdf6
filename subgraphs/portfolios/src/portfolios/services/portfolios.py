"""Use cases of portfolios themselves: open, rename, close."""

from __future__ import annotations

from kit.core.errors import InputProblems, Problem
from kit.core.ids import is_customer_id, is_ulid
from kit.core.principal import Principal
from kit.core.text import TextKind, trimmed

from portfolios.access import check_change, check_open_for, require_changer
from portfolios.domain.commands import PortfolioRequest
from portfolios.domain.model import CustomerStatus, Portfolio
from portfolios.domain.ports import CustomerDirectory, PortfolioRepository
from portfolios.domain.problems import forbidden_to_change, invalid_id, portfolio_gone
from portfolios.domain.validation import validate_name, validate_portfolio
from portfolios.services.common import Clock, IdFactory, retrying

_BY_ID = ("input", "id")


class PortfolioUseCases:
    def __init__(
        self, repository: PortfolioRepository, directory: CustomerDirectory, clock: Clock, new_id: IdFactory
    ) -> None:
        self._repository = repository
        self._directory = directory
        self._clock = clock
        self._new_id = new_id

    async def create_portfolio(self, caller: Principal, request: PortfolioRequest) -> Portfolio:
        """Opens a portfolio for `request.customer_id`: the customer itself, or an admin, may."""
        check_open_for(caller, trimmed(request.customer_id, TextKind.ID))
        return await retrying(lambda: self._create_portfolio(request))

    async def _create_portfolio(self, request: PortfolioRequest) -> Portfolio:
        customer_id = trimmed(request.customer_id, TextKind.ID)
        status = await self._directory.status(customer_id) if is_customer_id(customer_id) else None
        new = validate_portfolio(
            request,
            customer_registered=status is not None and status is not CustomerStatus.UNKNOWN,
            customer_closed=status is CustomerStatus.CLOSED,
        )
        now = self._clock()
        portfolio = new.create(self._new_id(now), now)
        await self._repository.create_portfolio(portfolio)
        return portfolio

    async def rename_portfolio(self, caller: Principal, portfolio_id: str, name: str) -> Portfolio:
        """Renames a portfolio, closed or not; the owner condition is part of the one conditional write."""
        require_changer(caller)
        portfolio_id = trimmed(portfolio_id, TextKind.ID)
        problems: list[Problem] = []
        if not is_ulid(portfolio_id):
            problems.append(invalid_id(_BY_ID))
        try:
            clean = validate_name(name)
        except InputProblems as error:
            problems.extend(error.problems)
        if problems:
            raise InputProblems(problems)
        owner = None if caller.is_admin else caller.customer_id
        renamed = await retrying(
            lambda: self._repository.rename_portfolio(portfolio_id, clean, owner, at=self._clock())
        )
        if renamed is None:
            if owner is not None:  # missing, or not the caller's: the same answer
                raise forbidden_to_change("portfolio", portfolio_id)
            raise portfolio_gone(_BY_ID)
        return renamed

    async def close_portfolio(self, caller: Principal, portfolio_id: str) -> Portfolio:
        """Closes a portfolio: its ledger then takes no change; everything stays readable."""
        require_changer(caller)
        portfolio_id = trimmed(portfolio_id, TextKind.ID)
        if not is_ulid(portfolio_id):
            raise InputProblems([invalid_id(_BY_ID)])
        owner = None if caller.is_admin else caller.customer_id
        closed = await retrying(lambda: self._repository.close_portfolio(portfolio_id, self._clock(), owner))
        check_change(caller, closed, "portfolio", portfolio_id)
        if closed is None:
            raise portfolio_gone(_BY_ID)
        return closed
