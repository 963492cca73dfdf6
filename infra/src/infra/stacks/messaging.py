"""Messaging (DESIGN.md decision 12): one EventBridge bus; each producing subgraph's table stream
reaches it through a Pipe (infra/constructs/event_pipe.py); one rule per route of topology.toml
copies the route's events to the consumer's own SQS queue, and each queue has a dead-letter queue.

A message that fails `max_receive_count` times, or that EventBridge cannot deliver, lands in the
consumer's dead-letter queue; what a Pipe cannot put on the bus lands in the Pipe's. Each is alarmed
on (observability stack); docs/operations/events.md is the redrive.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from assets.domain.events import HISTORY_REFRESH_DUE, SCHEDULER_SOURCE
from aws_cdk import Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.constructs.event_pipe import TableEventPipe
from infra.topology import ROUTES, TOPOLOGY, Route

# 22:30 UTC: after the US close (21:00 UTC in winter, 20:00 in summer) and the ECB's reference rates.
HISTORY_REFRESH_CRON = "cron(30 22 * * ? *)"
# A backfill or a refresh waits for the providers' rate limits: a message must stay invisible that
# long, or a second consumer takes it while the first still works on it.
CONSUMER_VISIBILITY_SECONDS = {"assets": 15 * 60}


class ConsumerQueue(Construct):
    """A work queue and its dead-letter queue, both encrypted and TLS-only."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        queue_name: str,
        max_receive_count: int = 5,
        visibility_seconds: int = 60,
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
            visibility_timeout=Duration.seconds(visibility_seconds),
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
                self,
                f"{consumer.capitalize()}Events",
                queue_name=f"{config.prefix}-{consumer}-events",
                visibility_seconds=CONSUMER_VISIBILITY_SECONDS.get(consumer, 60),
            )
            for consumer in TOPOLOGY.consumers
        }
        self.rules = {(route.source, route.consumer): self._rule(route) for route in ROUTES}
        self.history_refresh = self._history_refresh()

    def _history_refresh(self) -> scheduler.CfnSchedule:
        """Once a day, after the US close, a tick on the assets queue: assets fetches the closes
        every stored series lacks (its launcher runs the same refresh on a timer locally)."""
        queues = self.consumer_queues["assets"]
        role = iam.Role(
            self,
            "HistoryRefreshRole",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": self.account}}
            ),
        )
        queues.queue.grant_send_messages(role)
        queues.dead_letter_queue.grant_send_messages(role)
        # The envelope a rule would deliver; the id and time of each run come from the Scheduler.
        tick = {
            "source": f"portfolio.{SCHEDULER_SOURCE}",
            "detail-type": HISTORY_REFRESH_DUE,
            "detail": {
                "eventId": "<aws.scheduler.execution-id>",
                "type": HISTORY_REFRESH_DUE,
                "source": SCHEDULER_SOURCE,
                "aggregateId": "history",
                "sequence": 0,
                "occurredAt": "<aws.scheduler.scheduled-time>",
                "data": "{}",
            },
        }
        return scheduler.CfnSchedule(
            self,
            "HistoryRefresh",
            description="The daily refresh of the assets service's stored closes",
            schedule_expression=HISTORY_REFRESH_CRON,
            schedule_expression_timezone="UTC",
            flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
            target=scheduler.CfnSchedule.TargetProperty(
                arn=queues.queue.queue_arn,
                role_arn=role.role_arn,
                input=json.dumps(tick, separators=(",", ":")),
                retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(
                    maximum_retry_attempts=8, maximum_event_age_in_seconds=6 * 3600
                ),
                dead_letter_config=scheduler.CfnSchedule.DeadLetterConfigProperty(
                    arn=queues.dead_letter_queue.queue_arn
                ),
            ),
        )

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
