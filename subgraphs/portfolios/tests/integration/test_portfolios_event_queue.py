"""The SQS event consumer against moto's server (SQS) and DynamoDB Local (the customer directory).

The queues here mirror infra's (a dead-letter queue after 5 receives) with a visibility timeout of
0, so that a message left on the queue comes back at once instead of after a minute.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from kit.aws.dynamo import to_item
from kit_testing import running_app, unique_table_name
from portfolios.adapters.event_queue import (
    EventQueueConsumer,
    MalformedMessage,
    event_from_envelope,
    sqs_client,
)
from portfolios.adapters.items import directory_key
from portfolios.adapters.table import table_definition
from portfolios.app import PortfoliosRuntime, PortfoliosSettings, create_app
from ulid import ULID

REGION = "us-east-1"
MAX_RECEIVE_COUNT = 5  # as in infra's ConsumerQueue


class Queues:
    """A work queue with its dead-letter queue on moto, through boto3 (the test's side)."""

    def __init__(self, endpoint: str, visibility_timeout: int = 0) -> None:
        self.sqs: Any = boto3.client(
            "sqs",
            region_name=REGION,
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        name = f"portfolios-events-{str(ULID()).lower()}"
        self.dlq_url = self.sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
        dlq_arn = self.attribute(self.dlq_url, "QueueArn")
        redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(MAX_RECEIVE_COUNT)}
        self.url = self.sqs.create_queue(
            QueueName=name,
            Attributes={"VisibilityTimeout": str(visibility_timeout), "RedrivePolicy": json.dumps(redrive)},
        )["QueueUrl"]

    def attribute(self, url: str, name: str) -> str:
        return str(self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[name])["Attributes"][name])

    def send(self, body: str) -> None:
        self.sqs.send_message(QueueUrl=self.url, MessageBody=body)

    def count(self, url: str) -> int:
        """Messages on the queue, visible or in flight."""
        return int(self.attribute(url, "ApproximateNumberOfMessages")) + int(
            self.attribute(url, "ApproximateNumberOfMessagesNotVisible")
        )

    def dead_letters(self) -> list[str]:
        messages = self.sqs.receive_message(QueueUrl=self.dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        return sorted(m["Body"] for m in messages.get("Messages", []))


def envelope(detail_type: str, detail: dict[str, Any]) -> str:
    """An EventBridge envelope as its SQS target receives it."""
    return json.dumps(
        {
            "version": "0",
            "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
            "detail-type": detail_type,
            "source": "portfolio.customers",
            "account": "123456789012",
            "time": "2025-11-24T15:00:00Z",
            "region": REGION,
            "resources": [],
            "detail": detail,
        }
    )


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


@pytest.fixture
async def sqs(moto_endpoint: str) -> AsyncIterator[Any]:
    async with sqs_client(REGION, moto_endpoint, wait_seconds=0) as client:
        yield client


async def directory_entry(api: Any, customer_id: str) -> dict[str, Any] | None:
    response = await api.runtime.dynamodb.get_item(
        TableName=api.runtime.settings.table_name,
        Key=to_item(directory_key(customer_id)),
        ConsistentRead=True,
    )
    item: dict[str, Any] | None = response.get("Item")
    return item


# --- the envelope ------------------------------------------------------------------------------


def test_an_envelope_becomes_the_event_body_of_the_events_route() -> None:
    body = envelope("CustomerClosed", {"customerId": "01J00000000000000000000000", "type": "ignored"})
    assert event_from_envelope(body) == {"type": "CustomerClosed", "customerId": "01J00000000000000000000000"}


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "",
        "[]",
        '"CustomerRegistered"',
        json.dumps(
            {"type": "CustomerRegistered", "customerId": "01J00000000000000000000000"}
        ),  # not an envelope
        json.dumps({"detail-type": "", "detail": {}}),
        json.dumps({"detail-type": 7, "detail": {}}),
        json.dumps({"detail-type": "CustomerRegistered", "detail": "01J00000000000000000000000"}),
        json.dumps({"detail-type": "CustomerRegistered"}),
        pytest.param("[" * 100_000 + "]" * 100_000, id="deeply-nested"),
        pytest.param('{"detail-type": ' + "1" * 5000 + "}", id="5000-digit-integer"),
    ],
)
def test_what_is_not_an_envelope_is_malformed(body: str) -> None:
    with pytest.raises(MalformedMessage):
        event_from_envelope(body)


# --- the consumer, one poll at a time -----------------------------------------------------------


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
        await eventually(lambda: _is_not_none(directory_entry(api, customer_id)))
        await eventually(lambda: _true(queues.count(queues.url) == 0))
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


async def _is_not_none(value: Awaitable[object]) -> bool:
    return await value is not None


async def _true(value: bool) -> bool:
    return value


# --- the consumer inside the running service ---------------------------------------------------


async def test_the_service_consumes_its_queue_while_it_runs(
    dynamodb_endpoint: str, moto_endpoint: str
) -> None:
    queues = Queues(moto_endpoint)
    settings = PortfoliosSettings(
        dynamodb_endpoint_url=dynamodb_endpoint,
        table_name=unique_table_name("portfolios"),
        graphiql=False,
        events_queue_url=queues.url,
        events_endpoint_url=moto_endpoint,
        events_wait_seconds=20,  # SQS's longest long poll: shutdown must not wait for it
    )
    app = create_app(settings)
    customer_id = str(ULID())
    async with running_app(app) as http:
        runtime: PortfoliosRuntime = app.state.runtime
        await runtime.dynamodb.create_table(**table_definition(settings.table_name))
        queues.send(envelope("CustomerRegistered", {"customerId": customer_id}))
        key = to_item(directory_key(customer_id))

        async def recorded() -> bool:
            item = await runtime.dynamodb.get_item(
                TableName=settings.table_name, Key=key, ConsistentRead=True
            )
            return "Item" in item

        await eventually(recorded)
        await eventually(lambda: _true(queues.count(queues.url) == 0))
        assert (await http.get("/ready")).status_code == 200
        task = runtime.consumer_task
        assert task is not None and not task.done()
        started = time.monotonic()
    # Shutdown cancels the consumer in the middle of its 20 s long poll.
    assert time.monotonic() - started < 5.0
    assert task.cancelled()


async def test_without_a_queue_url_nothing_is_consumed(dynamodb_endpoint: str) -> None:
    settings = PortfoliosSettings(
        dynamodb_endpoint_url=dynamodb_endpoint, table_name="unused", graphiql=False
    )
    app = create_app(settings)
    async with running_app(app):
        runtime: PortfoliosRuntime = app.state.runtime
        assert runtime.consumer is None and runtime.consumer_task is None


def test_settings_read_the_infra_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTFOLIOS_EVENTS_QUEUE_URL", "https://sqs.eu-west-1.amazonaws.com/1/p-events")
    monkeypatch.setenv("PORTFOLIOS_EVENTS_WAIT_SECONDS", "20")
    settings = PortfoliosSettings()
    assert settings.events_queue_url == "https://sqs.eu-west-1.amazonaws.com/1/p-events"
    assert settings.events_wait_seconds == 20
    assert settings.events_endpoint_url is None
    monkeypatch.setenv("PORTFOLIOS_EVENTS_WAIT_SECONDS", "21")  # beyond SQS's longest long poll
    with pytest.raises(ValueError, match="less than or equal to 20"):
        PortfoliosSettings()
