"""In-memory stand-ins for DynamoDB, DynamoDB Streams and SQS, with just what the relay calls: shards
that close and have children, iterators that expire, queues that refuse. For the relay's unit tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from kit.aws.dynamo import to_item
from kit.aws.outbox import OutgoingEvent, event_item

STREAM = "arn:stream/customers"


class ResourceNotFoundException(Exception):
    pass


class ExpiredIteratorException(Exception):
    pass


class TrimmedDataAccessException(Exception):
    pass


ERRORS = SimpleNamespace(
    ResourceNotFoundException=ResourceNotFoundException,
    ExpiredIteratorException=ExpiredIteratorException,
    TrimmedDataAccessException=TrimmedDataAccessException,
)


def record(sequence: int, customer: str, *, name: str = "INSERT") -> dict[str, Any]:
    item = event_item(
        OutgoingEvent("CustomerRegistered", customer, sequence, {"customerId": customer}),
        source="customers",
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        event_id=f"e{sequence:03}",
    )
    return {"eventName": name, "dynamodb": {"SequenceNumber": f"{sequence:021}", "NewImage": to_item(item)}}


@dataclass
class FakeShard:
    shard_id: str
    parent: str | None = None
    records: list[dict[str, Any]] = field(default_factory=list)
    closed: bool = False


class FakeDynamoDB:
    exceptions = ERRORS

    async def describe_table(self, TableName: str) -> dict[str, Any]:
        return {"Table": {"LatestStreamArn": STREAM, "StreamSpecification": {"StreamEnabled": True}}}


class FakeStreams:
    exceptions = ERRORS

    def __init__(self, *shards: FakeShard) -> None:
        self.shards = {shard.shard_id: shard for shard in shards}
        self.iterator_requests: list[dict[str, Any]] = []
        self.expire_next = False

    async def describe_stream(self, StreamArn: str, **_: Any) -> dict[str, Any]:
        return {
            "StreamDescription": {
                "Shards": [
                    {"ShardId": s.shard_id, **({"ParentShardId": s.parent} if s.parent else {})}
                    for s in self.shards.values()
                ]
            }
        }

    async def get_shard_iterator(self, **request: Any) -> dict[str, Any]:
        self.iterator_requests.append(request)
        shard = self.shards[request["ShardId"]]
        position = 0
        if request["ShardIteratorType"] == "AFTER_SEQUENCE_NUMBER":
            numbers = [r["dynamodb"]["SequenceNumber"] for r in shard.records]
            position = numbers.index(request["SequenceNumber"]) + 1
        return {"ShardIterator": f"{shard.shard_id}@{position}"}

    async def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
        if self.expire_next:
            self.expire_next = False
            raise ExpiredIteratorException("expired")
        shard_id, position = ShardIterator.split("@")
        shard = self.shards[shard_id]
        page = shard.records[int(position) : int(position) + Limit]
        end = int(position) + len(page)
        response: dict[str, Any] = {"Records": page}
        if not (shard.closed and end >= len(shard.records)):
            response["NextShardIterator"] = f"{shard_id}@{end}"
        return response


class FakeSqs:
    def __init__(self) -> None:
        self.sent: dict[str, list[str]] = {}
        self.refuse = 0  # how many of the next batches fail

    async def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, Any]:
        if self.refuse:
            self.refuse -= 1
            return {"Failed": [{"Id": Entries[0]["Id"], "Code": "InternalError"}], "Successful": []}
        self.sent.setdefault(QueueUrl, []).extend(entry["MessageBody"] for entry in Entries)
        return {"Successful": [{"Id": entry["Id"]} for entry in Entries]}
