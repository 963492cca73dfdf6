"""The customer directory's use case (services/directory.py) against the in-memory fake: each event
applied once, in any order ending as in order, and read, decided, written once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kit.aws.consumer import IncomingEvent
from kit.core.events import InvalidEvent
from portfolios.domain.model import CustomerStatus, DirectoryEntry
from portfolios.domain.ports import DirectoryChange

from .fake_directory import FakeCustomerDirectory
from .fakes import FakePortfolioRepository
from .world import ALICE_ID, BOB_ID, START, World, customer_event


async def test_a_registration_makes_the_customer_known_and_a_copy_changes_nothing() -> None:
    world = World()
    registered = customer_event("CustomerRegistered", ALICE_ID, 1)
    await world.service.apply_customer_event(registered)
    assert world.directory.entries == {ALICE_ID: DirectoryEntry(ALICE_ID, 1)}
    assert world.directory.applied == [registered.event_id] and world.directory.writes == 1

    await world.service.apply_customer_event(registered)  # redelivered
    assert world.directory.entries == {ALICE_ID: DirectoryEntry(ALICE_ID, 1)}
    assert world.directory.writes == 1


async def test_closed_before_registered_and_updated_after_closed_end_closed() -> None:
    world = World()
    closed_at = START + timedelta(days=3)
    await world.service.apply_customer_event(customer_event("CustomerClosed", BOB_ID, 3, at=closed_at))
    await world.service.apply_customer_event(customer_event("CustomerRegistered", BOB_ID, 1))
    await world.service.apply_customer_event(customer_event("CustomerUpdated", BOB_ID, 2))
    assert world.directory.entries[BOB_ID] == DirectoryEntry(BOB_ID, 3, closed_at=closed_at)
    assert await world.directory.status(BOB_ID) is CustomerStatus.CLOSED
    assert len(world.directory.applied) == 3  # the stale ones are marked applied too


@pytest.mark.parametrize(
    "event",
    [
        customer_event("CustomerDeleted", ALICE_ID, 1),
        customer_event("CustomerClosed", "c-1", 1),
        customer_event("CustomerRegistered", ALICE_ID, 0),
    ],
)
async def test_an_invalid_event_writes_nothing(event: IncomingEvent) -> None:
    world = World()
    with pytest.raises(InvalidEvent):
        await world.service.apply_customer_event(event)
    assert world.directory.entries == {} and world.directory.applied == []


async def test_events_of_one_customer_applied_at_once_both_count() -> None:
    # Both read "no entry"; one write wins, the other conflicts, reads again and decides again.
    world = World()
    closed_at = START + timedelta(days=1)
    await asyncio.gather(
        world.service.apply_customer_event(customer_event("CustomerRegistered", ALICE_ID, 1)),
        world.service.apply_customer_event(customer_event("CustomerClosed", ALICE_ID, 2, at=closed_at)),
    )
    assert world.directory.entries[ALICE_ID] == DirectoryEntry(ALICE_ID, 2, closed_at=closed_at)
    assert len(world.directory.applied) == 2


class FailingDirectory(FakeCustomerDirectory):
    """Its writes fail (storage unreachable): nothing is applied, the error reaches the consumer."""

    async def apply(self, change: DirectoryChange) -> bool:
        raise ConnectionError("DynamoDB is unreachable")


async def test_a_failing_write_raises_so_the_message_is_delivered_again() -> None:
    directory = FailingDirectory()
    world = World(FakePortfolioRepository(directory))
    with pytest.raises(ConnectionError):
        await world.service.apply_customer_event(customer_event("CustomerRegistered", ALICE_ID, 1))
    assert directory.entries == {} and directory.applied == []


def customer_stream(updates: int, closes: bool) -> list[IncomingEvent]:
    stream = [customer_event("CustomerRegistered", ALICE_ID, 1)]
    stream += [
        customer_event("CustomerUpdated", ALICE_ID, n, at=START + timedelta(hours=n))
        for n in range(2, updates + 2)
    ]
    if closes:
        stream.append(customer_event("CustomerClosed", ALICE_ID, updates + 2, at=START + timedelta(days=1)))
    return stream


async def applied(events: list[IncomingEvent], *, concurrently: bool = False) -> DirectoryEntry | None:
    world = World()
    if concurrently:
        await asyncio.gather(*(world.service.apply_customer_event(event) for event in events))
    else:
        for event in events:
            await world.service.apply_customer_event(event)
    assert sorted(world.directory.applied) == sorted({event.event_id for event in events})
    return world.directory.entries.get(ALICE_ID)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_any_permutation_with_copies_ends_in_the_in_order_state(data: st.DataObject) -> None:
    stream = customer_stream(
        data.draw(st.integers(0, 5), label="updates"), data.draw(st.booleans(), label="closes")
    )
    copies = data.draw(st.lists(st.sampled_from(stream), max_size=8), label="copies")
    delivered = data.draw(st.permutations(stream + copies), label="delivered")
    concurrently = data.draw(st.booleans(), label="concurrently")
    in_order = asyncio.run(applied(stream))
    assert asyncio.run(applied(delivered, concurrently=concurrently)) == in_order
