"""Messaging stack: the bus, the rule to the portfolios queue, and every queue's dead letters."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from aws_cdk.assertions import Match, Template
from infra.assembly import SynthesizedStack

ENVIRONMENTS = ("dev", "prod")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_customer_events_on_the_bus_reach_the_portfolios_queue(
    env: str, template: Callable[[str], Template]
) -> None:
    messaging = template(f"{env}/messaging")
    messaging.has_resource_properties("AWS::Events::EventBus", {"Name": f"portfolio-{env}"})
    messaging.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": ["portfolio.customers"],
                "detail-type": ["CustomerRegistered", "CustomerClosed"],
            },
            "State": "ENABLED",
        },
    )


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_rule_targets_the_queue_and_keeps_undeliverable_events(
    env: str, stacks: dict[str, SynthesizedStack]
) -> None:
    messaging = stacks[f"{env}/messaging"]
    queues = {
        p["QueueName"]: logical_id
        for logical_id, r in messaging.resources("AWS::SQS::Queue").items()
        for p in [r["Properties"]]
    }
    (rule,) = messaging.properties("AWS::Events::Rule")
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [queues[f"portfolio-{env}-portfolios-events"], "Arn"]}
    assert target["DeadLetterConfig"]["Arn"] == {
        "Fn::GetAtt": [queues[f"portfolio-{env}-portfolios-events-dlq"], "Arn"]
    }
    assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] == 24 * 60 * 60


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_work_queue_has_a_dead_letter_queue_and_all_are_encrypted(
    env: str, stacks: dict[str, SynthesizedStack]
) -> None:
    messaging = stacks[f"{env}/messaging"]
    queues = {logical_id: r["Properties"] for logical_id, r in messaging.resources("AWS::SQS::Queue").items()}
    dead_letter_ids = set()
    for properties in queues.values():
        assert properties["SqsManagedSseEnabled"] is True
        if not properties["QueueName"].endswith("-dlq"):
            redrive = properties["RedrivePolicy"]
            assert redrive["maxReceiveCount"] == 5
            dead_letter_ids.add(redrive["deadLetterTargetArn"]["Fn::GetAtt"][0])
    assert dead_letter_ids == {i for i, p in queues.items() if p["QueueName"].endswith("-dlq")}
    assert len(dead_letter_ids) == 1


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_queues_refuse_requests_without_tls(env: str, template: Callable[[str], Template]) -> None:
    template(f"{env}/messaging").resource_properties_count_is(
        "AWS::SQS::QueuePolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
                        )
                    ]
                )
            }
        },
        2,
    )


def test_only_the_rule_may_send_to_the_queue(stacks: dict[str, SynthesizedStack]) -> None:
    messaging = stacks["prod/messaging"]
    (rule_id,) = messaging.resources("AWS::Events::Rule")
    for policy in messaging.properties("AWS::SQS::QueuePolicy"):
        allows = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
        assert allows, policy
        for statement in allows:
            assert statement["Principal"] == {"Service": "events.amazonaws.com"}
            assert statement["Condition"] == {
                "ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]}}
            }
