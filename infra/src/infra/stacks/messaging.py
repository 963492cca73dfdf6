"""Messaging (DESIGN.md decision 12): one EventBridge bus; each producing subgraph's table stream
reaches it through a Pipe (infra/constructs/event_pipe.py); one rule per route of topology.toml
copies the route's events to the consumer's own SQS queue, and each queue has a dead-letter queue.

A message that fails `max_receive_count` times, or that EventBridge cannot deliver, lands in the
consumer's dead-letter queue; what a Pipe cannot put on the bus lands in the Pipe's. Each is alarmed
on (observability stack); docs/operations/events.md is the redrive.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.constructs.event_pipe import TableEventPipe
from infra.topology import ROUTES, TOPOLOGY, Route


class ConsumerQueue(Construct):
    """A work queue and its dead-letter queue, both encrypted and TLS-only."""

    def __init__(
        self, scope: Construct, construct_id: str, *, queue_name: str, max_receive_count: int = 5
    ) -> None:
        super().__init__(scope, construct_id)
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetters",
            queue_name=f"{queue_name}-dlq",
            retention_period=Duration.days(14),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        self.queue = sqs.Queue(
            self,
            "Queue",
            queue_name=queue_name,
            visibility_timeout=Duration.seconds(60),
            retention_period=Duration.days(4),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            dead_letter_queue=sqs.DeadLetterQueue(
                max_receive_count=max_receive_count, queue=self.dead_letter_queue
            ),
        )


class MessagingStack(Stack):
    """The bus; per producing table a Pipe onto it; per route a rule to the consumer's queue."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        tables: Mapping[str, dynamodb.ITableV2],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.bus = events.EventBus(self, "Bus", event_bus_name=config.prefix)
        self.pipes = {
            source: TableEventPipe(
                self,
                f"{source.capitalize()}Pipe",
                subgraph=source,
                # Not "-events": that is the consumer queues' suffix, and a queue name is unique per account.
                pipe_name=f"{config.prefix}-{source}-outbox",
                table=tables[source],
                bus=self.bus,
            )
            for source in TOPOLOGY.producers
        }
        # "PortfoliosEvents" and its queue names are those the portfolios queue was deployed with.
        self.consumer_queues = {
            consumer: ConsumerQueue(
                self, f"{consumer.capitalize()}Events", queue_name=f"{config.prefix}-{consumer}-events"
            )
            for consumer in TOPOLOGY.consumers
        }
        self.rules = {(route.source, route.consumer): self._rule(route) for route in ROUTES}

    def _rule(self, route: Route) -> events.Rule:
        queues = self.consumer_queues[route.consumer]
        # "CustomerEventsToPortfolios": the id the first route's rule was deployed with.
        construct_id = f"{route.source.capitalize().removesuffix('s')}EventsTo{route.consumer.capitalize()}"
        return events.Rule(
            self,
            construct_id,
            event_bus=self.bus,
            description=f"{route.source} events for the {route.consumer} service (topology.toml)",
            event_pattern=events.EventPattern(source=[route.bus_source], detail_type=list(route.types)),
            targets=[
                targets.SqsQueue(
                    queues.queue,
                    # What EventBridge cannot deliver lands where the consumer's failures land: one
                    # queue per consumer to watch, and a redrive (StartMessageMoveTask) to its queue.
                    dead_letter_queue=queues.dead_letter_queue,
                    retry_attempts=8,
                    max_event_age=Duration.hours(24),
                )
            ],
        )

    @property
    def dead_letter_queues(self) -> dict[str, sqs.IQueue]:
        """Every dead-letter queue by the name of its alarm: "<Consumer>DeadLetters" for a
        consumer's queue, "<Source>PipeDeadLetters" for a Pipe's."""
        return {
            **{
                f"{name.capitalize()}DeadLetters": q.dead_letter_queue
                for name, q in self.consumer_queues.items()
            },
            **{f"{name.capitalize()}PipeDeadLetters": p.dead_letter_queue for name, p in self.pipes.items()},
        }
