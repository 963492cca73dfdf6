"""Observability stack: the alarms the issue asks for, wired to one encrypted topic; one dashboard."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template
from infra.assembly import SynthesizedStack, resolve
from infra.topology import ROUTES, TOPOLOGY

ENVIRONMENTS = ("dev", "prod")


def alarms(stack: SynthesizedStack) -> dict[str, dict[str, Any]]:
    return {p["AlarmName"].rsplit("-", 1)[-1]: p for p in stack.properties("AWS::CloudWatch::Alarm")}


def metric_names(alarm: dict[str, Any]) -> set[str]:
    if "MetricName" in alarm:
        return {alarm["MetricName"]}
    return {m["MetricStat"]["Metric"]["MetricName"] for m in alarm["Metrics"] if "MetricStat" in m}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_expected_alarms_exist_and_notify_the_topic(
    env: str, stacks: dict[str, SynthesizedStack]
) -> None:
    stack = stacks[f"{env}/observability"]
    found = alarms(stack)
    assert set(found) == {
        "Router5xx",
        "RouterP99Latency",
        "PortfoliosDeadLetters",
        "AssetsDeadLetters",
        "CustomersPipeDeadLetters",
        "PortfoliosPipeDeadLetters",
        "AssetsPipeDeadLetters",
        "CustomersTableThrottles",
        "PortfoliosTableThrottles",
        "AssetsTableThrottles",
    }
    (topic_id,) = stack.resources("AWS::SNS::Topic")
    for name, alarm in found.items():
        assert alarm["AlarmActions"] == [{"Ref": topic_id}], name
        assert alarm["TreatMissingData"] == "notBreaching", name


def test_router_5xx_counts_target_and_load_balancer_errors(stacks: dict[str, SynthesizedStack]) -> None:
    alarm = alarms(stacks["prod/observability"])["Router5xx"]
    assert metric_names(alarm) == {"HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count"}
    assert alarm["Threshold"] == 5
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_router_p99_latency(stacks: dict[str, SynthesizedStack]) -> None:
    alarm = alarms(stacks["prod/observability"])["RouterP99Latency"]
    assert (alarm["MetricName"], alarm["ExtendedStatistic"], alarm["Threshold"]) == (
        "TargetResponseTime",
        "p99",
        1.5,
    )
    assert (alarm["DatapointsToAlarm"], alarm["EvaluationPeriods"]) == (3, 5)
    (dimension,) = alarm["Dimensions"]
    assert dimension["Name"] == "LoadBalancer"
    assert dimension["Value"]["Fn::GetStackOutput"]["StackName"] == "portfolio-prod-services"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_dead_letter_queue_alarms_on_the_first_message(
    env: str, stacks: dict[str, SynthesizedStack]
) -> None:
    """Each consumer's dead-letter queue and each Pipe's: one alarm each, on the first visible message."""
    messaging = stacks[f"{env}/messaging"]
    dead_letter_ids = {
        logical_id
        for logical_id, queue in messaging.resources("AWS::SQS::Queue").items()
        if queue["Properties"]["QueueName"].endswith("-dlq")
    }
    watched = {}
    for name, alarm in alarms(stacks[f"{env}/observability"]).items():
        if alarm.get("MetricName") != "ApproximateNumberOfMessagesVisible":
            continue
        assert (alarm["Namespace"], alarm["Statistic"], alarm["Threshold"]) == ("AWS/SQS", "Maximum", 1), name
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold", name
        assert alarm["EvaluationPeriods"] == 1 and alarm["Period"] == 60, name
        (dimension,) = alarm["Dimensions"]
        assert dimension["Name"] == "QueueName"
        queue, producers = resolve(stacks, dimension["Value"])
        assert producers == {f"portfolio-{env}-messaging"}
        watched[name] = queue["Fn::GetAtt"][0]
    assert sorted(watched.values()) == sorted(dead_letter_ids)
    consumers = {route.consumer for route in ROUTES}
    producers = {route.source for route in ROUTES}
    assert set(watched) == {f"{c.capitalize()}DeadLetters" for c in consumers} | {
        f"{p.capitalize()}PipeDeadLetters" for p in producers
    }


@pytest.mark.parametrize("service", TOPOLOGY.names)
def test_each_table_alarms_on_read_and_write_throttles(
    service: str, stacks: dict[str, SynthesizedStack]
) -> None:
    alarm = alarms(stacks["prod/observability"])[f"{service.capitalize()}TableThrottles"]
    assert metric_names(alarm) == {"ReadThrottleEvents", "WriteThrottleEvents"}
    for metric in alarm["Metrics"]:
        if "MetricStat" in metric:
            (dimension,) = metric["MetricStat"]["Metric"]["Dimensions"]
            assert dimension["Name"] == "TableName"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_alarm_topic_is_encrypted_with_a_rotating_key(
    env: str, template: Callable[[str], Template]
) -> None:
    observability = template(f"{env}/observability")
    observability.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
    observability.has_resource_properties(
        "AWS::SNS::Topic", {"TopicName": f"portfolio-{env}-alarms", "KmsMasterKeyId": Match.any_value()}
    )
    observability.has_resource_properties(
        "AWS::KMS::Key",
        {
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                            }
                        )
                    ]
                )
            }
        },
    )


def test_alarm_email_is_subscribed_where_configured(template: Callable[[str], Template], given: Any) -> None:
    template("prod/observability").has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": given.alarm_email}
    )
    template("dev/observability").resource_count_is("AWS::SNS::Subscription", 0)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_one_dashboard_per_environment(env: str, template: Callable[[str], Template]) -> None:
    observability = template(f"{env}/observability")
    observability.resource_count_is("AWS::CloudWatch::Dashboard", 1)
    observability.has_resource_properties("AWS::CloudWatch::Dashboard", {"DashboardName": f"portfolio-{env}"})
