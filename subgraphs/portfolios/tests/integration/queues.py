"""SQS for the event consumer's tests: queues on moto's server that mirror infra's (a dead-letter
queue after 5 receives) with a visibility timeout of 0, so that a message left on the queue comes
back at once instead of after a minute; EventBridge envelopes; waiting for a condition."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import boto3
from kit.aws.dynamo import to_item
from portfolios.adapters import table
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


async def is_not_none(value: Awaitable[object]) -> bool:
    return await value is not None


async def holds(value: bool) -> bool:
    return value


async def directory_entry(api: Any, customer_id: str) -> dict[str, Any] | None:
    response = await api.runtime.dynamodb.get_item(
        TableName=api.runtime.settings.table_name,
        Key=to_item(table.directory_key(customer_id)),
        ConsistentRead=True,
    )
    item: dict[str, Any] | None = response.get("Item")
    return item
