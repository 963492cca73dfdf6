"""Messaging stack: the bus, one rule per route of topology.toml to the consumer's queue, and every
queue's dead letters."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template
from infra.assembly import SynthesizedStack
from infra.topology import ROUTES

ENVIRONMENTS = ("dev", "prod")
CONSUMERS = sorted({route.consumer for route in ROUTES})
PRODUCERS = sorted({route.source for route in ROUTES})


def queues_by_name(messaging: SynthesizedStack) -> dict[str, str]:
    return {
        r["Properties"]["QueueName"]: logical_id
        for logical_id, r in messaging.resources("AWS::SQS::Queue").items()
    }


def rules_by_route(messaging: SynthesizedStack) -> dict[tuple[str, ...], dict[str, Any]]:
    """Rule properties by (bus source, *detail types) of their pattern."""
    found = {}
    for rule in messaging.properties("AWS::Events::Rule"):
        pattern = rule["EventPattern"]
        assert set(pattern) == {"source", "detail-type"}, pattern
        (source,) = pattern["source"]
        found[(source, *pattern["detail-type"])] = rule
    return found


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_one_rule_per_route_selects_exactly_the_routes_events(
    env: str, template: Callable[[str], Template]
) -> None:
    messaging = template(f"{env}/messaging")
    messaging.has_resource_properties("AWS::Events::EventBus", {"Name": f"portfolio-{env}"})
    messaging.resource_count_is("AWS::Events::Rule", len(ROUTES))
    for route in ROUTES:
        messaging.has_resource_properties(
            "AWS::Events::Rule",
            {
                "EventPattern": {"source": [f"portfolio.{route.source}"], "detail-type": list(route.types)},
                "State": "ENABLED",
            },
        )


def test_the_rule_patterns_are_the_routes(stacks: dict[str, SynthesizedStack]) -> None:
    rules = rules_by_route(stacks["prod/messaging"])
    assert set(rules) == {(f"portfolio.{route.source}", *route.types) for route in ROUTES}
    assert ("portfolio.customers", "CustomerRegistered", "CustomerUpdated", "CustomerClosed") in rules


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_each_rule_targets_its_consumers_queue_and_keeps_undeliverable_events(
    env: str, stacks: dict[str, SynthesizedStack]
) -> None:
    messaging = stacks[f"{env}/messaging"]
    queues = queues_by_name(messaging)
    rules = rules_by_route(messaging)
    for route in ROUTES:
        rule = rules[(f"portfolio.{route.source}", *route.types)]
        (target,) = rule["Targets"]
        assert target["Arn"] == {"Fn::GetAtt": [queues[f"portfolio-{env}-{route.consumer}-events"], "Arn"]}
        assert target["DeadLetterConfig"]["Arn"] == {
            "Fn::GetAtt": [queues[f"portfolio-{env}-{route.consumer}-events-dlq"], "Arn"]
        }
        assert target["RetryPolicy"] == {"MaximumEventAgeInSeconds": 24 * 60 * 60, "MaximumRetryAttempts": 8}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_consumer_queue_has_a_dead_letter_queue_and_all_are_encrypted(
    env: str, stacks: dict[str, SynthesizedStack]
) -> None:
    messaging = stacks[f"{env}/messaging"]
    queues = {logical_id: r["Properties"] for logical_id, r in messaging.resources("AWS::SQS::Queue").items()}
    by_name = queues_by_name(messaging)
    assert len(by_name) == len(queues), "queue names are unique in an account"
    work = {p["QueueName"]: p for p in queues.values() if not p["QueueName"].endswith("-dlq")}
    assert sorted(work) == sorted(f"portfolio-{env}-{consumer}-events" for consumer in CONSUMERS)
    for name, properties in work.items():
        assert properties["SqsManagedSseEnabled"] is True
        redrive = properties["RedrivePolicy"]
        assert redrive["maxReceiveCount"] == 5
        assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": [by_name[f"{name}-dlq"], "Arn"]}
    dead_letters = sorted(name for name in by_name if name.endswith("-dlq"))
    assert dead_letters == sorted(
        [f"portfolio-{env}-{consumer}-events-dlq" for consumer in CONSUMERS]
        + [f"portfolio-{env}-{producer}-outbox-dlq" for producer in PRODUCERS]
    )
    for name in dead_letters:
        assert queues[by_name[name]]["SqsManagedSseEnabled"] is True
        assert queues[by_name[name]]["MessageRetentionPeriod"] == 14 * 24 * 60 * 60


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_queues_refuse_requests_without_tls(env: str, stacks: dict[str, SynthesizedStack]) -> None:
    messaging = stacks[f"{env}/messaging"]
    denied = set()
    for policy in messaging.properties("AWS::SQS::QueuePolicy"):
        for statement in policy["PolicyDocument"]["Statement"]:
            if statement["Effect"] == "Deny" and statement["Condition"] == {
                "Bool": {"aws:SecureTransport": "false"}
            }:
                denied.update(queue["Ref"] for queue in policy["Queues"])
    assert denied == set(messaging.resources("AWS::SQS::Queue"))
    Template.from_json(messaging.template).has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {"PolicyDocument": {"Statement": Match.array_with([Match.object_like({"Effect": "Deny"})])}},
    )


def test_only_the_routes_rule_may_send_to_a_consumer_queue(stacks: dict[str, SynthesizedStack]) -> None:
    messaging = stacks["prod/messaging"]
    queues = queues_by_name(messaging)
    rule_ids = {
        json.dumps(r["Properties"]["EventPattern"], sort_keys=True): logical_id
        for logical_id, r in messaging.resources("AWS::Events::Rule").items()
    }
    allowed: dict[str, set[str]] = {}
    for policy in messaging.properties("AWS::SQS::QueuePolicy"):
        for statement in policy["PolicyDocument"]["Statement"]:
            if statement["Effect"] != "Allow":
                continue
            assert statement["Principal"] == {"Service": "events.amazonaws.com"}
            (rule_arn,) = statement["Condition"]["ArnEquals"].values()
            for queue in policy["Queues"]:
                allowed.setdefault(queue["Ref"], set()).add(rule_arn["Fn::GetAtt"][0])
    expected: dict[str, set[str]] = {}
    for route in ROUTES:
        pattern = {"source": [f"portfolio.{route.source}"], "detail-type": list(route.types)}
        rule_id = rule_ids[json.dumps(pattern, sort_keys=True)]
        for name in (
            f"portfolio-prod-{route.consumer}-events",
            f"portfolio-prod-{route.consumer}-events-dlq",
        ):
            expected.setdefault(queues[name], set()).add(rule_id)
    # the Pipes' dead-letter queues admit no service at all: the Pipe's role sends there
    assert allowed == expected


def test_the_first_routes_rule_keeps_its_deployed_logical_id(stacks: dict[str, SynthesizedStack]) -> None:
    """The customers -> portfolios rule and queues were deployed before the routes: same ids, so
    CloudFormation updates them in place instead of replacing them."""
    resources = set(stacks["prod/messaging"].template["Resources"])
    assert {
        "CustomerEventsToPortfoliosD9FE296E",
        "PortfoliosEventsQueue0BA8169E",
        "PortfoliosEventsDeadLetters28285C2A",
        "BusEA82B648",
    } <= resources
