"""The outbox's way out (DESIGN.md decision 12): per producing table an EventBridge Pipe from its
stream to the bus, passing only the INSERTs of event items and shaping each into the event the
consumers read; its role reads that one stream and puts on that one bus; nothing else publishes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from infra.assembly import SynthesizedStack, as_list, resolve
from infra.event_path import placeholder_paths, render_input_template
from infra.topology import ROUTES

from infra import event_path

ENVIRONMENTS = ("dev", "prod")
PRODUCERS = sorted({route.source for route in ROUTES})
ACCOUNTS = {"dev": "111111111111", "prod": "222222222222"}


def pipes_of(stack: SynthesizedStack) -> dict[str, dict[str, Any]]:
    """Pipe properties by the subgraph whose table it reads (from its name portfolio-<env>-<s>-outbox)."""
    return {subgraph: pipe.properties for subgraph, pipe in event_path.pipes_of(stack).items()}


def table_logical_id(stacks: dict[str, SynthesizedStack], env: str, subgraph: str) -> str:
    (logical_id,) = [
        logical_id
        for logical_id, resource in stacks[f"{env}/data"].resources("AWS::DynamoDB::GlobalTable").items()
        if resource["Properties"]["TableName"] == f"portfolio-{env}-{subgraph}"
    ]
    return logical_id


def queue_named(stack: SynthesizedStack, name: str) -> str:
    (logical_id,) = [
        logical_id
        for logical_id, resource in stack.resources("AWS::SQS::Queue").items()
        if resource["Properties"]["QueueName"] == name
    ]
    return logical_id


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_one_pipe_per_producing_table_reads_that_tables_stream_onto_the_bus(
    env: str, stacks: dict[str, SynthesizedStack]
) -> None:
    messaging = stacks[f"{env}/messaging"]
    pipes = pipes_of(messaging)
    assert sorted(pipes) == PRODUCERS
    (bus_id,) = messaging.resources("AWS::Events::EventBus")
    for subgraph, pipe in pipes.items():
        source, producers = resolve(stacks, pipe["Source"])
        assert source == {"Fn::GetAtt": [table_logical_id(stacks, env, subgraph), "StreamArn"]}, subgraph
        assert producers == {f"portfolio-{env}-data"}
        assert pipe["Target"] == {"Fn::GetAtt": [bus_id, "Arn"]}
        assert pipe["DesiredState"] == "RUNNING"


@pytest.mark.parametrize("subgraph", PRODUCERS)
def test_the_pipe_passes_only_inserts_of_event_items(
    subgraph: str, stacks: dict[str, SynthesizedStack]
) -> None:
    source = pipes_of(stacks["prod/messaging"])[subgraph]["SourceParameters"]
    (only,) = source["FilterCriteria"]["Filters"]
    assert json.loads(only["Pattern"]) == {
        "eventName": ["INSERT"],
        "dynamodb": {"NewImage": {"kind": {"S": ["event"]}}},
    }


@pytest.mark.parametrize("subgraph", PRODUCERS)
def test_the_pipe_reads_from_the_tip_retries_a_bounded_number_of_times_then_keeps_the_batch(
    subgraph: str, stacks: dict[str, SynthesizedStack]
) -> None:
    messaging = stacks["prod/messaging"]
    stream = pipes_of(messaging)[subgraph]["SourceParameters"]["DynamoDBStreamParameters"]
    assert stream["StartingPosition"] == "LATEST"
    assert 1 <= stream["BatchSize"] <= 10
    assert (
        0 < stream["MaximumRetryAttempts"] <= 20
    )  # not -1 (forever): a poison record must not stall the shard
    assert stream["ParallelizationFactor"] == 1  # the shard's order holds
    dead_letters = queue_named(messaging, f"portfolio-prod-{subgraph}-outbox-dlq")
    assert stream["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [dead_letters, "Arn"]}}


@pytest.mark.parametrize("subgraph", PRODUCERS)
def test_events_go_on_the_bus_with_the_subgraphs_source_and_their_type_as_detail_type(
    subgraph: str, stacks: dict[str, SynthesizedStack]
) -> None:
    target = pipes_of(stacks["prod/messaging"])[subgraph]["TargetParameters"]
    assert target["EventBridgeEventBusParameters"] == {
        "Source": f"portfolio.{subgraph}",
        "DetailType": "$.dynamodb.NewImage.type.S",
    }


# -- the detail: the Pipe's InputTemplate applied to a stream record (infra.event_path) -------------
DATA = {"customerId": "01J0CUSTOMER", "reason": 'said "close it"', "amount": "12.50"}
EVENT_ITEM = {  # as kit.aws.outbox.event_item writes it, in DynamoDB JSON (the stream's NewImage)
    "pk": {"S": "EVENT#01J0EVENT"},
    "sk": {"S": "EVENT"},
    "kind": {"S": "event"},
    "eventId": {"S": "01J0EVENT"},
    "type": {"S": "CustomerClosed"},
    "source": {"S": "customers"},
    "aggregateId": {"S": "01J0CUSTOMER"},
    "sequence": {"N": "3"},
    "occurredAt": {"S": "2026-12-03T18:00:00.123456Z"},
    "data": {"S": json.dumps(DATA, separators=(",", ":"))},
    "traceparent": {"S": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
    "purgeAt": {"N": "1796925600"},
}


@pytest.mark.parametrize("subgraph", PRODUCERS)
def test_the_detail_is_the_event_as_consumers_read_it(
    subgraph: str, stacks: dict[str, SynthesizedStack]
) -> None:
    template = pipes_of(stacks["prod/messaging"])[subgraph]["TargetParameters"]["InputTemplate"]
    record = {"eventName": "INSERT", "dynamodb": {"NewImage": EVENT_ITEM, "SequenceNumber": "100"}}
    detail = json.loads(render_input_template(template, record))
    assert detail == {
        "eventId": "01J0EVENT",
        "type": "CustomerClosed",
        "source": "customers",
        "aggregateId": "01J0CUSTOMER",
        "sequence": 3,
        "occurredAt": "2026-12-03T18:00:00.123456Z",
        "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "data": '{"customerId":"01J0CUSTOMER","reason":"said \\"close it\\"","amount":"12.50"}',
    }
    assert isinstance(detail["sequence"], int)
    assert json.loads(detail["data"]) == DATA  # data stays the event's own JSON text
    # nothing but the event item's own attributes, and none of its bookkeeping, reaches the bus
    assert all(path.startswith("$.dynamodb.NewImage.") for path in placeholder_paths(template))
    assert not any(key in template for key in ("purgeAt", '"kind"', "pk.S", "OldImage"))


# -- the Pipe's role ----------------------------------------------------------------------------------
@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize("subgraph", PRODUCERS)
def test_the_pipe_role_reads_its_own_stream_puts_on_its_bus_and_keeps_dead_letters_only(
    env: str, subgraph: str, stacks: dict[str, SynthesizedStack]
) -> None:
    messaging = stacks[f"{env}/messaging"]
    pipe = pipes_of(messaging)[subgraph]
    role_id = pipe["RoleArn"]["Fn::GetAtt"][0]
    role = messaging.template["Resources"][role_id]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "pipes.amazonaws.com"}
    assert trust["Condition"]["ArnEquals"]["aws:SourceArn"] == (
        f"arn:aws:pipes:us-east-1:{ACCOUNTS[env]}:pipe/portfolio-{env}-{subgraph}-outbox"
    )
    assert trust["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNTS[env]
    assert role.get("ManagedPolicyArns") is None
    # no policy beside its own inline one is attached to the role
    assert not [p for p in messaging.properties("AWS::IAM::Policy") if {"Ref": role_id} in p["Roles"]]
    statements = [s for policy in role["Policies"] for s in policy["PolicyDocument"]["Statement"]]
    (bus_id,) = messaging.resources("AWS::Events::EventBus")
    granted = {}
    for statement in statements:
        assert statement["Effect"] == "Allow"
        resource, _ = resolve(stacks, statement["Resource"])
        for action in as_list(statement["Action"]):
            granted[action] = resource
    stream = {"Fn::GetAtt": [table_logical_id(stacks, env, subgraph), "StreamArn"]}
    dead_letters = {"Fn::GetAtt": [queue_named(messaging, f"portfolio-{env}-{subgraph}-outbox-dlq"), "Arn"]}
    assert granted == {
        "dynamodb:DescribeStream": stream,
        "dynamodb:GetRecords": stream,
        "dynamodb:GetShardIterator": stream,
        "dynamodb:ListStreams": stream,
        "events:PutEvents": {"Fn::GetAtt": [bus_id, "Arn"]},
        "sqs:SendMessage": dead_letters,
    }


def test_nothing_but_the_pipes_puts_events_on_a_bus(stacks: dict[str, SynthesizedStack]) -> None:
    """No service publishes after its write any more: the only PutEvents are the Pipes' roles'."""
    putters = []
    for stack in stacks.values():
        roles = stack.resources("AWS::IAM::Role")
        for role_id, role in roles.items():
            for policy in role["Properties"].get("Policies", []):
                if any(
                    "events:PutEvents" in as_list(s["Action"]) for s in policy["PolicyDocument"]["Statement"]
                ):
                    putters.append((stack.display_name, role_id))
        for policy in stack.properties("AWS::IAM::Policy"):
            statements = policy["PolicyDocument"]["Statement"]
            if any(a.startswith("events:") for s in statements for a in as_list(s["Action"])):
                putters.append((stack.display_name, str(policy["Roles"])))
    expected = sorted(
        (f"{env}/messaging", role_id)
        for env in ENVIRONMENTS
        for pipe in pipes_of(stacks[f"{env}/messaging"]).values()
        for role_id in [pipe["RoleArn"]["Fn::GetAtt"][0]]
    )
    assert sorted(putters) == expected
    assert len(expected) == 2 * len(PRODUCERS)
