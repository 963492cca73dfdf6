"""A `PortfolioService` on the fakes of its ports (`fakes`), for the use cases' unit tests: a fixed,
advanceable clock, an id factory giving increasing ULIDs at the clock's time, principals, requests,
and `World`, which wires them together.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from kit.aws.consumer import IncomingEvent
from kit.core.errors import InputProblems, Problem
from kit.core.principal import Principal, Role
from kit_testing import FixedClock
from kit_testing.queues import event_detail, incoming
from portfolios.domain.books import Books
from portfolios.domain.commands import ActivityRequest, MoneyRequest, PortfolioRequest
from portfolios.domain.model import (
    Activity,
    ActivityType,
    AuditEntry,
    CostBasisMethod,
    CustomerStatus,
    Portfolio,
    PortfolioKind,
)
from portfolios.services import PortfolioService
from ulid import ULID

from .fakes import (
    FakeCustomerDirectory,
    FakePortfolioRepository,
)
from .fx_fakes import FakeFxReferenceRates

START = datetime(2024, 12, 2, 9, 30, tzinfo=UTC)


def customer_event(
    type_: str, customer_id: str, sequence: int, *, event_id: str | None = None, at: datetime = START
) -> IncomingEvent:
    """A customer event as the event queue delivers it (e.g. "CustomerClosed", the customer's version)."""
    detail = event_detail(
        type_, customer_id, sequence, {"customerId": customer_id}, event_id=event_id, occurred_at=at
    )
    return incoming(detail)


class IncreasingIds:
    """ULIDs whose time part is the instant given (like `services.common.ulid_at`) and whose random
    part counts up, so that ids made at one fixed instant still sort in the order they were made."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, at: datetime) -> str:
        self.count += 1
        milliseconds = int(at.timestamp() * 1000)
        return str(ULID.from_int((milliseconds << 80) | self.count))


def new_ulid(n: int) -> str:
    """A well-formed id that nothing in the fakes has (the time part is the epoch)."""
    return str(ULID.from_int(n))


def customer(customer_id: str) -> Principal:
    return Principal.of(customer_id, [Role.CUSTOMER])


ADMIN = Principal.of("admin-7", [Role.ADMIN])


OPERATOR = Principal.of("operator-3", [Role.OPERATOR])


ALICE_ID = new_ulid(0xA11CE)


BOB_ID = new_ulid(0xB0B)


ALICE = customer(ALICE_ID)


BOB = customer(BOB_ID)


# --- building requests --------------------------------------------------------------------------


def usd(amount: str | int) -> MoneyRequest:
    return MoneyRequest(Decimal(amount), "USD")


def money(amount: str | int, currency: str) -> MoneyRequest:
    return MoneyRequest(Decimal(amount), currency)


def d(value: str | int) -> Decimal:
    return Decimal(value)


def request(portfolio_id: str, kind: ActivityType, on: date, **fields: Any) -> ActivityRequest:
    return ActivityRequest(portfolio_id=portfolio_id, type=kind, occurred_at=on, **fields)


def buy(
    portfolio_id: str, on: date, symbol: str, quantity: str | int, price: str | int, **more: Any
) -> ActivityRequest:
    return request(
        portfolio_id, ActivityType.BUY, on, symbol=symbol, quantity=d(quantity), price=usd(price), **more
    )


def sell(
    portfolio_id: str, on: date, symbol: str, quantity: str | int, price: str | int, **more: Any
) -> ActivityRequest:
    return request(
        portfolio_id, ActivityType.SELL, on, symbol=symbol, quantity=d(quantity), price=usd(price), **more
    )


def cash(portfolio_id: str, kind: ActivityType, on: date, amount: str | int, **more: Any) -> ActivityRequest:
    return request(portfolio_id, kind, on, amount=usd(amount), **more)


async def refused(call: Awaitable[object]) -> Problem:
    """The one userError `call` is refused with."""
    with pytest.raises(InputProblems) as caught:
        await call
    assert len(caught.value.problems) == 1, caught.value.problems
    return caught.value.problems[0]


class World:
    """A `PortfolioService` on the fakes, with a fixed clock and increasing ids."""

    def __init__(
        self,
        repository: FakePortfolioRepository | None = None,
        *,
        attempts: int = 60,
        fx_rates: FakeFxReferenceRates | None = None,
    ) -> None:
        self.directory = repository.directory if repository is not None else FakeCustomerDirectory()
        self.repository = repository or FakePortfolioRepository(self.directory)
        self.fx_rates = fx_rates or FakeFxReferenceRates()
        self.clock = FixedClock(START)
        self.ids = IncreasingIds()
        self.service = PortfolioService(
            self.repository,
            self.directory,
            self.fx_rates,
            clock=self.clock,
            new_id=self.ids,
            attempts=attempts,
        )
        self.ledger = self.service.ledger
        self.reads = self.service.reads

    async def open_portfolio(
        self,
        owner: str = ALICE_ID,
        *,
        method: CostBasisMethod = CostBasisMethod.FIFO,
        currency: str = "USD",
        name: str = "Brokerage",
    ) -> Portfolio:
        if self.directory.status_now(owner) is CustomerStatus.UNKNOWN:
            await self.directory.register(owner, self.clock())
        return await self.service.portfolios.create_portfolio(
            ADMIN, PortfolioRequest(owner, name, PortfolioKind.BROKERAGE, currency, method)
        )

    def stored(self, portfolio_id: str) -> dict[str, Activity]:
        return self.repository.state.activities[portfolio_id]

    def books(self, portfolio_id: str) -> Books:
        return self.repository.state.books[portfolio_id]

    def version(self, portfolio_id: str) -> int:
        return self.repository.state.versions[portfolio_id]

    def audit(self, portfolio_id: str) -> list[AuditEntry]:
        return self.repository.state.audit[portfolio_id]
