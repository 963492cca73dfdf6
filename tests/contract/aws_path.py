"""The AWS event path rebuilt in process from what infra synthesizes, since AWS cannot run here:

    table stream (DynamoDB Local) -> the Pipe as synthesized (its filter, Source, DetailType and
    InputTemplate, rendered by infra.event_path) -> PutEvents on a bus (moto) -> the rules as
    synthesized (their EventPattern, matched by moto) -> each consumer's queue with its dead-letter
    queue (moto, the redrive policy as synthesized)

The Pipe's filter is matched with moto's EventBridge pattern engine (Pipes filters use the same
pattern syntax). moto does not enforce the queues' resource policies, nor the rule's own retry and
dead-letter settings; infra/tests assert those on the template.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import boto3
from infra.assembly import SynthesizedStack, load
from infra.event_path import SynthesizedPipe, SynthesizedRule, pipes_of, rules_of
from kit_testing import unique_table_name
from moto.events.models import EventPattern

from infra.app import build_app, cdk_json_context

REGION = "us-east-1"
IMAGE_TAG = "0123456789abcdef0123456789abcdef01234567"


def synthesized_messaging(outdir: Path, env: str = "prod") -> SynthesizedStack:
    """The app synthesized as `make synth` does (cdk.json's context, cdk-nag applied), and its
    messaging stack."""
    context = cdk_json_context()
    context["imageTag"] = IMAGE_TAG
    build_app(context, outdir=str(outdir)).synth()
    return load(outdir)[f"{env}/messaging"]


def boto(service: str, endpoint: str) -> Any:
    """A boto3 client (the test's side) on moto or DynamoDB Local."""
    return boto3.client(
        service,  # type: ignore[call-overload]
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


class StreamTap:
    """A table's stream read from its start (TRIM_HORIZON), each call answering the records written
    since the previous one, shard by shard in order, as a Pipe reads them."""

    def __init__(self, dynamodb_endpoint: str, table: str) -> None:
        self.streams = boto("dynamodbstreams", dynamodb_endpoint)
        description = boto("dynamodb", dynamodb_endpoint).describe_table(TableName=table)["Table"]
        self.stream_arn = description["LatestStreamArn"]
        self._iterators: dict[str, str | None] = {}
        self._last: dict[str, str] = {}

    def records(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        shards = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]
        for shard in shards:
            found.extend(self._read(shard["ShardId"]))
        return found

    def _read(self, shard_id: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while True:
            iterator = self._iterators.get(shard_id) or self._iterator(shard_id)
            try:
                page = self.streams.get_records(ShardIterator=iterator)
            except self.streams.exceptions.TrimmedDataAccessException:
                # DynamoDB Local's answer for a shard read before its first record (see
                # devstack.relay): ask again from the last record seen.
                self._iterators[shard_id] = None
                return found
            records = page.get("Records", [])
            self._iterators[shard_id] = page.get("NextShardIterator")
            if not records:
                return found
            self._last[shard_id] = records[-1]["dynamodb"]["SequenceNumber"]
            found.extend(as_json(record) for record in records)

    def _iterator(self, shard_id: str) -> str:
        request: dict[str, Any] = {"StreamArn": self.stream_arn, "ShardId": shard_id}
        if shard_id in self._last:
            request |= {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": self._last[shard_id]}
        else:
            request["ShardIteratorType"] = "TRIM_HORIZON"
        return str(self.streams.get_shard_iterator(**request)["ShardIterator"])


def as_json(record: dict[str, Any]) -> dict[str, Any]:
    """A record as a Pipe receives it: JSON. boto3 parses the creation time into a datetime and
    decodes binary attributes; the record's JSON has epoch seconds and base64 text."""

    def plain(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.timestamp()
        if isinstance(value, bytes):
            return base64.b64encode(value).decode("ascii")
        raise TypeError(f"{type(value).__name__} in a stream record")

    text = json.dumps(record, default=plain)
    parsed: dict[str, Any] = json.loads(text)
    return parsed


@dataclass(frozen=True)
class ConsumerQueues:
    url: str
    dlq_url: str
    max_receive_count: int


class AwsPath:
    """The synthesized bus, rules and consumer queues on moto, and the synthesized Pipes in front.
    `visibility_timeout` overrides the queues' synthesized one (60 s), so a test of redelivery need
    not wait a minute per receive."""

    def __init__(
        self, moto_endpoint: str, messaging: SynthesizedStack, *, visibility_timeout: int | None = None
    ) -> None:
        self.events = boto("events", moto_endpoint)
        self.sqs = boto("sqs", moto_endpoint)
        prefix = unique_table_name("flow")
        self.events.create_event_bus(Name=prefix)
        self.bus = prefix
        self.pipes: dict[str, SynthesizedPipe] = pipes_of(messaging)
        self.rules: dict[tuple[str, str], SynthesizedRule] = rules_of(messaging)
        self.queues: dict[str, ConsumerQueues] = {}
        for (source, consumer), rule in self.rules.items():
            queues = self.queues.get(consumer) or self._queues(
                f"{prefix}-{consumer}", rule, visibility_timeout
            )
            self.queues[consumer] = queues
            name = f"{prefix}-{source}-to-{consumer}"
            self.events.put_rule(
                Name=name, EventBusName=self.bus, EventPattern=json.dumps(rule.event_pattern)
            )
            self.events.put_targets(
                Rule=name,
                EventBusName=self.bus,
                Targets=[{"Id": consumer, "Arn": self.arn(queues.url)}],
            )

    def _queues(self, name: str, rule: SynthesizedRule, visibility_timeout: int | None) -> ConsumerQueues:
        dlq_url = self.sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
        redrive = {"deadLetterTargetArn": self.arn(dlq_url), "maxReceiveCount": str(rule.max_receive_count)}
        timeout = rule.queue["VisibilityTimeout"] if visibility_timeout is None else visibility_timeout
        url = self.sqs.create_queue(
            QueueName=name,
            Attributes={"VisibilityTimeout": str(timeout), "RedrivePolicy": json.dumps(redrive)},
        )["QueueUrl"]
        return ConsumerQueues(url, dlq_url, rule.max_receive_count)

    def arn(self, url: str) -> str:
        attributes = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
        return str(attributes["QueueArn"])

    def carry(self, source: str, records: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
        """What `source`'s Pipe does with stream records: those its filter passes go on the bus as
        it shapes them. Answers the entries put."""
        pipe = self.pipes[source]
        patterns = [EventPattern.load(json.dumps(p)) for p in pipe.filter_patterns]
        entries = [
            pipe.event_entry(record)
            for record in records
            if any(pattern.matches_event(cast(Any, record)) for pattern in patterns)
        ]
        for entry in entries:
            response = self.events.put_events(Entries=[{**entry, "EventBusName": self.bus}])
            assert response["FailedEntryCount"] == 0, response
        return entries

    def count(self, url: str) -> int:
        """Messages on a queue, visible or in flight."""
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        attributes = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        return sum(int(value) for value in attributes.values())

    def peek(self, url: str) -> list[dict[str, Any]]:
        """The bodies on a queue, parsed, left there (received with a visibility timeout of 0)."""
        received = self.sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0, VisibilityTimeout=0
        )
        return [json.loads(m["Body"]) for m in received.get("Messages", [])]
