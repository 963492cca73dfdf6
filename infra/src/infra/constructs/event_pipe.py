"""The outbox's way out in AWS (DESIGN.md decision 12): an EventBridge Pipe from one subgraph's table
stream to the bus. The subgraph writes an event item (`kind = "event"`) in the same transaction as
the change; the Pipe keeps the INSERT records of such items and puts each on the bus as the event
the consumers read, with `source` = `portfolio.<subgraph>` and `detail-type` = the event's type.

What the Pipe cannot deliver after its retries (the bus refusing, a template error) goes to the
Pipe's own dead-letter queue: a record there names the stream shard and sequence numbers of the
batch, not the event; docs/operations/events.md says how to replay it from the table.
"""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_pipes as pipes
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import nag
from infra.topology import bus_source

# What the Pipe passes on: an INSERT of an event item. Every other item and change (the entities
# themselves, updates, the TTL's removals, the consumers' markers) stays in the table.
EVENT_FILTER: dict[str, Any] = {
    "eventName": ["INSERT"],
    "dynamodb": {"NewImage": {"kind": {"S": ["event"]}}},
}

# Where the event item's attributes are in a stream record (DynamoDB JSON: one type key each).
_NEW_IMAGE = "$.dynamodb.NewImage"
# The event's type is its detail-type on the bus: rules select on it.
DETAIL_TYPE_PATH = f"{_NEW_IMAGE}.type.S"
# The detail, field by field, from the event item (kit.aws.outbox writes these attributes). Strings
# are quoted placeholders: Pipes escapes the value into a JSON string, so `data`, the event's own
# JSON text, stays text. `sequence` is a number: an unquoted placeholder of the N attribute.
DETAIL_STRINGS = ("eventId", "type", "source", "aggregateId")
DETAIL_NUMBERS = ("sequence",)
DETAIL_TRAILING_STRINGS = ("occurredAt", "traceparent", "data")


def detail_template() -> str:
    """The Pipe's InputTemplate: the `detail` of the event on the bus, as the consumers read it
    (kit.aws.consumer.IncomingEvent): eventId, type, source, aggregateId, sequence (a number),
    occurredAt, traceparent (empty or absent when the write had no trace) and data (JSON text)."""
    fields = [f'"{name}": "<{_NEW_IMAGE}.{name}.S>"' for name in DETAIL_STRINGS]
    fields += [f'"{name}": <{_NEW_IMAGE}.{name}.N>' for name in DETAIL_NUMBERS]
    fields += [f'"{name}": "<{_NEW_IMAGE}.{name}.S>"' for name in DETAIL_TRAILING_STRINGS]
    return "{" + ", ".join(fields) + "}"


# The Pipe's execution role on its source stream: exactly what reading a stream takes.
STREAM_READ_ACTIONS = [
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
]


class TableEventPipe(Construct):
    """The Pipe of one subgraph's table, its dead-letter queue and its execution role."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        subgraph: str,
        pipe_name: str,
        table: dynamodb.ITableV2,
        bus: events.IEventBus,
        batch_size: int = 10,
        maximum_retry_attempts: int = 10,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        stream_arn = table.table_stream_arn
        if stream_arn is None:
            raise ValueError(f"the {subgraph} table has no stream for its Pipe to read")
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetters",
            queue_name=f"{pipe_name}-dlq",
            retention_period=Duration.days(14),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        nag.acknowledge(
            self.dead_letter_queue,
            "SQS3",
            "This queue is the dead-letter queue of the Pipe (its DeadLetterConfig): the end of the "
            "line, alarmed on by the observability stack; a queue behind it would only move the problem.",
        )
        pipe_arn = stack.format_arn(service="pipes", resource="pipe", resource_name=pipe_name)
        self.role = iam.Role(
            self,
            "Role",
            description=f"The {pipe_name} Pipe: reads the {subgraph} table's stream, puts events on the bus",
            # Only this account's Pipe of this name may act as the role (no confused deputy).
            assumed_by=iam.ServicePrincipal(
                "pipes.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnEquals": {"aws:SourceArn": pipe_arn},
                },
            ),
            inline_policies={
                "Pipe": iam.PolicyDocument(
                    statements=[
                        iam.PolicyStatement(
                            sid="ReadOwnTableStream", actions=STREAM_READ_ACTIONS, resources=[stream_arn]
                        ),
                        iam.PolicyStatement(
                            sid="PutOnBus", actions=["events:PutEvents"], resources=[bus.event_bus_arn]
                        ),
                        iam.PolicyStatement(
                            sid="KeepUndeliverable",
                            actions=["sqs:SendMessage"],
                            resources=[self.dead_letter_queue.queue_arn],
                        ),
                    ]
                )
            },
        )
        self.pipe = pipes.CfnPipe(
            self,
            "Pipe",
            name=pipe_name,
            description=f"Events written in the {subgraph} table, onto the bus",
            role_arn=self.role.role_arn,
            source=stream_arn,
            source_parameters=pipes.CfnPipe.PipeSourceParametersProperty(
                dynamo_db_stream_parameters=pipes.CfnPipe.PipeSourceDynamoDBStreamParametersProperty(
                    # A new Pipe starts at the stream's tip: the events written from then on.
                    starting_position="LATEST",
                    batch_size=batch_size,
                    maximum_batching_window_in_seconds=0,  # the delay from write to consumer counts
                    maximum_retry_attempts=maximum_retry_attempts,
                    # A batch that keeps failing is halved until the one bad record is found.
                    on_partial_batch_item_failure="AUTOMATIC_BISECT",
                    parallelization_factor=1,  # one batch per shard at a time: the shard's order holds
                    dead_letter_config=pipes.CfnPipe.DeadLetterConfigProperty(
                        arn=self.dead_letter_queue.queue_arn
                    ),
                ),
                filter_criteria=pipes.CfnPipe.FilterCriteriaProperty(
                    filters=[pipes.CfnPipe.FilterProperty(pattern=json.dumps(EVENT_FILTER))]
                ),
            ),
            target=bus.event_bus_arn,
            target_parameters=pipes.CfnPipe.PipeTargetParametersProperty(
                event_bridge_event_bus_parameters=pipes.CfnPipe.PipeTargetEventBridgeEventBusParametersProperty(
                    source=bus_source(subgraph), detail_type=DETAIL_TYPE_PATH
                ),
                input_template=detail_template(),
            ),
            desired_state="RUNNING",
        )
