"""The events the portfolios use cases write with their changes (on fakes of the ports): one per
change of a portfolio and one per activity a ledger change touches, numbered by the portfolio's
event sequence, with ids, type, symbol and trade date only; none for a refused change."""

from __future__ import annotations

from datetime import date
from typing import Any

from portfolios.domain.commands import CorrectionRequest
from portfolios.domain.model import ActivityType

from .fakes import ConflictingRepository, FakeCustomerDirectory
from .ledger_support import APR1, JAN10, MAR10
from .world import ALICE, ALICE_ID, START, World, buy, cash, d, refused, request, sell


def activity_data(portfolio_id: str, activity_id: str, kind: str, on: date, **more: str) -> dict[str, Any]:
    return {
        "portfolioId": portfolio_id,
        "customerId": ALICE_ID,
        "activityId": activity_id,
        "activityType": kind,
        "tradeDate": on.isoformat(),
        **more,
    }


async def test_each_change_is_one_event_numbered_on_from_the_opening() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    bought = (await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100))).activity
    deposit = (await world.ledger.record_activity(ALICE, cash(p, ActivityType.DEPOSIT, JAN10, 500))).activity
    await world.ledger.correct_activity(
        ALICE, CorrectionRequest(activity_id=bought.id, occurred_at=MAR10, symbol="MSFT")
    )
    await world.ledger.correct_activity(
        ALICE, CorrectionRequest(activity_id=bought.id, quantity=bought.quantity + 1)
    )
    await world.ledger.remove_activity(ALICE, deposit.id)
    await world.service.portfolios.rename_portfolio(ALICE, p, "Renamed")
    await world.service.portfolios.close_portfolio(ALICE, p)
    owner = {"portfolioId": p, "customerId": ALICE_ID}
    assert world.repository.published(p) == [
        ("PortfolioOpened", 1, {**owner, "baseCurrency": "USD"}),
        ("ActivityRecorded", 2, activity_data(p, bought.id, "BUY", JAN10, symbol="AAPL")),
        ("ActivityRecorded", 3, activity_data(p, deposit.id, "DEPOSIT", JAN10)),  # no symbol, no amount
        (
            "ActivityCorrected",
            4,
            activity_data(
                p,
                bought.id,
                "BUY",
                MAR10,
                symbol="MSFT",
                previousSymbol="AAPL",
                previousTradeDate="2024-01-10",
            ),
        ),
        (
            "ActivityCorrected",
            5,
            activity_data(p, bought.id, "BUY", MAR10, symbol="MSFT"),
        ),  # same symbol, date
        ("ActivityRemoved", 6, activity_data(p, deposit.id, "DEPOSIT", JAN10)),
        ("PortfolioRenamed", 7, owner),  # no name
        ("PortfolioClosed", 8, owner),
    ]
    assert all(event.occurred_at == START for event, _ in world.repository.state.events)


async def test_changes_that_change_nothing_or_are_refused_write_no_event() -> None:
    world = World()
    p = (await world.open_portfolio(name="Same")).id
    bought = (await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100))).activity
    await world.ledger.record_activity(ALICE, sell(p, APR1, "AAPL", 10, 120))
    published = world.repository.published()
    await world.service.portfolios.rename_portfolio(ALICE, p, "Same")
    await world.ledger.correct_activity(
        ALICE, CorrectionRequest(activity_id=bought.id, symbol="AAPL")
    )  # as it is
    await refused(world.ledger.record_activity(ALICE, sell(p, APR1, "AAPL", 1, 120)))  # nothing left
    await refused(world.ledger.remove_activity(ALICE, bought.id))  # the sale needs it
    await world.service.portfolios.close_portfolio(ALICE, p)
    await world.service.portfolios.close_portfolio(ALICE, p)  # closed already
    await refused(world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 1, 100)))  # closed
    assert world.repository.published() == [
        *published,
        ("PortfolioClosed", 4, {"portfolioId": p, "customerId": ALICE_ID}),
    ]


async def test_a_transfer_writes_one_event_in_each_portfolio() -> None:
    world = World()
    sender = (await world.open_portfolio(name="Taxable")).id
    receiver = (await world.open_portfolio(name="IRA")).id
    await world.ledger.record_activity(ALICE, buy(sender, JAN10, "AAPL", 10, 100))
    out = (
        await world.ledger.record_activity(
            ALICE,
            request(
                sender,
                ActivityType.TRANSFER_OUT,
                APR1,
                symbol="AAPL",
                quantity=d(4),
                counterpart_portfolio_id=receiver,
            ),
        )
    ).activity
    incoming = world.stored(receiver)[out.counterpart_activity_id or ""]
    assert world.repository.published(sender)[-1] == (
        "ActivityRecorded",
        3,
        activity_data(sender, out.id, "TRANSFER_OUT", APR1, symbol="AAPL"),
    )
    assert world.repository.published(receiver)[-1] == (
        "ActivityRecorded",
        2,
        activity_data(receiver, incoming.id, "TRANSFER_IN", APR1, symbol="AAPL"),
    )
    await world.ledger.remove_activity(ALICE, incoming.id)  # goes with its other half
    assert [(t, n) for t, n, _ in world.repository.published(sender)[-1:]] == [("ActivityRemoved", 4)]
    assert [(t, n) for t, n, _ in world.repository.published(receiver)[-1:]] == [("ActivityRemoved", 3)]


async def test_a_write_that_conflicts_writes_no_event_and_the_retry_writes_one() -> None:
    repository = ConflictingRepository(FakeCustomerDirectory(), conflicts=0)
    world = World(repository)
    p = (await world.open_portfolio()).id
    repository.conflicts = 3
    await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100))
    assert len(repository.attempted) == 4
    assert [(t, n) for t, n, _ in repository.published(p)] == [
        ("PortfolioOpened", 1),
        ("ActivityRecorded", 2),
    ]
