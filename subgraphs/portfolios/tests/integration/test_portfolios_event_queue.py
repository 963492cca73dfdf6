"""The SQS event consumer, one poll at a time, against moto's server (SQS) and DynamoDB Local (the
customer directory): what is handled is deleted, what fails or is malformed stays for redelivery and
ends in the dead-letter queue, and a failing receive backs off."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError
from portfolios.adapters.event_queue import EventQueueConsumer
from ulid import ULID

from .queues import MAX_RECEIVE_COUNT, Queues, directory_entry, envelope, eventually, holds, is_not_none


async def test_a_customer_registered_message_is_recorded_then_deleted(
    api: Any, sqs: Any, moto_endpoint: str
) -> None:
    queues = Queues(moto_endpoint)
    customer_id = str(ULID())
    queues.send(envelope("CustomerRegistered", {"customerId": customer_id}))
    assert await directory_entry(api, customer_id) is None

    consumer = EventQueueConsumer(sqs, queues.url, api.runtime.service.record_event, wait_seconds=0)
    assert await consumer.poll_once() == 1

    entry = await directory_entry(api, customer_id)
    assert entry is not None and entry["customerId"] == {"S": customer_id}
    assert queues.count(queues.url) == 0
    assert await consumer.poll_once() == 0  # nothing comes back
    # The directory is what createPortfolio checks.
    assert (await api.create_portfolio(customer_id))["owner"] == {"id": customer_id}


async def test_malformed_messages_are_never_deleted_and_end_in_the_dead_letter_queue(
    api: Any, sqs: Any, moto_endpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="portfolios.adapters.event_queue")
    queues = Queues(moto_endpoint)
    bad = sorted(
        [
            "not json",
            envelope("CustomerRegistered", {"customerId": "c-1"}),  # a valid envelope, an invalid event
            envelope("SomethingElse", {"customerId": str(ULID())}),
        ]
    )
    for body in bad:
        queues.send(body)
    before = await api.count_items()
    consumer = EventQueueConsumer(sqs, queues.url, api.runtime.service.record_event, wait_seconds=0)

    for _ in range(MAX_RECEIVE_COUNT):
        assert await consumer.poll_once() == 0
        assert queues.count(queues.url) == 3  # left on the queue
    # The next receive finds them received 5 times: SQS moves them to the dead-letter queue.
    assert await consumer.poll_once() == 0
    assert queues.count(queues.url) == 0
    assert queues.dead_letters() == bad
    assert await api.count_items() == before  # nothing written
    errors = [r for r in caplog.records if r.name == "portfolios.adapters.event_queue"]
    assert len(errors) == 3 * MAX_RECEIVE_COUNT  # each receive of each message is logged
    assert all("dead-letter" in r.getMessage() for r in errors)


async def test_a_handler_failure_leaves_the_message_for_redelivery(
    api: Any, sqs: Any, moto_endpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="portfolios.adapters.event_queue")
    queues = Queues(moto_endpoint)
    customer_id = str(ULID())
    queues.send(envelope("CustomerRegistered", {"customerId": customer_id}))
    outage = True

    async def handler(event: dict[str, Any]) -> object:
        if outage:
            raise RuntimeError("DynamoDB is unreachable")
        return await api.runtime.service.record_event(event)

    consumer = EventQueueConsumer(sqs, queues.url, handler, wait_seconds=0)
    assert await consumer.poll_once() == 0
    assert queues.count(queues.url) == 1
    [record] = [r for r in caplog.records if r.name == "portfolios.adapters.event_queue"]
    assert record.exc_info is not None and isinstance(record.exc_info[1], RuntimeError)

    outage = False  # the redelivery succeeds and is deleted
    assert await consumer.poll_once() == 1
    assert queues.count(queues.url) == 0
    assert await directory_entry(api, customer_id) is not None


class FlakyClient:
    """The real SQS client, but its first `failures` ReceiveMessage calls fail to connect."""

    def __init__(self, client: Any, failures: int) -> None:
        self.client = client
        self.failures = failures
        self.receives = 0

    async def receive_message(self, **kwargs: Any) -> Any:
        self.receives += 1
        if self.receives <= self.failures:
            raise EndpointConnectionError(endpoint_url="http://sqs")
        return await self.client.receive_message(**kwargs)

    async def delete_message(self, **kwargs: Any) -> Any:
        return await self.client.delete_message(**kwargs)


async def test_a_failing_receive_backs_off_and_the_loop_carries_on(
    api: Any, sqs: Any, moto_endpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="portfolios.adapters.event_queue")
    queues = Queues(moto_endpoint)
    customer_id = str(ULID())
    queues.send(envelope("CustomerRegistered", {"customerId": customer_id}))
    flaky = FlakyClient(sqs, failures=3)
    consumer = EventQueueConsumer(
        flaky, queues.url, api.runtime.service.record_event, wait_seconds=0, backoff_seconds=0.01
    )
    task = asyncio.create_task(consumer.run())
    try:
        await eventually(lambda: is_not_none(directory_entry(api, customer_id)))
        await eventually(lambda: holds(queues.count(queues.url) == 0))
        assert not task.done()
        assert consumer.receive_failures == 0  # reset by the first receive that worked
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert task.cancelled()
    assert flaky.receives > 3
    delays = [
        r.getMessage().rsplit("retrying in ", 1)[1] for r in caplog.records if "retrying in" in r.getMessage()
    ]
    assert delays == ["0.01 s", "0.02 s", "0.04 s"]  # 0.01 doubled after each consecutive failure
