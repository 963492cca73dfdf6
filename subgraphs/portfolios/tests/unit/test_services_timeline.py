"""The timeline through the use cases, on fakes of the ports (no I/O): every change stores the
replay's timeline with the projection (both portfolios of a transfer), reads take the stored one and
never replay, and the split convention the schema states lets a consumer of split-adjusted closes
value a holding without counting a split twice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from portfolios.domain.model import ActivityType
from portfolios.domain.timeline import Timeline

from .world import ALICE, World, buy, cash, d, new_ulid, request, sell

JAN10 = date(2024, 1, 10)
MAR10 = date(2024, 3, 10)
APR1 = date(2024, 4, 1)


async def test_each_change_stores_its_timeline_and_reads_never_replay() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    assert await world.reads.timelines([p]) == {p: Timeline()}
    await world.ledger.record_activity(ALICE, cash(p, ActivityType.DEPOSIT, JAN10, "5000"))
    await world.ledger.record_activity(ALICE, buy(p, JAN10, "AAPL", 10, 100))
    recorded = await world.ledger.record_activity(ALICE, sell(p, APR1, "AAPL", 4, 150))
    change = world.repository.writes[-1][0]
    assert change.books.timeline == world.books(p).timeline
    world.repository.calls.clear()

    found = await world.reads.timelines([p, "not an id", p, new_ulid(9)])

    assert list(found) == [p]
    timeline = found[p]
    assert timeline.records_cash
    assert [(s.on, s.quantity, s.cost) for s in timeline.of("AAPL")] == [
        (JAN10, 10, Decimal(1000)),
        (APR1, 6, Decimal(600)),
    ]
    assert [(c.on, c.amount) for c in timeline.cash] == [(JAN10, Decimal(4000)), (APR1, Decimal(4600))]
    assert world.repository.calls == ["timelines"]  # the stored projection; no ledger read
    assert recorded.activity.type is ActivityType.SELL

    # Removing the sale: the stored timeline is the replay's without it.
    await world.ledger.remove_activity(ALICE, recorded.activity.id)
    after = (await world.reads.timelines([p]))[p]
    assert [(s.on, s.quantity) for s in after.of("AAPL")] == [(JAN10, 10)]
    assert [(c.on, c.amount) for c in after.cash] == [(JAN10, Decimal(4000))]


async def test_a_transfer_stores_both_portfolios_timelines() -> None:
    world = World()
    sender = (await world.open_portfolio(name="Taxable")).id
    receiver = (await world.open_portfolio(name="IRA")).id
    await world.ledger.record_activity(ALICE, buy(sender, JAN10, "AAPL", 10, 100))
    await world.ledger.record_activity(ALICE, buy(sender, MAR10, "AAPL", 10, 200))
    transfer = request(
        sender,
        ActivityType.TRANSFER_OUT,
        APR1,
        symbol="AAPL",
        quantity=d(15),
        counterpart_portfolio_id=receiver,
    )
    await world.ledger.record_activity(ALICE, transfer)

    found = await world.reads.timelines([sender, receiver])
    out, incoming = found[sender], found[receiver]
    # FIFO: the 10 at 1000 and 5 of the 10 at 2000 (1000) leave; 5 stay at 1000.
    assert [(t.type, t.quantity, t.cost) for t in out.transfers] == [
        (ActivityType.TRANSFER_OUT, 15, Decimal(2000))
    ]
    assert [(t.type, t.quantity, t.cost) for t in incoming.transfers] == [
        (ActivityType.TRANSFER_IN, 15, Decimal(2000))
    ]
    assert [(s.on, s.quantity, s.cost) for s in out.of("AAPL")][-1] == (APR1, 5, Decimal(1000))
    assert [(s.on, s.quantity, s.cost) for s in incoming.of("AAPL")] == [(APR1, 15, Decimal(2000))]
    # Neither records cash: the sender's flows are its purchases; a transfer is no money flow.
    assert [f.amount for f in out.flows] == [1000, 2000] and incoming.flows == ()


async def test_split_adjusted_closes_with_scaled_quantities_value_as_unadjusted_closes_do() -> None:
    world = World()
    p = (await world.open_portfolio()).id
    await world.ledger.record_activity(ALICE, buy(p, JAN10, "NVDA", 3, 1200))
    split = request(p, ActivityType.SPLIT, MAR10, symbol="NVDA", split_from=d(1), split_to=d(10))
    await world.ledger.record_activity(ALICE, split)
    timeline = (await world.reads.timelines([p]))[p]
    # A provider's closes: 1250 before the split, 126 after; split-adjusted, the earlier one is 125.
    unadjusted = {JAN10: Decimal(1250), MAR10: Decimal(126)}
    adjusted = {JAN10: Decimal(125), MAR10: Decimal(126)}
    steps = timeline.of("NVDA")
    assert [(s.on, s.quantity) for s in steps] == [(JAN10, 3), (MAR10, 30)]

    def scale(on: date) -> Decimal:
        """ratioTo / ratioFrom of every later split, as the schema's TimelineSplits says."""
        factor = Decimal(1)
        for s in timeline.splits:
            if s.symbol == "NVDA" and s.on > on:
                factor *= s.to / s.from_
        return factor

    as_held = [s.quantity * unadjusted[s.on] for s in steps]
    as_adjusted = [s.quantity * scale(s.on) * adjusted[s.on] for s in steps]
    assert as_held == as_adjusted == [Decimal(3750), Decimal(3780)]
    # Scaling the quantity while valuing at the unadjusted close applies the split twice: ten times.
    assert steps[0].quantity * scale(JAN10) * unadjusted[JAN10] == 10 * as_held[0]
