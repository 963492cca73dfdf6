"""The ledger's use cases on fakes of the ports (no I/O): recording every activity type, back-dated or
not, refused with the date when history becomes impossible; idempotency keys.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from kit.core.principal import Forbidden
from portfolios.domain.model import ActivityType, AuditAction, CostBasisMethod
from portfolios.domain.problems import (
    FX_RATE_REQUIRED,
    IDEMPOTENCY_KEY_REUSED,
    INSUFFICIENT_QUANTITY,
    NOT_FOUND,
)

from .ledger_support import (
    APR1,
    FEB1,
    JAN10,
    MAR10,
    MAY1,
    statement,
)
from .world import ALICE, BOB, World, buy, cash, d, money, refused, request, sell

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
