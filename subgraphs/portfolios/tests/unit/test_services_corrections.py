"""The ledger's use cases on fakes of the ports (no I/O): removing and correcting activities, refused
with the date when history becomes impossible, nothing written; the audit trail.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from portfolios.domain.commands import KEEP, CorrectionRequest
from portfolios.domain.model import ActivityType, AuditAction
from portfolios.domain.problems import (
    INSUFFICIENT_QUANTITY,
    INVALID,
    NOT_FOUND,
)

from .ledger_support import (
    APR1,
    JAN10,
    MAR10,
    MAY1,
)
from .world import ADMIN, ALICE, ALICE_ID, World, buy, d, money, refused, sell

# --- removing -----------------------------------------------------------------------------------


async def test_removing_a_sale_gives_its_lots_and_cash_back() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    bought = await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100))
    sold = await world.ledger.record_activity(ALICE, sell(p, APR1, "AAPL", 4, 300))
    assert world.books(p).holdings.realized == {"AAPL": Decimal(800)}  # 1200 - 400

    changed = await world.ledger.remove_activity(ALICE, sold.activity.id)

    assert changed.activity == sold.activity
    books = world.books(p)
    (lot,) = books.holdings.open_lots
    assert (lot.id, lot.remaining_quantity, lot.remaining_cost) == (bought.activity.id, 10, 1000)
    assert books.holdings.realized_gain.value == 0 and books.history.sales == ()
    assert books.holdings.cash == Decimal(-1000)
    assert list(world.stored(p)) == [bought.activity.id]
    (change,) = world.repository.writes[-1]
    assert change.deleted == (sold.activity,) and change.put == ()
    (entry,) = change.audit
    assert (entry.action, entry.before, entry.after) == (AuditAction.REMOVED, sold.activity, None)


async def test_removing_a_buy_a_later_sale_needed_is_refused_naming_the_sale_date() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    january = await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100))
    march = await world.ledger.record_activity(ALICE, buy(p, MAR10, "AAPL", 10, 200))
    await world.ledger.record_activity(ALICE, sell(p, APR1, "AAPL", 15, 300))
    before = world.repository.snapshot()

    for needed in (january, march):
        problem = await refused(world.ledger.remove_activity(ALICE, needed.activity.id))
        assert (problem.field, problem.code) == (("input", "activityId"), INSUFFICIENT_QUANTITY)
        assert "On 2024-04-01" in problem.message and "only 10 AAPL" in problem.message
    assert world.repository.snapshot() == before


async def test_removing_a_buy_no_sale_needed_is_accepted() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100))
    march = await world.ledger.record_activity(ALICE, buy(p, MAR10, "AAPL", 10, 200))
    await world.ledger.record_activity(ALICE, sell(p, APR1, "AAPL", 5, 300))
    await world.ledger.remove_activity(ALICE, march.activity.id)
    (lot,) = world.books(p).holdings.open_lots
    assert (lot.acquired_on, lot.remaining_quantity) == (JAN10, 5)


async def test_remove_investment_finds_buys_only() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    bought = await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100))
    sold = await world.ledger.record_activity(ALICE, sell(p, APR1, "AAPL", 4, 300))
    problem = await refused(
        world.ledger.remove_activity(ALICE, sold.activity.id, field=("input", "id"), only=ActivityType.BUY)
    )
    assert (problem.field, problem.code, problem.message) == (
        ("input", "id"),
        NOT_FOUND,
        "No investment has this id.",
    )
    # the sale needs the buy
    problem = await refused(
        world.ledger.remove_activity(ALICE, bought.activity.id, field=("input", "id"), only=ActivityType.BUY)
    )
    assert problem.code == INSUFFICIENT_QUANTITY
    await world.ledger.remove_activity(ALICE, sold.activity.id)
    changed = await world.ledger.remove_activity(
        ALICE, bought.activity.id, field=("input", "id"), only=ActivityType.BUY
    )
    assert changed.activity.id == bought.activity.id and changed.lot() is None
    assert world.stored(p) == {}


# --- correcting ---------------------------------------------------------------------------------


async def test_correcting_a_buys_date_deletes_the_old_entry_puts_the_new_and_replays() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100))
    march = await world.ledger.record_activity(ALICE, buy(p, MAR10, "AAPL", 10, 200))
    await world.ledger.record_activity(ALICE, sell(p, APR1, "AAPL", 10, 300))
    assert world.books(p).holdings.realized == {"AAPL": Decimal(2000)}  # FIFO: January's, 3000 - 1000
    world.clock.advance(days=1)

    changed = await world.ledger.correct_activity(
        ALICE, CorrectionRequest(activity_id=march.activity.id, occurred_at=date(2024, 1, 5))
    )

    old = march.activity
    new = changed.activity
    assert (new.id, new.occurred_on, new.recorded_at) == (old.id, date(2024, 1, 5), old.recorded_at)
    assert (new.quantity, new.price) == (old.quantity, old.price)
    (change,) = world.repository.writes[-1]
    assert change.deleted == (old,) and change.put == (new,)
    assert world.stored(p)[old.id] == new
    (entry,) = change.audit
    assert (entry.action, entry.before, entry.after) == (AuditAction.CORRECTED, old, new)
    assert entry.at == world.clock.now
    # the corrected lot is now the oldest: FIFO's April sale takes it, 3000 - 2000
    assert world.books(p).holdings.realized == {"AAPL": Decimal(1000)}
    assert changed.books == world.books(p)


async def test_correction_that_makes_history_impossible_is_refused_and_writes_nothing() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    bought = await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100))
    await world.ledger.record_activity(ALICE, sell(p, APR1, "AAPL", 8, 300))
    before = world.repository.snapshot()

    too_few = CorrectionRequest(activity_id=bought.activity.id, quantity=d(5))
    problem = await refused(world.ledger.correct_activity(ALICE, too_few))
    assert problem.code == INSUFFICIENT_QUANTITY and "2024-04-01" in problem.message
    too_late = CorrectionRequest(activity_id=bought.activity.id, occurred_at=MAY1)
    problem = await refused(world.ledger.correct_activity(ALICE, too_late))
    assert problem.code == INSUFFICIENT_QUANTITY and "On 2024-04-01" in problem.message
    assert world.repository.snapshot() == before


async def test_correction_that_changes_nothing_writes_nothing() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    bought = await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100))
    writes = len(world.repository.writes)
    changed = await world.ledger.correct_activity(
        ALICE, CorrectionRequest(activity_id=bought.activity.id, quantity=d("10.000"))
    )
    assert changed.books is None and changed.activity == bought.activity
    assert len(world.repository.writes) == writes


async def test_correct_investment_reprices_a_lot_and_finds_buys_only() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    bought = await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100))
    sold = await world.ledger.record_activity(ALICE, sell(p, APR1, "AAPL", 4, 300))
    changed = await world.ledger.correct_investment(
        ALICE, CorrectionRequest(activity_id=bought.activity.id, price=money("90", "USD"), id_field="id")
    )
    lot = changed.lot()
    assert lot is not None and (lot.cost, lot.remaining_cost) == (900, 540)  # 6 of 10 left
    assert world.books(p).holdings.realized == {"AAPL": Decimal(840)}  # 1200 - 4 * 90

    problem = await refused(
        world.ledger.correct_investment(
            ALICE, CorrectionRequest(activity_id=sold.activity.id, quantity=d(1), id_field="id")
        )
    )
    assert (problem.field, problem.code) == (("input", "id"), NOT_FOUND)


async def test_correction_is_validated_as_a_new_record() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    bought = await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100))
    before = world.repository.snapshot()
    problem = await refused(
        world.ledger.correct_activity(
            ALICE, CorrectionRequest(activity_id=bought.activity.id, quantity=d(-1))
        )
    )
    assert (problem.field, problem.code) == (("input", "quantity"), INVALID)
    future = date(2025, 1, 1)
    problem = await refused(
        world.ledger.correct_activity(
            ALICE, CorrectionRequest(activity_id=bought.activity.id, occurred_at=future)
        )
    )
    assert problem.field == ("input", "occurredAt")
    assert world.repository.snapshot() == before
    assert CorrectionRequest(activity_id="x").quantity is KEEP


# --- the audit trail ----------------------------------------------------------------------------


async def test_audit_trail_keeps_who_when_before_and_after_of_every_change() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    t1 = world.clock()
    recorded = await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100))
    t2 = world.clock.advance(hours=1)
    corrected = await world.ledger.correct_activity(
        ADMIN, CorrectionRequest(activity_id=recorded.activity.id, note="broker statement")
    )
    t3 = world.clock.advance(hours=1)
    await world.ledger.remove_activity(ALICE, recorded.activity.id)

    trail = world.audit(p)
    assert [(e.action, e.actor, e.at) for e in trail] == [
        (AuditAction.RECORDED, f"customer:{ALICE_ID}", t1),
        (AuditAction.CORRECTED, "admin:admin-7", t2),
        (AuditAction.REMOVED, f"customer:{ALICE_ID}", t3),
    ]
    assert [(e.before, e.after) for e in trail] == [
        (None, recorded.activity),
        (recorded.activity, corrected.activity),
        (corrected.activity, None),
    ]
    assert corrected.activity.note == "broker statement"
    assert {e.activity_id for e in trail} == {recorded.activity.id}
    # the trail moves nothing: the buy is gone from the books
    assert world.books(p).lots() == []

    key = (p, 2, None)
    page = (await world.reads.audit_trails([key]))[key]
    assert [e.action for e in page.entries] == [AuditAction.REMOVED, AuditAction.CORRECTED]
    assert page.has_next
    after = (p, 2, page.entries[-1].id)
    rest = (await world.reads.audit_trails([after]))[after]
    assert [e.action for e in rest.entries] == [AuditAction.RECORDED] and not rest.has_next
