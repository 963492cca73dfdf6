"""The ledger's use cases (services/ledger.py) against the in-memory fakes: record, correct and
remove activities; every number below is worked out by hand in the comments beside it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from kit.core.errors import InputProblems
from kit.core.principal import Forbidden
from portfolios.domain.books import Books, Term
from portfolios.domain.commands import KEEP, ActivityRequest, CorrectionRequest, PickRequest
from portfolios.domain.ledger import Ledger
from portfolios.domain.model import ActivityType, AuditAction, CostBasisMethod, PortfolioStatus
from portfolios.domain.ports import LedgerChange, StoredLedger
from portfolios.domain.problems import (
    CONFLICT,
    CUSTOMER_CLOSED,
    FX_RATE_REQUIRED,
    IDEMPOTENCY_KEY_REUSED,
    INSUFFICIENT_QUANTITY,
    INVALID,
    NOT_FOUND,
    PORTFOLIO_CLOSED,
)

from .fakes import (
    ADMIN,
    ALICE,
    ALICE_ID,
    BOB,
    BOB_ID,
    OPERATOR,
    START,
    ConflictingRepository,
    FakeCustomerDirectory,
    FakePortfolioRepository,
    World,
    buy,
    cash,
    d,
    money,
    new_ulid,
    refused,
    request,
    sell,
)

JAN10 = date(2024, 1, 10)
FEB1 = date(2024, 2, 1)
MAR10 = date(2024, 3, 10)
APR1 = date(2024, 4, 1)
MAY1 = date(2024, 5, 1)


def statement(books: Books) -> tuple[object, ...]:
    """The books without ids or recording times: what must not depend on the order of typing."""
    lots = tuple(
        (lot.symbol, lot.acquired_on, lot.quantity, lot.remaining_quantity, lot.remaining_cost)
        for lot in books.lots()
    )
    sales = tuple(
        (
            sale.sold_on,
            sale.quantity,
            sale.proceeds,
            sale.cost,
            tuple((r.acquired_on, r.quantity, r.proceeds, r.cost) for r in sale.rows),
        )
        for sale in books.history.sales
    )
    income = tuple((line.received_on, line.type, line.amount) for line in books.history.income)
    return lots, books.holdings.cash, dict(books.holdings.realized), sales, income


# --- recording ----------------------------------------------------------------------------------


async def test_every_activity_type_recorded_moves_cash_lots_and_income_as_worked_by_hand() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    steps = [
        cash(p, ActivityType.DEPOSIT, date(2024, 1, 2), "10000"),  # cash 10000
        buy(p, JAN10, "AAPL", 10, 150, fees=money("1", "USD")),  # -1501: 8499, lot cost 1501
        request(  # +12.50 - 0.50 fees: 8511.00; income 12.50 (gross)
            p,
            ActivityType.DIVIDEND,
            FEB1,
            symbol="AAPL",
            amount=money("12.50", "USD"),
            fees=money("0.50", "USD"),
        ),
        cash(p, ActivityType.INTEREST, date(2024, 2, 28), "3.21"),  # 8514.21; income 3.21
        request(p, ActivityType.SPLIT, date(2024, 3, 1), symbol="AAPL", split_from=d(1), split_to=d(4)),
        # 40 shares, cost 1501. Sell 20 @ 50 less 1 fee: proceeds 999, cost 20/40 of 1501 = 750.50
        sell(p, APR1, "AAPL", 20, 50, fees=money("1", "USD")),  # cash 9513.21
        cash(p, ActivityType.FEE, date(2024, 4, 15), "10"),  # 9503.21
        cash(p, ActivityType.TAX, date(2024, 4, 30), "48.21", symbol="AAPL"),  # 9455.00
        cash(p, ActivityType.WITHDRAWAL, MAY1, "455"),  # 9000.00
    ]
    for step in steps:
        recorded = await world.ledger.record_activity(ALICE, step)
        assert recorded.activity.type is step.type
        assert not recorded.replayed

    books = world.books(p)
    assert books.holdings.cash == Decimal("9000.00")
    assert books.holdings.version == 9 == world.version(p)
    assert books.holdings.activity_count == 9
    (lot,) = books.holdings.open_lots
    assert (lot.symbol, lot.acquired_on, lot.quantity) == ("AAPL", JAN10, Decimal(10))
    assert (lot.remaining_quantity, lot.remaining_cost) == (Decimal(40) - 20, Decimal("750.5"))
    assert lot.cost == Decimal(1501)
    (sale,) = books.history.sales
    assert (sale.proceeds, sale.cost, sale.realized_gain) == (
        Decimal("999.00"),
        Decimal("750.50"),
        Decimal("248.50"),
    )
    assert books.holdings.realized == {"AAPL": Decimal("248.50")}
    assert [(i.type, i.amount) for i in books.history.income] == [
        (ActivityType.DIVIDEND, Decimal("12.50")),
        (ActivityType.INTEREST, Decimal("3.21")),
    ]
    # one write per activity: the activity, the projection, a RECORDED audit entry
    assert len(world.repository.writes) == 9
    for (change,), step in zip(world.repository.writes, steps, strict=True):
        (put,) = change.put
        assert put.type is step.type and change.deleted == ()
        (entry,) = change.audit
        assert (entry.action, entry.before, entry.after) == (AuditAction.RECORDED, None, put)


async def test_activity_in_another_currency_is_converted_at_its_fx_rate_and_needs_one() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    without_rate = request(
        p, ActivityType.BUY, JAN10, symbol="SAP", quantity=d(10), price=money("100", "EUR")
    )
    problem = await refused(world.ledger.record_activity(ALICE, without_rate))
    assert (problem.field, problem.code) == (("input", "fxRate"), FX_RATE_REQUIRED)
    assert world.repository.writes == []

    await world.ledger.record_activity(
        ALICE,
        request(
            p,
            ActivityType.BUY,
            JAN10,
            symbol="SAP",
            quantity=d(10),
            price=money("100", "EUR"),
            fees=money("2", "EUR"),
            fx_rate=d("1.1"),
        ),
    )
    (lot,) = world.books(p).holdings.open_lots
    assert lot.cost == Decimal("1102.2")  # (10 * 100 + 2) EUR * 1.1
    assert lot.fx_rate == Decimal("1.1")
    assert world.books(p).holdings.cash == Decimal("-1102.20")


async def test_back_dated_buy_is_replayed_before_the_sale_that_followed_it_in_typing() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    march = await world.ledger.record_activity(ALICE, buy(p, MAR10, "AAPL", 10, 200))
    await world.ledger.record_activity(ALICE, sell(p, APR1, "AAPL", 10, 300))
    assert world.books(p).holdings.realized == {"AAPL": Decimal(1000)}  # 3000 - 2000

    january = await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100))

    books = world.books(p)
    assert books.holdings.realized == {"AAPL": Decimal(2000)}  # FIFO now takes January's: 3000 - 1000
    (held,) = books.holdings.open_lots
    assert (held.id, held.remaining_quantity) == (march.activity.id, Decimal(10))
    (used_up,) = books.history.closed_lots
    assert used_up.id == january.activity.id
    assert books.holdings.cash == Decimal(0)  # -2000 + 3000 - 1000


async def _issue_portfolio(world: World, method: CostBasisMethod, *, typed_late: bool) -> str:
    """buy 10 @ 100 (Jan 10), buy 10 @ 200 (Mar 10), sell 10 @ 300 (Apr 1), sell 5 @ 150 (Feb 1):
    the February sale typed last (as in the issue), or everything in date order."""
    p = (await world.open_portfolio(method=method)).id
    february = sell(p, FEB1, "AAPL", 5, 150)
    order = [buy(p, JAN10, "AAPL", 10, 100), buy(p, MAR10, "AAPL", 10, 200), sell(p, APR1, "AAPL", 10, 300)]
    order = [*order, february] if typed_late else [order[0], february, *order[1:]]
    for step in order:
        await world.ledger.record_activity(ALICE, step)
    return p


async def test_issue_sale_typed_last_is_accepted_under_fifo_with_the_books_of_date_order() -> None:
    world = World()
    late = await _issue_portfolio(world, CostBasisMethod.FIFO, typed_late=True)
    in_order = await _issue_portfolio(world, CostBasisMethod.FIFO, typed_late=False)

    books = world.books(late)
    assert statement(books) == statement(world.books(in_order))
    # Feb 1: 5 of January's lot (cost 500) for 750. Apr 1: January's other 5 (500) and 5 of
    # March's (1000) for 3000, proceeds split by quantity 1500 / 1500.
    feb, apr = books.history.sales
    assert (feb.sold_on, feb.proceeds, feb.cost) == (FEB1, Decimal("750.00"), Decimal("500.00"))
    assert [(r.acquired_on, r.quantity, r.proceeds, r.cost) for r in apr.rows] == [
        (JAN10, Decimal(5), Decimal("1500.00"), Decimal("500.00")),
        (MAR10, Decimal(5), Decimal("1500.00"), Decimal("1000.00")),
    ]
    assert books.holdings.realized == {"AAPL": Decimal("1750.00")}
    (lot,) = books.holdings.open_lots
    assert (lot.acquired_on, lot.remaining_quantity, lot.remaining_cost) == (MAR10, Decimal(5), Decimal(1000))
    assert books.holdings.cash == Decimal("750.00")  # -1000 - 2000 + 750 + 3000


async def test_issue_sale_typed_last_under_average_no_longer_loses_83_33() -> None:
    world = World()
    late = await _issue_portfolio(world, CostBasisMethod.AVERAGE, typed_late=True)
    in_order = await _issue_portfolio(world, CostBasisMethod.AVERAGE, typed_late=False)
    assert statement(world.books(late)) == statement(world.books(in_order))
    # Feb 1: 5 of 10 @ 100: gain 750 - 500 = 250. Apr 1: 10 of 15 shares costing 2500:
    # cost 1666.67, gain 1333.33. Typed late the old code gave 1500.00, 83.33 less.
    assert world.books(late).holdings.realized == {"AAPL": Decimal("1583.33")}
    assert sum(lot.remaining_quantity for lot in world.books(late).holdings.open_lots) == 5


async def test_change_that_makes_a_later_sale_impossible_is_refused_naming_its_date() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100))
    await world.ledger.record_activity(ALICE, sell(p, APR1, "AAPL", 10, 300))
    before = world.repository.snapshot()
    writes = len(world.repository.writes)

    problem = await refused(world.ledger.record_activity(ALICE, sell(p, FEB1, "AAPL", 5, 150)))

    assert problem.code == INSUFFICIENT_QUANTITY
    assert problem.field == ("input", "occurredAt")  # the April sale fails, not the one sent
    assert "2024-04-01" in problem.message and "only 5 AAPL" in problem.message
    assert world.repository.snapshot() == before
    assert len(world.repository.writes) == writes


async def test_sale_of_more_than_held_is_refused_at_its_quantity_naming_its_date() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100))
    before = world.repository.snapshot()
    problem = await refused(world.ledger.record_activity(ALICE, sell(p, MAY1, "AAPL", 11, 300)))
    assert (problem.field, problem.code) == (("input", "quantity"), INSUFFICIENT_QUANTITY)
    assert problem.message == (
        "On 2024-05-01 the portfolio would hold only 10 AAPL, less than the 11 the sale of that day takes."
    )
    assert world.repository.snapshot() == before


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


# --- idempotency --------------------------------------------------------------------------------


async def test_same_key_and_same_input_replays_and_writes_nothing_new() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    first = await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100, idempotency_key="k-1"))
    writes = len(world.repository.writes)
    world.clock.advance(minutes=5)

    # 10.0 and 10 are the same input
    again = await world.ledger.record_activity(
        ALICE, buy(p, JAN10, "AAPL", "10.0", "100.00", idempotency_key="k-1")
    )

    assert again.replayed and again.activity == first.activity
    assert len(world.repository.writes) == writes
    assert list(world.stored(p)) == [first.activity.id]
    assert world.repository.state.idempotency[(p, "k-1")].activity_id == first.activity.id


async def test_same_key_with_another_input_is_refused() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100, idempotency_key="k-1"))
    before = world.repository.snapshot()
    problem = await refused(
        world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 11, 100, idempotency_key="k-1"))
    )
    assert (problem.field, problem.code) == (("input", "idempotencyKey"), IDEMPOTENCY_KEY_REUSED)
    assert world.repository.snapshot() == before


async def test_key_whose_activity_was_removed_is_not_found_and_records_nothing() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    first = await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100, idempotency_key="k-1"))
    await world.ledger.remove_activity(ALICE, first.activity.id)
    before = world.repository.snapshot()
    problem = await refused(
        world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100, idempotency_key="k-1"))
    )
    assert (problem.field, problem.code) == (("input", "idempotencyKey"), NOT_FOUND)
    assert "removed" in problem.message
    assert world.repository.snapshot() == before


async def test_a_key_lives_under_its_portfolio() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    q = (await world.open_portfolio(name="Second")).id
    a = await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100, idempotency_key="k-1"))
    b = await world.ledger.record_activity(ALICE, buy(q, JAN10, "AAPL", 10, 100, idempotency_key="k-1"))
    assert not b.replayed and b.activity.id != a.activity.id


async def test_a_key_of_another_customers_portfolio_is_refused_before_it_is_replayed() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100, idempotency_key="k-1"))
    with pytest.raises(Forbidden):
        await world.ledger.record_activity(BOB, buy(p, JAN10, "AAPL", 10, 100, idempotency_key="k-1"))


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
    await world.service.record_event({"type": "CustomerClosed", "customerId": ALICE_ID})
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
            self.directory.closed.setdefault(change.portfolio.customer_id, START)
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


# --- concurrency --------------------------------------------------------------------------------


async def test_a_write_that_conflicts_a_few_times_is_decided_again_on_fresh_reads() -> None:
    repository = ConflictingRepository(FakeCustomerDirectory())
    world = World(repository)
    p = (await world.open_portfolio()).id
    repository.calls.clear()
    repository.conflicts = 3

    recorded = await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100))

    assert len(repository.attempted) == 4 and len(repository.writes) == 1
    assert repository.calls.count("ledger") == 4  # read again before each decision
    assert list(world.stored(p)) == [recorded.activity.id]
    assert world.version(p) == 1


async def test_a_write_that_always_conflicts_ends_in_conflict_after_bounded_attempts() -> None:
    repository = ConflictingRepository(FakeCustomerDirectory())
    world = World(repository, attempts=5)
    p = (await world.open_portfolio()).id
    bought = await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100))
    repository.conflicts = 1_000
    before = repository.snapshot()
    attempted = len(repository.attempted)

    problem = await refused(world.ledger.record_activity(ALICE, buy(p, FEB1, "AAPL", 1, 100)))
    assert (problem.field, problem.code) == (("input",), CONFLICT)
    assert "nothing was written" in problem.message
    problem = await refused(world.ledger.remove_activity(ALICE, bought.activity.id))
    assert problem.code == CONFLICT
    assert len(repository.attempted) == attempted + 10
    assert repository.snapshot() == before


async def test_thirty_concurrent_writers_to_one_portfolio_lose_nothing() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    await world.ledger.record_activity(ALICE, buy(p, date(2023, 1, 2), "AAPL", 100, 10))
    requests = [
        buy(p, date(2024, 1, 1 + i), "AAPL", i + 1, 10 + i, idempotency_key=f"buy-{i}") for i in range(20)
    ] + [sell(p, date(2024, 2, 1 + i), "AAPL", 1, 20, idempotency_key=f"sell-{i}") for i in range(10)]

    # Two processes on one table: each queues its own writers (one change of a portfolio at a time),
    # and the two race each other on the version.
    other = World(world.repository)
    outcomes = await asyncio.gather(
        *((world if i % 2 else other).ledger.record_activity(ALICE, r) for i, r in enumerate(requests)),
        return_exceptions=True,
    )

    recorded = [o for o in outcomes if not isinstance(o, BaseException)]
    failed = [o for o in outcomes if isinstance(o, BaseException)]
    for failure in failed:  # only an explicit CONFLICT may fail
        assert isinstance(failure, InputProblems)
        assert [pr.code for pr in failure.problems] == [CONFLICT]
    assert len(recorded) + len(failed) == 30
    assert recorded, "at least one writer wins every round"
    stored = world.stored(p)
    assert {r.activity.id for r in recorded} | {next(iter(stored))} == set(stored)
    assert len(stored) == 1 + len(recorded)
    assert world.version(p) == 1 + len(recorded)
    # the stored projection is the replay of what is stored
    ledger = Ledger(world.repository.state.portfolios[p], stored.values())
    assert ledger.replay(version=world.version(p)) == world.books(p)
    bought = sum((r.activity.quantity or 0 for r in recorded if r.activity.type is ActivityType.BUY), 100)
    sold = sum(1 for r in recorded if r.activity.type is ActivityType.SELL)
    assert sum(lot.remaining_quantity for lot in world.books(p).holdings.open_lots) == bought - sold
    assert len(world.audit(p)) == 1 + len(recorded)
    # the processes did race: writers lost rounds and decided again
    assert len(world.repository.attempted) > len(world.repository.writes)


async def test_writers_in_one_process_queue_instead_of_racing() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    requests = [buy(p, date(2024, 1, 1 + i), "AAPL", i + 1, 10 + i) for i in range(30)]
    outcomes = await asyncio.gather(*(world.ledger.record_activity(ALICE, r) for r in requests))
    assert len(outcomes) == 30 and len(world.stored(p)) == 30
    assert len(world.repository.attempted) == len(world.repository.writes) == 30  # no write lost a race


async def test_concurrent_requests_with_one_key_record_once() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    same = buy(p, JAN10, "AAPL", 10, 100, idempotency_key="double-click")
    outcomes = await asyncio.gather(*(world.ledger.record_activity(ALICE, same) for _ in range(5)))
    assert len({o.activity.id for o in outcomes}) == 1
    assert sorted(o.replayed for o in outcomes) == [False, True, True, True, True]
    assert len(world.stored(p)) == 1 and len(world.repository.writes) == 1
