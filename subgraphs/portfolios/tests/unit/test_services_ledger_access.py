"""The ledger's use cases on fakes of the ports (no I/O): who may change a ledger, refused before
anything is read, validated or written; closed portfolios and customers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from kit.core.principal import Forbidden
from portfolios.domain.commands import CorrectionRequest
from portfolios.domain.model import ActivityType, PortfolioStatus
from portfolios.domain.ports import LedgerChange, StoredLedger
from portfolios.domain.problems import (
    CUSTOMER_CLOSED,
    INVALID,
    NOT_FOUND,
    PORTFOLIO_CLOSED,
)

from .fakes import FakeCustomerDirectory, FakePortfolioRepository
from .ledger_support import (
    APR1,
    FEB1,
    JAN10,
    MAY1,
)
from .world import (
    ADMIN,
    ALICE,
    ALICE_ID,
    BOB,
    OPERATOR,
    START,
    World,
    buy,
    cash,
    customer_event,
    d,
    new_ulid,
    refused,
    sell,
)

# --- access -------------------------------------------------------------------------------------


async def test_another_customer_is_forbidden_before_anything_is_validated_or_written() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    recorded = await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100))
    before = world.repository.snapshot()
    world.repository.calls.clear()

    invalid = buy(p, date(2030, 1, 1), "not a symbol", -1, -5)
    with pytest.raises(Forbidden) as refused_record:
        await world.ledger.record_activity(BOB, invalid)
    missing = new_ulid(42)
    with pytest.raises(Forbidden) as refused_missing:
        await world.ledger.record_activity(BOB, buy(missing, JAN10, "AAPL", 1, 1))
    # the same words whether the portfolio exists or not
    assert str(refused_record.value) == f"You may not change portfolio {p}."
    assert str(refused_missing.value) == f"You may not change portfolio {missing}."
    assert refused_record.value.code == "FORBIDDEN"

    with pytest.raises(Forbidden):
        await world.ledger.remove_activity(BOB, recorded.activity.id)
    with pytest.raises(Forbidden):
        await world.ledger.correct_activity(
            BOB, CorrectionRequest(activity_id=recorded.activity.id, quantity=d(-1))
        )
    # only the owner lookups were read: no ledger, no write
    assert set(world.repository.calls) == {"portfolio_and_idempotency", "owners"}
    assert world.repository.snapshot() == before


async def test_an_operator_is_refused_before_anything_is_read() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    recorded = await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100))
    world.repository.calls.clear()
    with pytest.raises(Forbidden):
        await world.ledger.record_activity(OPERATOR, buy(p, JAN10, "AAPL", 1, 1))
    with pytest.raises(Forbidden):
        await world.ledger.remove_activity(OPERATOR, recorded.activity.id)
    with pytest.raises(Forbidden):
        await world.ledger.correct_activity(OPERATOR, CorrectionRequest(activity_id=recorded.activity.id))
    assert world.repository.calls == []


async def test_an_admin_changes_any_portfolio_and_is_named_in_the_audit() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    recorded = await world.ledger.record_activity(ADMIN, buy(p, JAN10, "AAPL", 10, 100))
    assert world.audit(p)[-1].actor == "admin:admin-7"
    await world.ledger.remove_activity(ADMIN, recorded.activity.id)
    assert world.stored(p) == {}


async def test_an_unknown_activity_is_not_found_for_an_admin_and_forbidden_for_a_customer() -> None:
    world = World()
    await world.open_portfolio()
    unknown = new_ulid(7)
    problem = await refused(world.ledger.remove_activity(ADMIN, unknown))
    assert (problem.field, problem.code) == (("input", "activityId"), NOT_FOUND)
    problem = await refused(world.ledger.correct_activity(ADMIN, CorrectionRequest(activity_id=unknown)))
    assert problem.code == NOT_FOUND
    with pytest.raises(Forbidden) as caught:
        await world.ledger.remove_activity(ALICE, unknown)
    assert str(caught.value) == f"You may not change activity {unknown}."
    # an id that cannot be one says so to anyone (that tells nothing of anyone's data)
    problem = await refused(world.ledger.remove_activity(ALICE, "not-an-id"))
    assert (problem.field, problem.code) == (("input", "activityId"), INVALID)


async def test_an_admin_recording_into_a_missing_portfolio_is_told_it_is_not_found() -> None:
    world = World()
    problem = await refused(world.ledger.record_activity(ADMIN, buy(new_ulid(9), JAN10, "AAPL", 1, 1)))
    assert (problem.field, problem.code) == (("input", "portfolioId"), NOT_FOUND)


# --- closed portfolios and customers ----------------------------------------------------------


async def test_a_closed_portfolio_takes_no_change() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    recorded = await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100))
    await world.service.portfolios.close_portfolio(ALICE, p)
    before = world.repository.snapshot()

    problem = await refused(world.ledger.record_activity(ALICE, sell(p, APR1, "AAPL", 1, 100)))
    assert (problem.field, problem.code) == (("input", "portfolioId"), PORTFOLIO_CLOSED)
    problem = await refused(world.ledger.remove_activity(ALICE, recorded.activity.id))
    assert (problem.field, problem.code) == (("input", "activityId"), PORTFOLIO_CLOSED)
    problem = await refused(
        world.ledger.correct_activity(
            ALICE, CorrectionRequest(activity_id=recorded.activity.id, quantity=d(9))
        )
    )
    assert problem.code == PORTFOLIO_CLOSED
    assert world.repository.snapshot() == before


class ClosedMeanwhileRepository(FakePortfolioRepository):
    """The owner closes the portfolio after the use case's first read, before it reads the ledger."""

    async def ledger(self, portfolio_id: str) -> StoredLedger | None:
        portfolio = self.state.portfolios.get(portfolio_id)
        if portfolio is not None and not portfolio.is_closed:
            self.state.portfolios[portfolio_id] = replace(portfolio, status=PortfolioStatus.CLOSED)
        return await super().ledger(portfolio_id)


async def test_a_portfolio_closed_between_the_reads_takes_no_activity() -> None:
    world = World(ClosedMeanwhileRepository(FakeCustomerDirectory()))
    p = (await world.open_portfolio()).id
    problem = await refused(world.ledger.record_activity(ALICE, cash(p, ActivityType.DEPOSIT, JAN10, "5")))
    assert (problem.field, problem.code) == (("input", "portfolioId"), PORTFOLIO_CLOSED)
    assert world.repository.writes == [] and world.stored(p) == {}


async def test_a_closed_customer_may_sell_but_not_buy_nor_deposit() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100))
    await world.service.apply_customer_event(customer_event("CustomerClosed", ALICE_ID, 2))
    before = world.repository.snapshot()

    for inflow in (buy(p, FEB1, "AAPL", 1, 100), cash(p, ActivityType.DEPOSIT, FEB1, "500")):
        problem = await refused(world.ledger.record_activity(ALICE, inflow))
        assert (problem.field, problem.code) == (("input", "portfolioId"), CUSTOMER_CLOSED)
    assert world.repository.snapshot() == before

    await world.ledger.record_activity(ALICE, sell(p, APR1, "AAPL", 10, 150))
    await world.ledger.record_activity(ALICE, cash(p, ActivityType.WITHDRAWAL, MAY1, "1500"))
    assert world.books(p).holdings.cash == Decimal(-1000)  # -1000 + 1500 - 1500
    assert world.books(p).holdings.open_lots == ()


class ClosingRepository(FakePortfolioRepository):
    """The customer closes between the use case's status check and its write."""

    async def write(self, changes: Sequence[LedgerChange]) -> None:
        for change in changes:
            self.directory.close_now(change.portfolio.customer_id, START)
        await super().write(changes)


async def test_a_customer_closing_while_a_buy_is_recorded_stops_the_buy() -> None:
    directory = FakeCustomerDirectory()
    world = World(ClosingRepository(directory))
    p = (await world.open_portfolio()).id
    before = world.repository.snapshot()
    problem = await refused(world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100)))
    assert problem.code == CUSTOMER_CLOSED
    assert world.repository.snapshot() == before
    assert len(world.repository.attempted) == 1 and world.repository.writes == []
