"""A GraphQL subgraph on Fargate: what every subgraph gets, whichever it is.

No load balancer: the subgraph advertises its name in Service Connect, and its security group
admits only the callers it is told to admit (the router), on its own port. Its task role reaches its
own table and that table's indexes, nothing else; its settings are environment variables with its
prefix (CUSTOMERS_HOST, CUSTOMERS_TABLE_NAME, ...), its log level an SSM parameter. What is
particular to one subgraph (a secret, a cache) is wired in infra/services/<name>.py; a subgraph that
consumes events (a `consumer` of topology.toml's routes) reads its own queue (`consume_events`).
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sqs as sqs

from infra.constructs.app_service import PORT_MAPPING_NAME, AppService, Platform, http_health_check
from infra.tables import TableDefinition, table_name
from infra.topology import Subgraph

# What a subgraph does with its own table. TransactWriteItems / TransactGetItems are authorized by
# the per-item actions; no stream or control-plane action but DescribeTable (the readiness probe).
TABLE_DATA_ACTIONS = [
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:UpdateItem",
]


def subgraph_health_command(port: int) -> list[str]:
    """Liveness of a subgraph from inside its container (the slim image has python, not curl)."""
    probe = f"import urllib.request as u; u.urlopen('http://127.0.0.1:{port}/health', timeout=3)"
    return ["CMD", "python", "-c", probe]


class GraphqlService:
    """One subgraph, built into `scope` (see infra/constructs/app_service.py for why not a node).

    `environment`, `secrets` and `security_groups` are the subgraph's particular ones, added to
    those every subgraph has; grants to `task_role` are written by whoever wires it.
    """

    def __init__(
        self,
        scope: Stack,
        subgraph: Subgraph,
        *,
        platform: Platform,
        table_definition: TableDefinition,
        environment: Mapping[str, str] | None = None,
        secrets: Mapping[str, ecs.Secret] | None = None,
        security_groups: list[ec2.ISecurityGroup] | None = None,
    ) -> None:
        config, prefix, port = platform.config, subgraph.env_prefix, subgraph.port
        self.subgraph = subgraph
        self.table_name = table_name(config, subgraph.name)
        self.security_group = ec2.SecurityGroup(
            scope,
            f"{subgraph.construct_prefix}SecurityGroup",
            vpc=platform.vpc,
            description=f"{subgraph.name} subgraph tasks: GraphQL from the router only",
        )
        self.app = AppService(
            scope,
            subgraph.name,
            platform=platform,
            port=port,
            size=config.subgraph_size,
            environment={
                f"{prefix}HOST": "0.0.0.0",  # noqa: S104 - inside the task; the security group admits the router only
                f"{prefix}PORT": str(port),
                f"{prefix}TABLE_NAME": self.table_name,
                f"{prefix}AWS_REGION": scope.region,
                f"{prefix}GRAPHIQL": str(config.graphiql).lower(),
                **platform.auth_environment,
                **(environment or {}),
            },
            secrets={f"{prefix}LOG_LEVEL": platform.log_level(subgraph.name), **(secrets or {})},
            health_check=http_health_check(subgraph_health_command(port)),
            security_groups=[self.security_group, *(security_groups or [])],
            service_connect=ecs.ServiceConnectService(
                port_mapping_name=PORT_MAPPING_NAME,
                discovery_name=subgraph.name,
                dns_name=subgraph.name,
                port=port,
            ),
        )
        self.service = self.app.service
        self._grant_own_table(scope, table_definition)

    @property
    def task_role(self) -> iam.IRole:
        return self.app.task_role

    def consume_events(self, queue: sqs.IQueue) -> None:
        """Read the events routed to this subgraph (topology.toml [[route]]) from its own queue:
        `<PREFIX>EVENT_QUEUE_URL`, and receive, delete and extend visibility on that queue alone."""
        self.app.container.add_environment(f"{self.subgraph.env_prefix}EVENT_QUEUE_URL", queue.queue_url)
        queue.grant_consume_messages(self.task_role)

    def admit(self, caller: ec2.ISecurityGroup, who: str) -> None:
        """Let the members of `caller` reach this subgraph's GraphQL port."""
        port = self.subgraph.port
        self.security_group.add_ingress_rule(
            caller, ec2.Port.tcp(port), f"{self.subgraph.name} GraphQL from {who}"
        )

    def _grant_own_table(self, scope: Stack, table_definition: TableDefinition) -> None:
        # By name, not by a reference to the data stack's table: no cross-stack export to pin it.
        table_arn = scope.format_arn(service="dynamodb", resource="table", resource_name=self.table_name)
        indexes = [
            index["IndexName"]
            for index in table_definition(self.table_name).get("GlobalSecondaryIndexes", [])
        ]
        self.app.task_definition.add_to_task_role_policy(
            iam.PolicyStatement(
                sid="OwnTable",
                actions=TABLE_DATA_ACTIONS,
                resources=[table_arn, *(f"{table_arn}/index/{index}" for index in indexes)],
            )
        )
