"""What every app of the cluster is, the router and each subgraph alike: a Fargate task of the app
container (its image from the service's ECR repository at the deployed tag) beside an ADOT collector
sidecar sending traces to X-Ray, its log group with retention, and a Fargate service in the private
subnets that rolls back a failed deployment and scales on CPU.

The constructs of this app add their resources to the stack that composes them, with ids that begin
with the service's name ("CustomersTask", "CustomersService"), rather than under a node of their own:
the resources had these ids before the constructs existed, and a node of its own would give every
one of them a new logical id, and CloudFormation would replace them (the named ECS services and log
groups would then fail to create, the ALB would get a new DNS name).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_ssm as ssm

from infra import nag
from infra.config import EnvironmentConfig, ServiceSize
from infra.stacks.registry import repository_name

ADOT_COLLECTOR_IMAGE = "public.ecr.aws/aws-observability/aws-otel-collector:v0.48.0"
APP_CONTAINER = "app"
COLLECTOR_CONTAINER = "otel-collector"
PORT_MAPPING_NAME = "http"
# Service Connect needs the protocol to report HTTP metrics (a jsii class property, typed for mypy).
HTTP_PROTOCOL = cast(ecs.AppProtocol, ecs.AppProtocol.http)

# X-Ray has no resource-level permissions for these: the documented policy is Resource "*".
XRAY_WRITE_ACTIONS = [
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:GetSamplingStatisticSummaries",
]


@dataclass(frozen=True)
class Platform:
    """What every app task of one environment shares: where it runs and what it is told."""

    config: EnvironmentConfig
    vpc: ec2.IVpc
    cluster: ecs.Cluster
    image_tag: str
    collector_config: ssm.IStringParameter
    log_levels: Mapping[str, ssm.IStringParameter]  # by service name
    # How every app container verifies a caller's token (the identity stack's pool); not secrets.
    auth_environment: Mapping[str, str]

    @property
    def removal(self) -> RemovalPolicy:
        return RemovalPolicy.DESTROY if self.config.name == "dev" else RemovalPolicy.RETAIN

    def log_level(self, name: str) -> ecs.Secret:
        return ecs.Secret.from_ssm_parameter(self.log_levels[name])

    def otel_environment(self, name: str) -> dict[str, str]:
        return {
            "OTEL_SERVICE_NAME": name,
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318",
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
            "OTEL_PROPAGATORS": "tracecontext,baggage,xray",
            "OTEL_RESOURCE_ATTRIBUTES": f"deployment.environment={self.config.name}",
        }


def http_health_check(command: list[str]) -> ecs.HealthCheck:
    """The container health check every app has, with its own probe."""
    return ecs.HealthCheck(
        command=command,
        interval=Duration.seconds(15),
        timeout=Duration.seconds(5),
        retries=3,
        start_period=Duration.seconds(30),
    )


class AppService:
    """One app on Fargate, built into `scope` under ids prefixed with `name.capitalize()`.

    Its task definition starts with X-Ray write access alone; whoever composes it grants the rest
    to `task_role`.
    """

    def __init__(
        self,
        scope: Stack,
        name: str,
        *,
        platform: Platform,
        port: int,
        size: ServiceSize,
        environment: Mapping[str, str],
        secrets: Mapping[str, ecs.Secret],
        health_check: ecs.HealthCheck,
        security_groups: list[ec2.ISecurityGroup],
        service_connect: ecs.ServiceConnectService | None = None,
        **service_options: Any,
    ) -> None:
        self.name = name
        self.platform = platform
        prefix = name.capitalize()
        config = platform.config
        self.task_definition = ecs.FargateTaskDefinition(
            scope,
            f"{prefix}Task",
            family=f"{config.prefix}-{name}",
            cpu=size.cpu,
            memory_limit_mib=size.memory_mib,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.X86_64,
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            ),
        )
        self.task_definition.add_to_task_role_policy(
            iam.PolicyStatement(sid="XRayWrite", actions=XRAY_WRITE_ACTIONS, resources=["*"])
        )
        self.log_group = logs.LogGroup(
            scope,
            f"{prefix}Logs",
            log_group_name=f"/{config.prefix}/{name}",
            retention=config.log_retention,
            removal_policy=platform.removal,
        )
        repository = ecr.Repository.from_repository_name(scope, f"{prefix}Repository", repository_name(name))
        self.container = self._containers(
            repository, port, environment=environment, secrets=secrets, health_check=health_check
        )
        self._acknowledge_wildcards()
        self.service = ecs.FargateService(
            scope,
            f"{prefix}Service",
            service_name=name,
            cluster=platform.cluster,
            task_definition=self.task_definition,
            desired_count=size.min_tasks,
            security_groups=security_groups,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            assign_public_ip=False,
            min_healthy_percent=100,
            max_healthy_percent=200,
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            # A subgraph advertises its name in the namespace; the router is a client only.
            service_connect_configuration=ecs.ServiceConnectProps(
                services=[service_connect] if service_connect else None,
                log_driver=self._logging("service-connect"),
            ),
            propagate_tags=ecs.PropagatedTagSource.SERVICE,
            **service_options,
        )
        self.scaling = self.service.auto_scale_task_count(
            min_capacity=size.min_tasks, max_capacity=size.max_tasks
        )
        self.scaling.scale_on_cpu_utilization(
            "CpuScaling",
            target_utilization_percent=config.cpu_target_percent,
            scale_in_cooldown=Duration.seconds(120),
            scale_out_cooldown=Duration.seconds(60),
        )

    @property
    def task_role(self) -> iam.IRole:
        return self.task_definition.task_role

    def _logging(self, stream_prefix: str) -> ecs.LogDriver:
        return ecs.LogDrivers.aws_logs(stream_prefix=stream_prefix, log_group=self.log_group)

    def _containers(
        self,
        repository: ecr.IRepository,
        port: int,
        *,
        environment: Mapping[str, str],
        secrets: Mapping[str, ecs.Secret],
        health_check: ecs.HealthCheck,
    ) -> ecs.ContainerDefinition:
        collector = self.task_definition.add_container(
            COLLECTOR_CONTAINER,
            image=ecs.ContainerImage.from_registry(ADOT_COLLECTOR_IMAGE),
            essential=False,  # losing traces must not take the service down
            memory_reservation_mib=64,
            secrets={"AOT_CONFIG_CONTENT": ecs.Secret.from_ssm_parameter(self.platform.collector_config)},
            logging=self._logging(COLLECTOR_CONTAINER),
            health_check=ecs.HealthCheck(command=["/healthcheck"], interval=Duration.seconds(30)),
        )
        container = self.task_definition.add_container(
            APP_CONTAINER,
            image=ecs.ContainerImage.from_ecr_repository(repository, tag=self.platform.image_tag),
            essential=True,
            port_mappings=[
                ecs.PortMapping(name=PORT_MAPPING_NAME, container_port=port, app_protocol=HTTP_PROTOCOL)
            ],
            environment={**environment, **self.platform.otel_environment(self.name)},
            secrets=dict(secrets),
            logging=self._logging(self.name),
            health_check=health_check,
            stop_timeout=Duration.seconds(30),
        )
        container.add_container_dependencies(
            ecs.ContainerDependency(container=collector, condition=ecs.ContainerDependencyCondition.START)
        )
        return container

    def _acknowledge_wildcards(self) -> None:
        task_definition = self.task_definition
        nag.acknowledge(
            task_definition,
            "ECS2",
            "Only non-secret settings are plain environment variables (ports, table name, region, "
            "URLs); secrets come from Secrets Manager and settings from SSM through `secrets`.",
        )
        nag.acknowledge(
            task_definition.task_role,
            "IAM5",
            "X-Ray's write and sampling actions have no resource-level permissions (Resource '*'); "
            "every other statement names its table, index, bus or queue ARN.",
            "Resource::*",
        )
        execution_role = task_definition.execution_role
        assert execution_role is not None  # created by the ECR image above
        nag.acknowledge(
            execution_role,
            "IAM5",
            "ecr:GetAuthorizationToken has no resource-level permissions (Resource '*'); image pulls "
            "are limited to this service's repository, secrets and parameters to their own ARNs.",
            "Resource::*",
        )
