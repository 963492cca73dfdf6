"""The daily refresh of assets' stored closes in AWS: an EventBridge Scheduler schedule puts a tick on
the assets queue, which assets' one event handler reads as a HistoryRefreshDue from the scheduler."""

from __future__ import annotations

import json
from typing import Any

from assets.domain.events import HISTORY_REFRESH_DUE, SCHEDULER_SOURCE
from infra.assembly import SynthesizedStack
from kit.aws.consumer import IncomingEvent


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _schedule(stacks: dict[str, SynthesizedStack], env: str) -> dict[str, Any]:
    [schedule] = stacks[f"{env}/messaging"].properties("AWS::Scheduler::Schedule")
    return schedule


def _queue_id(stacks: dict[str, SynthesizedStack], env: str, name: str) -> str:
    queues = stacks[f"{env}/messaging"].resources("AWS::SQS::Queue")
    [logical_id] = [lid for lid, r in queues.items() if r["Properties"]["QueueName"] == name]
    return logical_id


def test_once_a_day_after_the_us_close_in_utc(stacks: dict[str, SynthesizedStack]) -> None:
    for env in ("dev", "prod"):
        schedule = _schedule(stacks, env)
        assert schedule["ScheduleExpression"] == "cron(30 22 * * ? *)"
        assert schedule["ScheduleExpressionTimezone"] == "UTC"
        assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
        assert schedule.get("State", "ENABLED") == "ENABLED"


def test_the_tick_goes_to_the_assets_queue_and_its_failures_to_its_dead_letters(
    stacks: dict[str, SynthesizedStack],
) -> None:
    target = _schedule(stacks, "prod")["Target"]
    queue = _queue_id(stacks, "prod", "portfolio-prod-assets-events")
    dead_letters = _queue_id(stacks, "prod", "portfolio-prod-assets-events-dlq")
    assert target["Arn"] == {"Fn::GetAtt": [queue, "Arn"]}
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [dead_letters, "Arn"]}}
    assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0


def test_the_tick_is_an_event_assets_reads_as_the_schedules(stacks: dict[str, SynthesizedStack]) -> None:
    body = _schedule(stacks, "prod")["Target"]["Input"]
    # What the Scheduler substitutes at each run: a fresh id (so each day is a new event) and the time.
    run = body.replace("<aws.scheduler.execution-id>", "c0ffee00-run-1").replace(
        "<aws.scheduler.scheduled-time>", "2026-12-03T22:30:00Z"
    )
    event = IncomingEvent.from_envelope(run)
    assert (event.type, event.source, event.event_id) == (
        HISTORY_REFRESH_DUE,
        SCHEDULER_SOURCE,
        "c0ffee00-run-1",
    )
    assert json.loads(body)["detail-type"] == HISTORY_REFRESH_DUE


def test_the_schedules_role_may_only_send_to_the_assets_queues(stacks: dict[str, SynthesizedStack]) -> None:
    messaging = stacks["prod/messaging"]
    role_id = _schedule(stacks, "prod")["Target"]["RoleArn"]["Fn::GetAtt"][0]
    role = messaging.resources("AWS::IAM::Role")[role_id]["Properties"]
    [statement] = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert "aws:SourceAccount" in statement["Condition"]["StringEquals"]
    policies = [p for p in messaging.properties("AWS::IAM::Policy") if {"Ref": role_id} in p.get("Roles", [])]
    statements = [s for p in policies for s in p["PolicyDocument"]["Statement"]]
    actions = {
        a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert actions <= {"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}
    resources = [r for s in statements for r in _listed(s["Resource"])]
    queue = _queue_id(stacks, "prod", "portfolio-prod-assets-events")
    dead_letters = _queue_id(stacks, "prod", "portfolio-prod-assets-events-dlq")
    assert sorted(r["Fn::GetAtt"][0] for r in resources) == sorted([queue, dead_letters])


def test_the_assets_queue_outlasts_a_patient_backfill(stacks: dict[str, SynthesizedStack]) -> None:
    queues = stacks["prod/messaging"].resources("AWS::SQS::Queue")
    timeouts = {
        r["Properties"]["QueueName"]: r["Properties"].get("VisibilityTimeout") for r in queues.values()
    }
    assert timeouts["portfolio-prod-assets-events"] == 900
    assert timeouts["portfolio-prod-portfolios-events"] == 60
