"""Event queues for every consumer test (the one SQS helper of kit_testing): a work queue and its
dead-letter queue on moto's server that mirror infra's and the local stack's (dead letter after 5
receives), with a visibility timeout of 0 unless told, so a message left on the queue comes back at
once; the EventBridge events a queue carries, their `detail` built by the producers' own code
(kit.aws.outbox: an event item through `envelope_from_stream_image`), so a test never restates the
format; a redrive.

moto (5.2) has no StartMessageMoveTask, so `redrive` does what it does by hand: receive each dead
letter, send it back to the work queue, delete it from the dead-letter queue.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import boto3
from kit.aws.consumer import IncomingEvent
from kit.aws.dynamo import to_item
from kit.aws.outbox import OutgoingEvent, envelope_from_stream_image, event_item
from ulid import ULID

REGION = "us-east-1"
MAX_RECEIVE_COUNT = 5  # as in infra's consumer queues and the local stack's
OCCURRED_AT = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def event_detail(
    type_: str,
    aggregate_id: str,
    sequence: int = 1,
    data: Mapping[str, Any] | None = None,
    *,
    source: str = "customers",
    event_id: str | None = None,
    occurred_at: datetime = OCCURRED_AT,
    traceparent: str | None = None,
) -> dict[str, Any]:
    """The `detail` the Pipe (or the local relay) puts on the bus for one event item: the item a
    producer writes (kit.aws.outbox.event_item) as its stream image carries it out."""
    item = event_item(
        OutgoingEvent(type_, aggregate_id, sequence, dict(data or {})),
        source=source,
        occurred_at=occurred_at,
        event_id=event_id,
        traceparent=traceparent,
    )
    detail: dict[str, Any] = envelope_from_stream_image(to_item(item))["detail"]
    return detail


def envelope(detail: Mapping[str, Any]) -> str:
    """An EventBridge event as its SQS target receives it."""
    return json.dumps(
        {
            "version": "0",
            "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
            "detail-type": detail.get("type"),
            "source": f"portfolio.{detail.get('source')}",
            "account": "123456789012",
            "time": "2026-01-05T12:00:00Z",
            "region": REGION,
            "resources": [],
            "detail": dict(detail),
        }
    )


def incoming(detail: Mapping[str, Any]) -> IncomingEvent:
    """The event a consumer's handler receives for `detail`."""
    return IncomingEvent.from_envelope(envelope(detail))


class EventQueues:
    """A work queue with its dead-letter queue on moto, through boto3 (the test's side)."""

    def __init__(self, endpoint: str, name: str = "events", *, visibility_timeout: int = 0) -> None:
        self.sqs: Any = boto3.client(
            "sqs",
            region_name=REGION,
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106 - moto ignores it
        )
        name = f"{name}-{str(ULID()).lower()}"
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

    def send_event(self, detail: Mapping[str, Any]) -> None:
        self.send(envelope(detail))

    def count(self, url: str) -> int:
        """Messages on the queue, visible or in flight."""
        return int(self.attribute(url, "ApproximateNumberOfMessages")) + int(
            self.attribute(url, "ApproximateNumberOfMessagesNotVisible")
        )

    def dead_letters(self) -> list[str]:
        """The bodies on the dead-letter queue (received with a visibility timeout of 0: they stay)."""
        messages = self.sqs.receive_message(
            QueueUrl=self.dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=0, VisibilityTimeout=0
        )
        return sorted(m["Body"] for m in messages.get("Messages", []))

    def redrive(self) -> int:
        """Moves every dead letter back to the work queue; answers how many were moved."""
        return redrive(self.sqs, self.dlq_url, self.url)


def redrive(sqs: Any, dlq_url: str, url: str) -> int:
    """Moves every message of `dlq_url` back to `url` (what StartMessageMoveTask does in AWS) through
    a boto3 SQS client; answers how many were moved."""
    moved = 0
    while True:
        received = sqs.receive_message(
            QueueUrl=dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=0, VisibilityTimeout=30
        )
        messages = received.get("Messages", [])
        if not messages:
            return moved
        for message in messages:
            sqs.send_message(QueueUrl=url, MessageBody=message["Body"])
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 5.0) -> None:
    """Waits until `check` holds (an assertion error after `within` seconds)."""
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)
