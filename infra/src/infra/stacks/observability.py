"""Observability: alarms on what a user or the data would feel (router 5xx, router p99 latency,
dead letters, DynamoDB throttling), sent to one encrypted SNS topic, and one CloudWatch dashboard.

Traces go to X-Ray through the ADOT sidecar of every task; log groups (with retention) belong to
the services stack, beside the task definitions that write to them.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra.config import SERVICES, EnvironmentConfig
from infra.stacks.data import DataStack
from infra.stacks.messaging import MessagingStack
from infra.stacks.services import ServicesStack

# The account's administration of the alarm key, action by action (no "kms:*").
KEY_ADMIN_ACTIONS = [
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:CreateGrant",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RetireGrant",
    "kms:RevokeGrant",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
]


def _throttles(service: str, table: dynamodb.ITableV2, period: Duration) -> cloudwatch.MathExpression:
    def metric(name: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/DynamoDB",
            metric_name=name,
            dimensions_map={"TableName": table.table_name},
            statistic="Sum",
            period=period,
        )

    return cloudwatch.MathExpression(
        # Metric ids are unique per graph: one expression per table shares the dashboard widget.
        expression=f"FILL(r_{service}, 0) + FILL(w_{service}, 0)",
        using_metrics={
            f"r_{service}": metric("ReadThrottleEvents"),
            f"w_{service}": metric("WriteThrottleEvents"),
        },
        label=f"{service} throttled requests",
        period=period,
    )


AT_LEAST = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD


class ObservabilityStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        data: DataStack,
        messaging: MessagingStack,
        services: ServicesStack,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        key = kms.Key(
            self,
            "AlarmTopicKey",
            description="Encrypts the alarm topic",
            enable_key_rotation=True,
            # CDK's default key policy gives the account `kms:*`; this one names every action.
            policy=iam.PolicyDocument(
                statements=[
                    iam.PolicyStatement(
                        sid="AccountAdministersTheKey",
                        principals=[iam.AccountRootPrincipal()],
                        actions=KEY_ADMIN_ACTIONS,
                        resources=["*"],  # in a key policy, "*" is this key
                    ),
                    iam.PolicyStatement(
                        sid="CloudWatchPublishesAlarms",
                        principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                        actions=["kms:Decrypt", "kms:GenerateDataKey"],
                        resources=["*"],
                    ),
                ]
            ),
        )
        self.topic = sns.Topic(
            self, "Alarms", topic_name=f"{config.prefix}-alarms", master_key=key, enforce_ssl=True
        )
        if config.alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(config.alarm_email))
        self.alarms: list[cloudwatch.Alarm] = []

        alb = services.load_balancer
        five_minutes, one_minute = Duration.minutes(5), Duration.minutes(1)
        router_5xx = cloudwatch.MathExpression(
            expression="FILL(target, 0) + FILL(elb, 0)",
            using_metrics={
                "target": alb.metrics.http_code_target(
                    elbv2.HttpCodeTarget.TARGET_5XX_COUNT, statistic="Sum", period=five_minutes
                ),
                "elb": alb.metrics.http_code_elb(
                    elbv2.HttpCodeElb.ELB_5XX_COUNT, statistic="Sum", period=five_minutes
                ),
            },
            label="router 5xx (targets + ALB)",
            period=five_minutes,
        )
        self._alarm(
            "Router5xx",
            router_5xx,
            threshold=config.router_5xx_per_5_minutes,
            evaluation_periods=1,
            description=f"The router answered {config.router_5xx_per_5_minutes}+ 5xx in 5 minutes",
        )
        router_p99 = alb.metrics.target_response_time(statistic="p99", period=one_minute)
        self._alarm(
            "RouterP99Latency",
            router_p99,
            threshold=config.router_p99_latency_seconds,
            evaluation_periods=5,
            datapoints_to_alarm=3,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            description=f"Router p99 latency above {config.router_p99_latency_seconds}s in 3 of 5 minutes",
        )
        # Any dead letter is an event a consumer has not applied: alarm on the first one.
        for alarm_id, dead_letters in messaging.dead_letter_queues.items():
            self._alarm(
                alarm_id,
                dead_letters.metric_approximate_number_of_messages_visible(
                    statistic="Maximum", period=one_minute
                ),
                threshold=1,
                evaluation_periods=1,
                description=f"Messages are in the dead-letter queue {dead_letters.queue_name} "
                "(docs/operations/events.md)",
            )
        for service, table in data.tables.items():
            self._alarm(
                f"{service.capitalize()}TableThrottles",
                _throttles(service, table, five_minutes),
                threshold=1,
                evaluation_periods=1,
                description=f"DynamoDB throttled requests on the {service} table",
            )

        self.dashboard = cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=config.prefix, default_interval=Duration.hours(3)
        )
        self.dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=list(self.alarms), width=24, height=4)
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Router requests",
                left=[alb.metrics.request_count(statistic="Sum", period=one_minute)],
                right=[router_5xx],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Router latency",
                left=[
                    alb.metrics.target_response_time(statistic=statistic, period=one_minute)
                    for statistic in ("p50", "p90", "p99")
                ],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Dead letters",
                left=[
                    dead_letters.metric_approximate_number_of_messages_visible(period=one_minute)
                    for dead_letters in messaging.dead_letter_queues.values()
                ],
                right=[
                    queues.queue.metric_approximate_age_of_oldest_message(period=one_minute)
                    for queues in messaging.consumer_queues.values()
                ],
                width=8,
            ),
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Service CPU %",
                left=[services.services[name].metric_cpu_utilization(period=one_minute) for name in SERVICES],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Service memory %",
                left=[
                    services.services[name].metric_memory_utilization(period=one_minute) for name in SERVICES
                ],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="DynamoDB throttles",
                left=[_throttles(service, table, five_minutes) for service, table in data.tables.items()],
                width=8,
            ),
        )

    def _alarm(
        self,
        construct_id: str,
        metric: cloudwatch.IMetric,
        *,
        threshold: float,
        evaluation_periods: int,
        description: str,
        datapoints_to_alarm: int | None = None,
        comparison: cloudwatch.ComparisonOperator = AT_LEAST,
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            alarm_name=f"{Stack.of(self).stack_name}-{construct_id}",
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=datapoints_to_alarm,
            comparison_operator=comparison,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(actions.SnsAction(self.topic))
        alarm.add_ok_action(actions.SnsAction(self.topic))
        self.alarms.append(alarm)
        return alarm
