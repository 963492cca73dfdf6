"""Services stack: how each service scales, and what each task role and execution role may do."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from infra.assembly import SynthesizedStack, as_list, environment, resolve, role_policies, task_definition
from infra.topology import ROUTES, TOPOLOGY

SUBGRAPHS = TOPOLOGY.names
SERVICES = (*SUBGRAPHS, "router")


# -- autoscaling -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("env", "subgraph_range", "router_range"), [("dev", (1, 2), (1, 2)), ("prod", (2, 6), (2, 8))]
)
def test_every_service_scales_on_cpu_and_the_router_also_on_requests(
    env: str,
    subgraph_range: tuple[int, int],
    router_range: tuple[int, int],
    stacks: dict[str, SynthesizedStack],
) -> None:
    stack = stacks[f"{env}/services"]
    targets = stack.resources("AWS::ApplicationAutoScaling::ScalableTarget")
    policies = stack.properties("AWS::ApplicationAutoScaling::ScalingPolicy")
    services = stack.resources("AWS::ECS::Service")
    for logical_id, target in targets.items():
        properties = target["Properties"]
        service_id = properties["ResourceId"]["Fn::Join"][1][-1]["Fn::GetAtt"][0]
        name = services[service_id]["Properties"]["ServiceName"]
        expected = router_range if name == "router" else subgraph_range
        assert (properties["MinCapacity"], properties["MaxCapacity"]) == expected, name
        metrics = sorted(
            policy["TargetTrackingScalingPolicyConfiguration"]["PredefinedMetricSpecification"][
                "PredefinedMetricType"
            ]
            for policy in policies
            if policy["ScalingTargetId"] == {"Ref": logical_id}
        )
        expected_metrics = ["ECSServiceAverageCPUUtilization"]
        if name == "router":
            expected_metrics = ["ALBRequestCountPerTarget", *expected_metrics]
        assert metrics == expected_metrics, name
    assert len(targets) == 4


# -- IAM -------------------------------------------------------------------------------------------
def table_arn(env: str, account: str, name: str) -> str:
    return f"arn:aws:dynamodb:us-east-1:{account}:table/portfolio-{env}-{name}"


@pytest.mark.parametrize(("env", "account"), [("dev", "111111111111"), ("prod", "222222222222")])
@pytest.mark.parametrize("name", SUBGRAPHS)
def test_each_task_role_reaches_only_its_own_table_and_indexes(
    env: str, account: str, name: str, stacks: dict[str, SynthesizedStack]
) -> None:
    stack = stacks[f"{env}/services"]
    role = task_definition(stack, name)["TaskRoleArn"]
    dynamodb = [
        s for s in role_policies(stack, role) if any(a.startswith("dynamodb:") for a in as_list(s["Action"]))
    ]
    assert len(dynamodb) == 1
    arn = table_arn(env, account, name)
    definition = importlib.import_module(f"{name}.adapters.table").table_definition(f"portfolio-{env}-{name}")
    indexes = [index["IndexName"] for index in definition.get("GlobalSecondaryIndexes", [])]
    expected = [arn, *(f"{arn}/index/{index}" for index in indexes)]
    assert as_list(dynamodb[0]["Resource"]) == expected
    assert not any(a.startswith(("dynamodb:Create", "dynamodb:DeleteTable")) for a in dynamodb[0]["Action"])


def test_the_router_role_has_no_data_access(prod: SynthesizedStack) -> None:
    role = task_definition(prod, "router")["TaskRoleArn"]
    actions = {action for statement in role_policies(prod, role) for action in as_list(statement["Action"])}
    assert actions and all(action.startswith("xray:") for action in actions)


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_no_service_publishes_and_each_consumer_reads_only_its_own_queue(
    env: str, stacks: dict[str, SynthesizedStack]
) -> None:
    """Events leave through the tables' streams (the Pipes): no task role may put on a bus. A
    consumer of a route receives and deletes on its own queue, and is told that queue's URL."""
    stack = stacks[f"{env}/services"]
    consumers = {route.consumer for route in ROUTES}

    def statements_with(name: str, prefix: str) -> list[dict[str, Any]]:
        role = task_definition(stack, name)["TaskRoleArn"]
        return [
            s for s in role_policies(stack, role) if any(a.startswith(prefix) for a in as_list(s["Action"]))
        ]

    for name in SERVICES:
        assert statements_with(name, "events:") == [], name
        variables = environment(stack, name)
        assert not [v for v in variables if "EVENT_BUS" in v or v.endswith("EVENT_SOURCE")], name
        if name not in consumers:
            assert statements_with(name, "sqs:") == [], name
            assert not [v for v in variables if "QUEUE" in v], name
            continue
        (consume,) = statements_with(name, "sqs:")
        assert {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"} <= set(
            consume["Action"]
        )
        assert not any(
            a in consume["Action"] for a in ("sqs:SendMessage", "sqs:PurgeQueue", "sqs:DeleteQueue")
        )
        queue_arn, producers = resolve(stacks, consume["Resource"])
        assert producers == {f"portfolio-{env}-messaging"}
        queue_url, _ = resolve(stacks, variables[f"{name.upper()}_EVENT_QUEUE_URL"])
        (queue_id,) = {queue_arn["Fn::GetAtt"][0], queue_url["Ref"]}  # the same queue
        queue = stacks[f"{env}/messaging"].template["Resources"][queue_id]["Properties"]
        assert queue["QueueName"] == f"portfolio-{env}-{name}-events"


def test_only_the_assets_task_role_reads_the_market_data_secret(prod: SynthesizedStack) -> None:
    readers = {}
    for name in SERVICES:
        definition = task_definition(prod, name)
        for role in (definition["TaskRoleArn"], definition["ExecutionRoleArn"]):
            for statement in role_policies(prod, role):
                if any(a.startswith("secretsmanager:") for a in as_list(statement["Action"])):
                    readers[(name, role["Fn::GetAtt"][0])] = statement
    assert len(readers) == 1
    ((name, role_id), statement) = next(iter(readers.items()))
    assert name == "assets" and role_id == task_definition(prod, "assets")["TaskRoleArn"]["Fn::GetAtt"][0]
    assert sorted(statement["Action"]) == ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]
    # exactly the secret whose id the task is given
    assert statement["Resource"] == environment(prod, "assets")["ASSETS_API_KEYS_SECRET_ID"]


@pytest.mark.parametrize("name", SERVICES)
def test_execution_roles_pull_only_their_own_repository(name: str, prod: SynthesizedStack) -> None:
    role = task_definition(prod, name)["ExecutionRoleArn"]
    pulls = [s for s in role_policies(prod, role) if "ecr:BatchGetImage" in as_list(s["Action"])]
    assert [s["Resource"] for s in pulls] == [
        f"arn:aws:ecr:us-east-1:222222222222:repository/portfolio-{name}"
    ]


def test_no_policy_in_any_stack_grants_a_wildcard_action(stacks: dict[str, SynthesizedStack]) -> None:
    documents = []
    for stack in stacks.values():
        for resource_type, key in (
            ("AWS::IAM::Policy", "PolicyDocument"),
            ("AWS::IAM::Role", "AssumeRolePolicyDocument"),
            ("AWS::SQS::QueuePolicy", "PolicyDocument"),
            ("AWS::KMS::Key", "KeyPolicy"),
            ("AWS::S3::BucketPolicy", "PolicyDocument"),
        ):
            documents += [(stack.display_name, p[key]) for p in stack.properties(resource_type) if key in p]
        for role in stack.properties("AWS::IAM::Role"):
            documents += [
                (stack.display_name, policy["PolicyDocument"]) for policy in role.get("Policies", [])
            ]
    assert len(documents) > 20
    offending = [
        (where, action)
        for where, document in documents
        for statement in document["Statement"]
        if statement["Effect"] == "Allow"  # the TLS-only Deny statements say "sqs:*" and "s3:*": fine
        for action in as_list(statement.get("Action", []))
        if "*" in action
    ]
    assert offending == []
