"""The ledger's use cases on fakes of the ports (no I/O): transfers between two portfolios in one
write, and sales and transfers of specific lots.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from portfolios.domain.books import Term
from portfolios.domain.commands import ActivityRequest, CorrectionRequest, PickRequest
from portfolios.domain.model import ActivityType, AuditAction, CostBasisMethod
from portfolios.domain.problems import (
    INSUFFICIENT_QUANTITY,
    INVALID,
    NOT_FOUND,
    PORTFOLIO_CLOSED,
)

from .ledger_support import (
    APR1,
    FEB1,
    JAN10,
    MAR10,
    statement,
)
from .world import ALICE, ALICE_ID, BOB_ID, World, buy, d, money, new_ulid, refused, request, sell

# --- transfers ----------------------------------------------------------------------------------


async def _two_portfolios(world: World) -> tuple[str, str, str, str]:
    """Alice's sender with 10 @ 100 (2023-01-10) and 10 @ 200 (2024-03-10), and an empty receiver."""
    sender = (await world.open_portfolio(name="Taxable")).id
    receiver = (await world.open_portfolio(name="IRA")).id
    old = await world.ledger.record_activity(ALICE, buy(sender, date(2023, 1, 10), "AAPL", 10, 100))
    new = await world.ledger.record_activity(ALICE, buy(sender, MAR10, "AAPL", 10, 200))
    return sender, receiver, old.activity.id, new.activity.id


def transfer(sender: str, receiver: str, quantity: int, **more: Any) -> ActivityRequest:
    return request(
        sender,
        ActivityType.TRANSFER_OUT,
        APR1,
        symbol="AAPL",
        quantity=d(quantity),
        counterpart_portfolio_id=receiver,
        **more,
    )


async def test_a_transfer_out_writes_both_portfolios_at_once_and_lots_keep_date_and_cost() -> None:
    world = World()
    sender, receiver, old_lot, new_lot = await _two_portfolios(world)
    writes = len(world.repository.writes)

    recorded = await world.ledger.record_activity(ALICE, transfer(sender, receiver, 15))

    assert len(world.repository.writes) == writes + 1
    out_change, in_change = world.repository.writes[-1]
    (outgoing,) = out_change.put
    (incoming,) = in_change.put
    assert outgoing == recorded.activity and out_change.portfolio.id == sender
    assert incoming.type is ActivityType.TRANSFER_IN and in_change.portfolio.id == receiver
    assert (outgoing.counterpart_activity_id, incoming.counterpart_activity_id) == (incoming.id, outgoing.id)
    assert incoming.counterpart_portfolio_id == sender and incoming.occurred_on == APR1
    assert outgoing.moved == incoming.moved
    # FIFO: all of 2023's lot and 5 of March's, each with its date and cost
    assert [(m.source_lot_id, m.acquired_on, m.quantity, m.cost) for m in incoming.moved] == [
        (old_lot, date(2023, 1, 10), Decimal(10), Decimal(1000)),
        (new_lot, MAR10, Decimal(5), Decimal(1000)),
    ]
    arrived = world.books(receiver).holdings.open_lots
    assert [(lot.id, lot.acquired_on, lot.remaining_quantity, lot.remaining_cost) for lot in arrived] == [
        (m.lot_id, m.acquired_on, m.quantity, m.cost) for m in incoming.moved
    ]
    assert [lot.unit_price.value for lot in arrived] == [100, 200]
    (kept,) = world.books(sender).holdings.open_lots
    assert (kept.id, kept.remaining_quantity, kept.remaining_cost) == (new_lot, 5, 1000)
    # a transfer moves no cash, realizes nothing
    assert world.books(receiver).holdings.cash == 0
    assert world.books(sender).holdings.cash == -3000 and world.books(sender).holdings.realized == {}
    assert [e.action for e in (*out_change.audit, *in_change.audit)] == [AuditAction.RECORDED] * 2
    # the lots are found by id, in the receiver
    found = await world.reads.investments([m.lot_id for m in incoming.moved])
    assert {lot_id: (o.lot.portfolio_id, o.customer_id) for lot_id, o in found.items()} == {
        m.lot_id: (receiver, ALICE_ID) for m in incoming.moved
    }

    # held since 2023-01-10, sold 2024-06-01: LONG term in the receiver
    await world.ledger.record_activity(ALICE, sell(receiver, date(2024, 6, 1), "AAPL", 10, 300))
    (sale,) = world.books(receiver).history.sales
    (row,) = sale.rows
    assert (row.acquired_on, row.cost, row.term) == (date(2023, 1, 10), Decimal(1000), Term.LONG)


async def test_a_transfer_goes_only_to_the_same_customers_portfolio_in_the_same_currency() -> None:
    world = World()
    sender, receiver, _, _ = await _two_portfolios(world)
    euros = (await world.open_portfolio(currency="EUR", name="Euro")).id
    bobs = (await world.open_portfolio(BOB_ID)).id
    closed = (await world.open_portfolio(name="Closed")).id
    await world.service.portfolios.close_portfolio(ALICE, closed)
    before = world.repository.snapshot()

    problem = await refused(world.ledger.record_activity(ALICE, transfer(sender, euros, 5)))
    assert (problem.field, problem.code) == (("input", "counterpartPortfolioId"), INVALID)
    assert "USD" in problem.message and "EUR" in problem.message
    for elsewhere in (bobs, new_ulid(99)):
        problem = await refused(world.ledger.record_activity(ALICE, transfer(sender, elsewhere, 5)))
        assert (problem.field, problem.code) == (("input", "counterpartPortfolioId"), NOT_FOUND)
    problem = await refused(world.ledger.record_activity(ALICE, transfer(sender, closed, 5)))
    assert problem.code == PORTFOLIO_CLOSED
    problem = await refused(world.ledger.record_activity(ALICE, transfer(sender, receiver, 21)))
    assert (problem.field, problem.code) == (("input", "quantity"), INSUFFICIENT_QUANTITY)
    assert "2024-04-01" in problem.message
    problem = await refused(world.ledger.record_activity(ALICE, transfer(sender, sender, 5)))
    assert problem.field == ("input", "counterpartPortfolioId")
    assert world.repository.snapshot() == before


async def test_removing_a_transfer_out_removes_its_transfer_in() -> None:
    world = World()
    sender, receiver, _, _ = await _two_portfolios(world)
    sender_before = world.books(sender)
    recorded = await world.ledger.record_activity(ALICE, transfer(sender, receiver, 15))
    incoming_id = recorded.activity.counterpart_activity_id
    assert incoming_id is not None
    moved_ids = [m.lot_id for m in recorded.activity.moved]

    await world.ledger.remove_activity(ALICE, recorded.activity.id)

    out_change, in_change = world.repository.writes[-1]
    assert [a.id for a in out_change.deleted] == [recorded.activity.id]
    assert [a.id for a in in_change.deleted] == [incoming_id]
    assert [e.action for e in (*out_change.audit, *in_change.audit)] == [AuditAction.REMOVED] * 2
    assert world.books(receiver).lots() == []
    assert statement(world.books(sender)) == statement(sender_before)
    assert await world.reads.investments(moved_ids) == {}


async def test_removing_a_transfer_in_removes_its_transfer_out() -> None:
    world = World()
    sender, receiver, _, _ = await _two_portfolios(world)
    recorded = await world.ledger.record_activity(ALICE, transfer(sender, receiver, 5))
    incoming_id = recorded.activity.counterpart_activity_id
    assert incoming_id is not None
    await world.ledger.remove_activity(ALICE, incoming_id)
    assert world.stored(receiver) == {}
    assert recorded.activity.id not in world.stored(sender)
    assert sum(lot.remaining_quantity for lot in world.books(sender).holdings.open_lots) == 20


async def test_removing_a_transfer_whose_lots_the_receiver_sold_is_refused() -> None:
    world = World()
    sender, receiver, _, _ = await _two_portfolios(world)
    recorded = await world.ledger.record_activity(ALICE, transfer(sender, receiver, 15))
    await world.ledger.record_activity(ALICE, sell(receiver, date(2024, 6, 1), "AAPL", 10, 300))
    before = world.repository.snapshot()

    problem = await refused(world.ledger.remove_activity(ALICE, recorded.activity.id))

    assert (problem.field, problem.code) == (("input", "activityId"), INSUFFICIENT_QUANTITY)
    assert "On 2024-06-01" in problem.message and "only 0 AAPL" in problem.message
    assert world.repository.snapshot() == before


async def test_a_transfer_is_removed_and_recorded_again_not_corrected() -> None:
    world = World()
    sender, receiver, _, _ = await _two_portfolios(world)
    recorded = await world.ledger.record_activity(ALICE, transfer(sender, receiver, 5))
    before = world.repository.snapshot()
    problem = await refused(
        world.ledger.correct_activity(
            ALICE, CorrectionRequest(activity_id=recorded.activity.id, quantity=d(4))
        )
    )
    assert (problem.field, problem.code) == (("input", "activityId"), INVALID)
    assert world.repository.snapshot() == before


async def test_a_change_that_alters_the_cost_a_transfer_carried_is_refused() -> None:
    world = World()
    sender, receiver, old_lot, _ = await _two_portfolios(world)
    await world.ledger.record_activity(ALICE, transfer(sender, receiver, 5))  # 5 of 2023's lot, cost 500
    before = world.repository.snapshot()
    problem = await refused(
        world.ledger.correct_activity(ALICE, CorrectionRequest(activity_id=old_lot, price=money("90", "USD")))
    )
    assert problem.code == "TRANSFER_CHANGED" and "2024-04-01" in problem.message
    assert world.repository.snapshot() == before


async def test_a_transfer_may_name_its_lots() -> None:
    world = World()
    sender, receiver, _, new_lot = await _two_portfolios(world)
    recorded = await world.ledger.record_activity(
        ALICE,
        transfer(sender, receiver, 5, lots=(PickRequest(new_lot, d(5)),)),
    )
    (moved,) = recorded.activity.moved
    assert (moved.source_lot_id, moved.acquired_on, moved.quantity, moved.cost) == (new_lot, MAR10, 5, 1000)


# --- specific lots ------------------------------------------------------------------------------


async def test_a_sale_may_name_its_lots() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    january = await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100))
    march = await world.ledger.record_activity(ALICE, buy(p, MAR10, "AAPL", 10, 200))
    sold = await world.ledger.record_activity(
        ALICE, sell(p, APR1, "AAPL", 5, 300, lots=(PickRequest(march.activity.id, d(5)),))
    )
    (sale,) = world.books(p).history.sales
    (row,) = sale.rows
    assert (row.lot_id, row.quantity, row.proceeds, row.cost) == (march.activity.id, 5, 1500, 1000)
    assert sold.activity.picks[0].lot_id == march.activity.id
    remaining = {lot.id: lot.remaining_quantity for lot in world.books(p).holdings.open_lots}
    assert remaining == {january.activity.id: 10, march.activity.id: 5}

    # naming a lot the sale cannot have on its date
    before = world.repository.snapshot()
    problem = await refused(
        world.ledger.record_activity(
            ALICE, sell(p, FEB1, "AAPL", 1, 300, lots=(PickRequest(march.activity.id, d(1)),))
        )
    )
    assert (problem.field, problem.code) == (("input", "lots"), "LOT_UNAVAILABLE")
    assert "2024-02-01" in problem.message
    assert world.repository.snapshot() == before


async def test_an_average_portfolio_refuses_named_lots() -> None:
    world = World()
    p = (await world.open_portfolio(method=CostBasisMethod.AVERAGE)).id
    bought = await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100))
    before = world.repository.snapshot()
    problem = await refused(
        world.ledger.record_activity(
            ALICE, sell(p, APR1, "AAPL", 5, 300, lots=(PickRequest(bought.activity.id, d(5)),))
        )
    )
    assert (problem.field, problem.code) == (("input", "lots"), INVALID)
    assert "AVERAGE" in problem.message
    assert world.repository.snapshot() == before


async def test_a_sale_takes_any_number_of_lots_in_one_write() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    for day in range(1, 151):
        on = date(2023, 1, 1).fromordinal(date(2023, 1, 1).toordinal() + day)
        await world.ledger.record_activity(ALICE, buy(p, on, "AAPL", 1, day))
    writes = len(world.repository.writes)
    await world.ledger.record_activity(ALICE, sell(p, date(2024, 6, 3), "AAPL", 150, 200))
    assert len(world.repository.writes) == writes + 1
    (sale,) = world.books(p).history.sales
    assert len(sale.rows) == 150
    assert sale.cost == sum(range(1, 151)) == sum(r.cost for r in sale.rows)  # 11325
    assert sale.proceeds == 30000 == sum(r.proceeds for r in sale.rows)
    assert world.books(p).holdings.open_lots == ()
