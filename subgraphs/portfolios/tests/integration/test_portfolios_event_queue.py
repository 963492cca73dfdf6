"""The customer directory fed through the real consumer (kit.aws.consumer) from moto's SQS into
DynamoDB Local: each event applied once however often it is delivered, any order ending as in
order, an invalid event and a failing handler ending in the dead-letter queue, and a redrive
(receive + send back: moto has no StartMessageMoveTask) applying it once."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest
from kit.aws.consumer import EventQueueConsumer, IncomingEvent
from kit.aws.dynamo import from_item, to_item
from kit_testing.queues import MAX_RECEIVE_COUNT, EventQueues, envelope, event_detail
from portfolios.adapters import table
from ulid import ULID

CLOSED_AT = datetime(2026, 2, 1, 9, tzinfo=UTC)


def customer_detail(type_: str, customer_id: str, sequence: int, **more: Any) -> dict[str, Any]:
    return event_detail(type_, customer_id, sequence, {"customerId": customer_id}, **more)


async def entry(api: Any, customer_id: str) -> dict[str, Any] | None:
    response = await api.runtime.dynamodb.get_item(
        TableName=api.runtime.settings.table_name,
        Key=to_item(table.directory_key(customer_id)),
        ConsistentRead=True,
    )
    item = response.get("Item")
    return from_item(item) if item else None


async def drain(consumer: EventQueueConsumer, queues: EventQueues) -> None:
    for _ in range(20):
        await consumer.poll_once()
        if queues.count(queues.url) == 0:
            return
    raise AssertionError("the queue was not drained")


async def test_a_registration_is_applied_then_deleted_and_the_customer_may_open_a_portfolio(
    api: Any, sqs: Any, moto_endpoint: str
) -> None:
    queues = EventQueues(moto_endpoint, "portfolios-events")
    customer_id = str(ULID())
    queues.send_event(customer_detail("CustomerRegistered", customer_id, 1))
    consumer = EventQueueConsumer(sqs, queues.url, api.runtime.service.apply_customer_event, wait_seconds=0)
    assert await consumer.poll_once() == 1
    stored = await entry(api, customer_id)
    assert stored is not None and (stored["customerId"], stored["sequence"]) == (customer_id, 1)
    assert queues.count(queues.url) == 0
    assert (await api.create_portfolio(customer_id))["owner"] == {"id": customer_id}


async def test_a_duplicate_delivery_changes_nothing(api: Any, sqs: Any, moto_endpoint: str) -> None:
    queues = EventQueues(moto_endpoint, "portfolios-events")
    customer_id = str(ULID())
    registered = customer_detail("CustomerRegistered", customer_id, 1)
    consumer = EventQueueConsumer(sqs, queues.url, api.runtime.service.apply_customer_event, wait_seconds=0)
    queues.send_event(registered)
    await drain(consumer, queues)
    before = await api.snapshot()

    for _ in range(3):  # SQS delivers the same event again (or the relay sends it twice)
        queues.send_event(registered)
    assert await consumer.poll_once() == 3  # each copy handled and deleted
    assert await api.snapshot() == before  # and nothing written


@pytest.mark.parametrize(
    "order",
    [
        pytest.param(["CustomerClosed", "CustomerRegistered", "CustomerUpdated"], id="closed-first"),
        pytest.param(["CustomerRegistered", "CustomerClosed", "CustomerUpdated"], id="updated-after-closed"),
        pytest.param(["CustomerUpdated", "CustomerRegistered", "CustomerClosed"], id="registered-late"),
    ],
)
async def test_out_of_order_ends_as_in_order(
    api: Any, sqs: Any, moto_endpoint: str, order: list[str]
) -> None:
    sequences = {"CustomerRegistered": 1, "CustomerUpdated": 2, "CustomerClosed": 3}
    queues = EventQueues(moto_endpoint, "portfolios-events")
    consumer = EventQueueConsumer(sqs, queues.url, api.runtime.service.apply_customer_event, wait_seconds=0)
    customer_id = str(ULID())
    for type_ in order:  # one message at a time: SQS hands them over in this order
        queues.send_event(customer_detail(type_, customer_id, sequences[type_], occurred_at=CLOSED_AT))
        await drain(consumer, queues)

    stored = await entry(api, customer_id)
    assert stored is not None and (stored["sequence"], stored["closedAt"]) == (3, CLOSED_AT.isoformat())
    payload = await api.create_portfolio_payload(customer_id)
    assert [e["code"] for e in payload["userErrors"]] == ["CUSTOMER_CLOSED"]


async def test_an_invalid_event_ends_in_the_dead_letter_queue_having_written_nothing(
    api: Any, sqs: Any, moto_endpoint: str
) -> None:
    queues = EventQueues(moto_endpoint, "portfolios-events")
    bad = sorted(
        [
            envelope(customer_detail("CustomerRegistered", "c-1", 1)),  # not a customer id
            envelope(customer_detail("CustomerDeleted", str(ULID()), 1)),  # not a type it knows
            envelope(customer_detail("CustomerClosed", str(ULID()), 2, source="portfolios")),
        ]
    )
    for body in bad:
        queues.send(body)
    before = await api.count_items()
    consumer = EventQueueConsumer(sqs, queues.url, api.runtime.service.apply_customer_event, wait_seconds=0)
    for _ in range(MAX_RECEIVE_COUNT + 1):
        assert await consumer.poll_once() == 0
    assert queues.count(queues.url) == 0
    assert queues.dead_letters() == bad
    assert await api.count_items() == before


async def test_a_failing_handler_lands_in_the_dead_letter_queue_and_a_redrive_applies_it_once(
    api: Any, sqs: Any, moto_endpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="kit.aws.consumer")
    queues = EventQueues(moto_endpoint, "portfolios-events")
    customer_id = str(ULID())
    closed = customer_detail("CustomerClosed", customer_id, 2, occurred_at=CLOSED_AT)
    queues.send_event(closed)
    outage = True
    calls = 0

    async def handler(event: IncomingEvent) -> None:
        nonlocal calls
        calls += 1
        if outage:
            raise ConnectionError("DynamoDB is unreachable")
        await api.runtime.service.apply_customer_event(event)

    consumer = EventQueueConsumer(sqs, queues.url, handler, wait_seconds=0)
    for _ in range(MAX_RECEIVE_COUNT):
        assert await consumer.poll_once() == 0
        assert queues.count(queues.url) == 1  # left for redelivery
    assert await consumer.poll_once() == 0  # received 5 times: SQS moved it
    assert calls == MAX_RECEIVE_COUNT
    assert queues.count(queues.url) == 0 and queues.dead_letters() == [envelope(closed)]
    assert await entry(api, customer_id) is None

    outage = False  # fixed; the operator redrives the dead letters (and one arrives twice)
    assert queues.redrive() == 1
    queues.send_event(closed)
    await drain(consumer, queues)
    stored = await entry(api, customer_id)
    assert stored is not None and (stored["sequence"], stored["closedAt"]) == (2, CLOSED_AT.isoformat())
    markers = [item for item in await api.snapshot() if item["pk"]["S"] == f"APPLIED#{closed['eventId']}"]
    assert len(markers) == 1
    assert queues.count(queues.dlq_url) == 0
