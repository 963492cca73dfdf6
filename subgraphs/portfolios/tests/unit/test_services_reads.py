"""The batched reads (services/reads.py) against the in-memory fakes: they read the stored
projection (never replaying), find lots open or used up, and never look up an id that cannot be."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from portfolios.domain.model import ActivityType

from .world import ALICE, ALICE_ID, BOB_ID, World, buy, cash, new_ulid, sell

JAN10 = date(2024, 1, 10)
MAR10 = date(2024, 3, 10)
APR1 = date(2024, 4, 1)


async def test_investments_finds_open_and_used_up_lots_with_their_owner() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    january = (await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100))).activity
    march = (await world.ledger.record_activity(ALICE, buy(p, MAR10, "AAPL", 10, 200))).activity
    sale = (await world.ledger.record_activity(ALICE, sell(p, APR1, "AAPL", 12, 300))).activity
    world.repository.calls.clear()

    found = await world.reads.investments([january.id, march.id, sale.id, new_ulid(1), "nope"])

    assert set(found) == {january.id, march.id}  # a sale is no lot; unknown ids are not found
    used_up, open_lot = found[january.id], found[march.id]
    assert (used_up.lot.remaining_quantity, used_up.lot.quantity, used_up.customer_id) == (0, 10, ALICE_ID)
    assert (open_lot.lot.remaining_quantity, open_lot.lot.remaining_cost) == (8, Decimal(1600))
    # owners, holdings, then the history only of a portfolio with a lot not open; never the ledger
    assert world.repository.calls == ["owners", "holdings", "history"]


async def test_investments_of_open_lots_do_not_read_the_history() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    bought = (await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100))).activity
    world.repository.calls.clear()
    found = await world.reads.investments([bought.id])
    assert found[bought.id].lot.remaining_quantity == 10
    assert world.repository.calls == ["owners", "holdings"]


async def test_books_of_customers_come_from_the_stored_projection() -> None:
    world = World()
    first = (await world.open_portfolio(name="First")).id
    world.clock.advance(seconds=1)
    second = (await world.open_portfolio(name="Second")).id
    await world.ledger.record_activity(ALICE, cash(first, ActivityType.DEPOSIT, JAN10, "5000"))
    await world.ledger.record_activity(ALICE, buy(first, JAN10, "AAPL", 10, 100))
    world.repository.calls.clear()

    books = await world.reads.books([ALICE_ID, BOB_ID, "not an id", ALICE_ID])

    alice = books[ALICE_ID]
    assert [p.id for p in alice.portfolios] == [first, second]  # oldest first
    holdings = alice.holdings_of(alice.portfolios[0])
    assert holdings.cash == Decimal(4000) and [h.quantity for h in holdings.holdings()] == [10]
    assert alice.holdings_of(alice.portfolios[1]).open_lots == ()
    assert books[BOB_ID].portfolios == () and books["not an id"].portfolios == ()
    assert world.repository.calls == ["book", "book"]  # Alice and Bob; nothing replayed


async def test_holdings_and_histories_skip_ids_that_cannot_exist() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100))
    await world.ledger.record_activity(ALICE, sell(p, APR1, "AAPL", 10, 150))
    holdings = await world.reads.holdings([p, "nope", p])
    assert list(holdings) == [p] and holdings[p].realized == {"AAPL": Decimal(500)}
    histories = await world.reads.histories([p, "nope"])
    assert list(histories) == [p]
    (sale,) = histories[p].sales
    assert sale.realized_gain == 500
    assert (await world.reads.portfolios(["nope", p]))[p].id == p


async def test_activities_read_newest_trade_date_first_then_newest_recorded_first() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    mar = (await world.ledger.record_activity(ALICE, buy(p, MAR10, "AAPL", 1, 200))).activity
    jan_first = (await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 1, 100))).activity
    apr = (await world.ledger.record_activity(ALICE, sell(p, APR1, "AAPL", 1, 300))).activity
    jan_second = (await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 1, 110))).activity

    key = (p, 3, None)
    page = (await world.reads.activities([key]))[key]
    assert [a.id for a in page.activities] == [apr.id, mar.id, jan_second.id] and page.has_next
    rest_key = (p, 3, jan_second.id)
    rest = (await world.reads.activities([rest_key]))[rest_key]
    assert [a.id for a in rest.activities] == [jan_first.id] and not rest.has_next
