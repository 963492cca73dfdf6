"""Messaging: one EventBridge bus; each consumer reads its own SQS queue, each queue has a DLQ.

Today's flow: customers publishes CustomerRegistered / CustomerClosed to the bus (source
`portfolio.customers`); a rule copies them to the portfolios queue. A message that fails
`max_receive_count` times, or that EventBridge cannot deliver, lands in the dead-letter queue.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import CUSTOMERS_EVENT_SOURCE, PORTFOLIOS_CONSUMED_EVENTS, EnvironmentConfig


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
    def __init__(
        self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.bus = events.EventBus(self, "Bus", event_bus_name=config.prefix)
        self.portfolios = ConsumerQueue(
            self, "PortfoliosEvents", queue_name=f"{config.prefix}-portfolios-events"
        )
        self.consumer_queues = {"portfolios": self.portfolios}
        events.Rule(
            self,
            "CustomerEventsToPortfolios",
            event_bus=self.bus,
            description="Customer lifecycle events for the portfolios service",
            event_pattern=events.EventPattern(
                source=[CUSTOMERS_EVENT_SOURCE], detail_type=list(PORTFOLIOS_CONSUMED_EVENTS)
            ),
            targets=[
                targets.SqsQueue(
                    self.portfolios.queue,
                    dead_letter_queue=self.portfolios.dead_letter_queue,
                    retry_attempts=8,
                    max_event_age=Duration.hours(24),
                )
            ],
        )
