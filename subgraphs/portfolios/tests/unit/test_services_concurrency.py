"""The ledger's use cases on fakes of the ports (no I/O): conflicting writes decided again on fresh
reads, bounded; concurrent writers lose nothing; one key records once.
"""

from __future__ import annotations

import asyncio
from datetime import date

from kit.core.errors import InputProblems
from portfolios.domain.ledger import Ledger
from portfolios.domain.model import ActivityType
from portfolios.domain.problems import CONFLICT

from .fakes import ConflictingRepository, FakeCustomerDirectory
from .ledger_support import (
    FEB1,
    JAN10,
)
from .world import ALICE, World, buy, refused, sell

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
