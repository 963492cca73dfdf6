"""The portfolio use cases (services/portfolios.py) against the in-memory fakes: open, rename,
close (the customer events the service follows: test_services_directory.py)."""

from __future__ import annotations

import pytest
from kit.core.errors import InputProblems
from kit.core.principal import Forbidden
from portfolios.domain.commands import PortfolioRequest
from portfolios.domain.model import CostBasisMethod, PortfolioKind, PortfolioStatus
from portfolios.domain.problems import CUSTOMER_CLOSED, INVALID, NOT_FOUND

from .world import (
    ADMIN,
    ALICE,
    ALICE_ID,
    BOB,
    BOB_ID,
    OPERATOR,
    START,
    World,
    customer_event,
    new_ulid,
    refused,
)


def opening(customer_id: str, *, currency: str = "USD", name: str = "Retirement") -> PortfolioRequest:
    return PortfolioRequest(customer_id, name, PortfolioKind.IRA, currency, CostBasisMethod.HIFO)


async def test_a_customer_opens_a_portfolio_for_itself_with_empty_books() -> None:
    world = World()
    await world.directory.register(ALICE_ID, START)
    portfolio = await world.service.portfolios.create_portfolio(
        ALICE, opening(ALICE_ID, name="  Retirement ")
    )
    assert (portfolio.customer_id, portfolio.name, portfolio.kind) == (
        ALICE_ID,
        "Retirement",
        PortfolioKind.IRA,
    )
    assert (portfolio.base_currency, portfolio.cost_basis_method) == ("USD", CostBasisMethod.HIFO)
    assert portfolio.created_at == START and portfolio.status is PortfolioStatus.OPEN
    assert world.repository.state.portfolios == {portfolio.id: portfolio}
    assert world.version(portfolio.id) == 0
    holdings = (await world.reads.holdings([portfolio.id]))[portfolio.id]
    assert (holdings.open_lots, holdings.cash, holdings.version) == ((), 0, 0)


async def test_opening_for_someone_else_is_forbidden_before_anything_is_read() -> None:
    world = World()
    await world.directory.register(ALICE_ID, START)
    for caller in (BOB, OPERATOR):
        with pytest.raises(Forbidden):
            await world.service.portfolios.create_portfolio(caller, opening(ALICE_ID))
    assert world.repository.calls == [] and world.repository.state.portfolios == {}
    # an admin may
    portfolio = await world.service.portfolios.create_portfolio(ADMIN, opening(ALICE_ID))
    assert portfolio.customer_id == ALICE_ID


async def test_opening_needs_a_registered_open_customer_and_a_valid_input() -> None:
    world = World()
    problem = await refused(world.service.portfolios.create_portfolio(ADMIN, opening(ALICE_ID)))
    assert (problem.field, problem.code) == (("input", "customerId"), NOT_FOUND)

    await world.service.apply_customer_event(customer_event("CustomerRegistered", BOB_ID, 1))
    await world.service.apply_customer_event(customer_event("CustomerClosed", BOB_ID, 2))
    problem = await refused(world.service.portfolios.create_portfolio(BOB, opening(BOB_ID)))
    assert (problem.field, problem.code) == (("input", "customerId"), CUSTOMER_CLOSED)

    await world.directory.register(ALICE_ID, START)
    with pytest.raises(InputProblems) as caught:
        await world.service.portfolios.create_portfolio(ALICE, opening(ALICE_ID, currency="XX", name=""))
    assert {(p.field, p.code) for p in caught.value.problems} == {
        (("input", "name"), INVALID),
        (("input", "baseCurrency"), INVALID),
    }
    assert world.repository.state.portfolios == {}


async def test_rename_by_the_owner_or_an_admin_only() -> None:
    world = World()
    portfolio = await world.open_portfolio()
    renamed = await world.service.portfolios.rename_portfolio(ALICE, portfolio.id, " Kids ")
    assert renamed.name == "Kids" == world.repository.state.portfolios[portfolio.id].name

    for caller in (BOB, OPERATOR):
        with pytest.raises(Forbidden):
            await world.service.portfolios.rename_portfolio(caller, portfolio.id, "Mine now")
    missing = new_ulid(5)
    with pytest.raises(Forbidden) as caught:  # missing or not yours: the same answer
        await world.service.portfolios.rename_portfolio(BOB, missing, "Mine")
    assert str(caught.value) == f"You may not change portfolio {missing}."
    problem = await refused(world.service.portfolios.rename_portfolio(ADMIN, missing, "Any"))
    assert (problem.field, problem.code) == (("input", "id"), NOT_FOUND)
    assert (await world.service.portfolios.rename_portfolio(ADMIN, portfolio.id, "Audited")).name == "Audited"

    with pytest.raises(InputProblems) as both:
        await world.service.portfolios.rename_portfolio(ALICE, "nope", "")
    assert {p.field for p in both.value.problems} == {("input", "id"), ("input", "name")}
    assert world.repository.state.portfolios[portfolio.id].name == "Audited"


async def test_close_is_final_and_only_the_owners_or_an_admins() -> None:
    world = World()
    portfolio = await world.open_portfolio()
    with pytest.raises(Forbidden):
        await world.service.portfolios.close_portfolio(BOB, portfolio.id)
    assert not world.repository.state.portfolios[portfolio.id].is_closed

    closed_at = world.clock.advance(days=1)
    closed = await world.service.portfolios.close_portfolio(ALICE, portfolio.id)
    assert (closed.status, closed.closed_at) == (PortfolioStatus.CLOSED, closed_at)
    world.clock.advance(days=1)
    again = await world.service.portfolios.close_portfolio(ADMIN, portfolio.id)
    assert again.closed_at == closed_at  # the first closing time stays

    problem = await refused(world.service.portfolios.close_portfolio(ADMIN, new_ulid(3)))
    assert (problem.field, problem.code) == (("input", "id"), NOT_FOUND)
    with pytest.raises(Forbidden):
        await world.service.portfolios.close_portfolio(ALICE, new_ulid(3))
    problem = await refused(world.service.portfolios.close_portfolio(ALICE, "nope"))
    assert problem.code == INVALID
