"""SQS for the event consumers' tests: queues on moto's server that mirror infra's and the local
stack's (a dead-letter queue after 5 receives), and event messages as EventBridge delivers them,
built by the producers' own code (kit.aws.outbox) so a test never restates the format."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import boto3
from kit.aws.dynamo import to_item
from kit.aws.outbox import OutgoingEvent, envelope_from_stream_image, event_item
from ulid import ULID

REGION = "us-east-1"
MAX_RECEIVE_COUNT = 5  # as in infra's consumer queues and the local stack's


class Queues:
    """A work queue with its dead-letter queue on moto, through boto3 (the test's side). A
    visibility timeout of 0 (the default here) makes a message left on the queue come back at once."""

    def __init__(self, endpoint: str, *, name: str = "events", visibility_timeout: int = 0) -> None:
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

    def count(self, url: str) -> int:
        """Messages on the queue, visible or in flight."""
        return int(self.attribute(url, "ApproximateNumberOfMessages")) + int(
            self.attribute(url, "ApproximateNumberOfMessagesNotVisible")
        )

    def dead_letters(self) -> list[str]:
        messages = self.sqs.receive_message(QueueUrl=self.dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        return sorted(m["Body"] for m in messages.get("Messages", []))


def event_message(
    event_type: str,
    aggregate_id: str,
    data: Mapping[str, Any],
    *,
    source: str = "customers",
    sequence: int = 1,
    event_id: str | None = None,
    traceparent: str | None = None,
    occurred_at: datetime | None = None,
) -> str:
    """An SQS message body as a consumer receives it: the event item a producer writes, through the
    stream (kit.aws.outbox), in the EventBridge event EventBridge delivers to an SQS target."""
    item = event_item(
        OutgoingEvent(event_type, aggregate_id, sequence, data),
        source=source,
        occurred_at=occurred_at or datetime.now(UTC),
        event_id=event_id,
        traceparent=traceparent,
    )
    return json.dumps(
        {
            "version": "0",
            "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
            "account": "123456789012",
            "time": "2025-11-24T15:00:00Z",
            "region": REGION,
            "resources": [],
            **envelope_from_stream_image(to_item(item)),
        }
    )
