"""The copy of assets' FX closes on a fake of its port: FxRatesStored applied once per event id, a
revision at or below the stored one changes nothing, and malformed events are InvalidEvent (their
message goes to the dead-letter queue)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kit.core.events import InvalidEvent
from portfolios.domain.fx import FxChunkKey, FxPair

from ..fx_events_support import fx_data, fx_event
from .world import World

KEY = FxChunkKey(FxPair("EUR", "USD"), 2024)


async def test_a_chunk_is_stored_with_its_rates_source_and_revision() -> None:
    world = World()
    await world.service.apply_event(fx_event({"2024-03-01": "1.0805", "2024-03-04": "1.0855"}, 3))
    stored = world.fx_rates.stored[KEY]
    assert stored.rates == {date(2024, 3, 1): Decimal("1.0805"), date(2024, 3, 4): Decimal("1.0855")}
    assert (stored.source, stored.sequence) == ("simulated", 3)


async def test_a_stale_revision_and_a_duplicate_change_nothing() -> None:
    world = World()
    newest = fx_event({"2024-03-01": "1.0805"}, 2)
    await world.service.apply_event(newest)
    await world.service.apply_event(fx_event({"2024-03-01": "9.9"}, 1))  # older revision, later delivery
    await world.service.apply_event(fx_event({"2024-03-01": "9.9"}, 2))  # same revision: stale too
    assert world.fx_rates.stored[KEY].rates == {date(2024, 3, 1): Decimal("1.0805")}
    before = dict(world.fx_rates.stored)
    await world.service.apply_event(newest)  # redelivered
    assert world.fx_rates.stored == before


async def test_customer_events_still_reach_the_directory() -> None:
    from .world import customer_event, new_ulid

    world = World()
    customer_id = new_ulid(77)
    await world.service.apply_event(customer_event("CustomerRegistered", customer_id, 1))
    assert world.directory.status_now(customer_id).value == "ACTIVE"


def _bad(**change: Any) -> dict[str, Any]:
    return {**fx_data({"2024-03-01": "1.0805"}), **change}


@pytest.mark.parametrize(
    ("data", "aggregate_id", "source"),
    [
        (_bad(**{"from": "XXX1"}), None, "assets"),  # not a currency
        (_bad(to="EUR"), "EUREUR:2024", "assets"),  # the same currency twice
        (_bad(year="2024"), None, "assets"),
        (_bad(rates={"2024-03-01": "0"}), None, "assets"),  # not positive
        (_bad(rates={"2024-03-01": "-1.1"}), None, "assets"),
        (_bad(rates={"2024-03-01": "1e999"}), None, "assets"),  # unbounded
        (_bad(rates={"2024-03-01": True}), None, "assets"),  # not a decimal
        (_bad(rates={"2024-03-01": "NaN"}), None, "assets"),
        (_bad(rates={"2023-12-29": "1.1"}), None, "assets"),  # another year's close
        (_bad(rates={"March 1": "1.1"}), None, "assets"),
        (_bad(rates={f"2024-01-01+{i}": "1.1" for i in range(401)}), None, "assets"),  # > 400 dates
        (_bad(rates=["1.1"]), None, "assets"),
        (_bad(source=""), None, "assets"),
        (_bad(), "GBPUSD:2024", "assets"),  # not the chunk the data is about
        (_bad(), None, "customers"),  # only assets stores FX closes
    ],
)
async def test_a_malformed_event_is_invalid_and_changes_nothing(
    data: dict[str, Any], aggregate_id: str | None, source: str
) -> None:
    world = World()
    event = fx_event({}, data=data, aggregate_id=aggregate_id, source=source)
    with pytest.raises(InvalidEvent) as refused:
        await world.service.apply_event(event)
    assert str(refused.value).startswith(("An FxRatesStored", "The event's aggregateId"))
    assert world.fx_rates.stored == {} and world.fx_rates.applied == set()


@settings(max_examples=60, deadline=None)
@given(
    revisions=st.lists(st.integers(min_value=1, max_value=8), min_size=1, max_size=8, unique=True),
    data=st.data(),
)
async def test_any_order_and_duplication_ends_with_the_highest_revisions_rates(
    revisions: list[int], data: st.DataObject
) -> None:
    world = World()
    events = [fx_event({"2024-03-01": f"1.{n:04d}"}, n, event_id=f"event-{n}") for n in revisions]
    deliveries = data.draw(st.lists(st.sampled_from(events), min_size=len(events), max_size=3 * len(events)))
    for event in [*events, *deliveries]:  # every event at least once, some again, any order
        await world.service.apply_event(event)
    shuffled = data.draw(st.permutations([*events, *deliveries]))
    other = World()
    for event in shuffled:
        await other.service.apply_event(event)
    top = max(revisions)
    for end in (world, other):
        stored = end.fx_rates.stored[KEY]
        assert (stored.sequence, stored.rates) == (top, {date(2024, 3, 1): Decimal(f"1.{top:04d}")})
        assert end.fx_rates.applied == {f"event-{n}" for n in revisions}
