"""Customer events (domain/events.py): what is one, and how each changes a directory entry, so that
any order of delivery, with any copies, ends as in-order application (no I/O)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kit_testing.queues import event_detail, incoming
from portfolios.domain.events import (
    CustomerClosed,
    CustomerEvent,
    CustomerRegistered,
    CustomerUpdated,
    InvalidEvent,
    customer_event,
)
from portfolios.domain.model import CustomerStatus, DirectoryEntry

from .validation_support import COGNITO_SUB, CUSTOMER

AT = datetime(2026, 1, 5, 12, tzinfo=UTC)
EVENT_ID = "01J00000000000000000000009"


def parsed(type_: str, customer_id: str = CUSTOMER, sequence: int = 1, **changes: object) -> CustomerEvent:
    detail = {**event_detail(type_, customer_id, sequence, {"customerId": customer_id}, event_id=EVENT_ID)}
    detail.update(changes)
    return customer_event(incoming(detail))


@pytest.mark.parametrize(
    ("type_", "expected"),
    [
        ("CustomerRegistered", CustomerRegistered),
        ("CustomerUpdated", CustomerUpdated),
        ("CustomerClosed", CustomerClosed),
    ],
)
def test_each_customer_event_is_parsed(type_: str, expected: type[CustomerEvent]) -> None:
    assert parsed(type_, sequence=3) == expected(EVENT_ID, CUSTOMER, 3, AT)


def test_extra_data_is_ignored_and_a_cognito_customer_is_a_customer() -> None:
    assert (
        parsed("CustomerRegistered", data=json.dumps({"customerId": CUSTOMER, "country": "FR"})).customer_id
        == CUSTOMER
    )
    assert parsed("CustomerRegistered", COGNITO_SUB).customer_id == COGNITO_SUB
    assert parsed("CustomerUpdated", data="{}").customer_id == CUSTOMER  # the aggregate names it


@pytest.mark.parametrize(
    "changes",
    [
        {"type": "CustomerDeleted"},
        {"type": "ActivityRecorded"},
        {"source": "portfolios"},
        {"aggregateId": "c-1"},
        {"aggregateId": COGNITO_SUB.upper()},
        {"data": json.dumps({"customerId": COGNITO_SUB})},  # about another customer than its aggregate
        {"data": json.dumps({"customerId": 42})},
        {"sequence": 0},
    ],
)
def test_what_is_not_a_customer_event_is_invalid(changes: dict[str, object]) -> None:
    detail = {**event_detail("CustomerRegistered", CUSTOMER, 1, {"customerId": CUSTOMER}), **changes}
    with pytest.raises(InvalidEvent):
        customer_event(incoming(detail))


def test_invalid_is_a_value_error_so_the_consumer_sends_it_to_the_dead_letter_queue() -> None:
    assert issubclass(InvalidEvent, ValueError)


def event(kind: type[CustomerEvent], sequence: int, at: datetime = AT) -> CustomerEvent:
    return kind(f"event-{kind.__name__}-{sequence}", CUSTOMER, sequence, at)


def test_a_registration_makes_an_active_entry_and_a_later_update_moves_its_sequence() -> None:
    entry = event(CustomerRegistered, 1).applied_to(None)
    assert entry == DirectoryEntry(CUSTOMER, 1) and entry.status is CustomerStatus.ACTIVE
    assert event(CustomerUpdated, 2).applied_to(entry) == DirectoryEntry(CUSTOMER, 2)


def test_a_stale_event_changes_nothing() -> None:
    entry = DirectoryEntry(CUSTOMER, 3)
    assert event(CustomerRegistered, 1).applied_to(entry) is None
    assert event(CustomerUpdated, 3).applied_to(entry) is None


def test_closing_is_final() -> None:
    closed = event(CustomerClosed, 4).applied_to(DirectoryEntry(CUSTOMER, 2))
    assert closed == DirectoryEntry(CUSTOMER, 4, closed_at=AT) and closed.status is CustomerStatus.CLOSED
    assert (
        event(CustomerClosed, 5, AT + timedelta(days=1)).applied_to(closed) is None
    )  # the first close stays
    reopened = event(CustomerUpdated, 6).applied_to(closed)
    assert reopened is not None and reopened.status is CustomerStatus.CLOSED and reopened.closed_at == AT


def test_a_close_before_its_registration_is_still_a_close() -> None:
    closed = event(CustomerClosed, 2).applied_to(None)
    assert closed == DirectoryEntry(CUSTOMER, 2, closed_at=AT)
    assert event(CustomerRegistered, 1).applied_to(closed) is None


def apply_all(events: list[CustomerEvent]) -> DirectoryEntry | None:
    """Applies `events` as the use case does: once per event id, each to the entry so far."""
    entry: DirectoryEntry | None = None
    seen: set[str] = set()
    for one in events:
        if one.event_id in seen:
            continue
        seen.add(one.event_id)
        entry = one.applied_to(entry) or entry
    return entry


@st.composite
def streams(draw: st.DrawFn) -> list[CustomerEvent]:
    """One customer's events in order: registered (1), some updates, maybe closed (last)."""
    updates = draw(st.integers(min_value=0, max_value=6))
    stream = [event(CustomerRegistered, 1)]
    stream += [event(CustomerUpdated, n, AT + timedelta(hours=n)) for n in range(2, updates + 2)]
    if draw(st.booleans()):
        stream.append(event(CustomerClosed, updates + 2, AT + timedelta(days=1)))
    return stream


@given(st.data())
def test_any_order_with_any_copies_ends_as_in_order(data: st.DataObject) -> None:
    stream = data.draw(streams())
    copies = data.draw(st.lists(st.sampled_from(stream), max_size=10))
    delivered = data.draw(st.permutations(stream + copies))
    assert apply_all(delivered) == apply_all(stream)
