"""Services: an ECS cluster; the three subgraphs as Fargate services without any load balancer,
reachable only by the router through ECS Service Connect; the router (Hive Gateway) behind an
internet-facing ALB. Every task carries an ADOT collector sidecar sending traces to X-Ray.

Security groups: the ALB admits the internet on its listener port; the router admits only the ALB;
each subgraph admits only the router, on its own port. Tasks run in private subnets without public
IPs. IAM: each task role reaches only its own table (and its indexes); customers may put events on
the bus, portfolios may consume its queue; the assets task role alone reads the market-data secret.

Every app container, the router and each subgraph alike, verifies the caller's Cognito ID token
itself (AUTH_*, from the identity stack), so a request that got past the router would still need one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_servicediscovery as servicediscovery
from constructs import Construct

from infra import nag
from infra.config import (
    CUSTOMERS_EVENT_SOURCE,
    PORTS,
    ROUTER,
    SUBGRAPHS,
    EnvironmentConfig,
    ServiceSize,
)
from infra.stacks.cache import CacheStack
from infra.stacks.configuration import ConfigurationStack
from infra.stacks.data import DataStack, table_name
from infra.stacks.identity import DEFAULT_ROLE, ROLES_CLAIM, IdentityStack
from infra.stacks.messaging import MessagingStack
from infra.stacks.registry import repository_name

ADOT_COLLECTOR_IMAGE = "public.ecr.aws/aws-observability/aws-otel-collector:v0.48.0"
APP_CONTAINER = "app"
COLLECTOR_CONTAINER = "otel-collector"
PORT_MAPPING_NAME = "http"
# Service Connect needs the protocol to report HTTP metrics (a jsii class property, typed for mypy).
HTTP_PROTOCOL = cast(ecs.AppProtocol, ecs.AppProtocol.http)

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

# X-Ray has no resource-level permissions for these: the documented policy is Resource "*".
XRAY_WRITE_ACTIONS = [
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:GetSamplingStatisticSummaries",
]


def subgraph_health_command(port: int) -> list[str]:
    """Liveness of a subgraph from inside its container (the slim image has python, not curl)."""
    probe = f"import urllib.request as u; u.urlopen('http://127.0.0.1:{port}/health', timeout=3)"
    return ["CMD", "python", "-c", probe]


@dataclass(frozen=True)
class Dependencies:
    data: DataStack
    messaging: MessagingStack
    cache: CacheStack
    configuration: ConfigurationStack
    identity: IdentityStack


class ServicesStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        vpc: ec2.IVpc,
        deps: Dependencies,
        image_tag: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        self.deps = deps
        self.image_tag = image_tag
        self.private_subnets = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
        self.removal = RemovalPolicy.DESTROY if config.name == "dev" else RemovalPolicy.RETAIN

        self.cluster = ecs.Cluster(
            self,
            "Cluster",
            cluster_name=config.prefix,
            vpc=vpc,
            container_insights_v2=ecs.ContainerInsights.ENHANCED,
        )
        # Service Connect needs a Cloud Map namespace; an HTTP namespace (no DNS zone) is enough.
        self.cluster.add_default_cloud_map_namespace(
            name=f"{config.prefix}.internal",
            type=servicediscovery.NamespaceType.HTTP,
            use_for_service_connect=True,
        )

        self.security_groups: dict[str, ec2.SecurityGroup] = {}
        self.task_definitions: dict[str, ecs.FargateTaskDefinition] = {}
        self.services: dict[str, ecs.FargateService] = {}
        self.log_groups: dict[str, logs.LogGroup] = {}
        self.security_groups[ROUTER] = ec2.SecurityGroup(
            self, "RouterSecurityGroup", vpc=vpc, description="Router tasks: from the ALB only"
        )
        for name in SUBGRAPHS:
            self._subgraph(name, vpc)
        self._router(vpc)

    # -- shared pieces ---------------------------------------------------------------------------
    def _task_definition(self, name: str, size: ServiceSize) -> ecs.FargateTaskDefinition:
        task_definition = ecs.FargateTaskDefinition(
            self,
            f"{name.capitalize()}Task",
            family=f"{self.config.prefix}-{name}",
            cpu=size.cpu,
            memory_limit_mib=size.memory_mib,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.X86_64,
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            ),
        )
        task_definition.add_to_task_role_policy(
            iam.PolicyStatement(sid="XRayWrite", actions=XRAY_WRITE_ACTIONS, resources=["*"])
        )
        self.task_definitions[name] = task_definition
        self.log_groups[name] = logs.LogGroup(
            self,
            f"{name.capitalize()}Logs",
            log_group_name=f"/{self.config.prefix}/{name}",
            retention=self.config.log_retention,
            removal_policy=self.removal,
        )
        return task_definition

    def _auth_environment(self) -> dict[str, str]:
        """How every app container (the router and each subgraph) verifies a caller's token: the
        identity stack's user pool is the issuer, its frontend client the audience. Clients send
        the Cognito ID token: its `aud` is the client id, whereas the access token carries
        `client_id` instead of `aud` and is refused. None of these values is a secret."""
        identity = self.deps.identity
        return {
            "AUTH_ISSUER": identity.issuer,
            "AUTH_JWKS_URL": identity.jwks_url,
            "AUTH_AUDIENCE": identity.audience,
            "AUTH_ROLES_CLAIM": ROLES_CLAIM,
            # Users who signed themselves up are in no group: they are customers.
            "AUTH_DEFAULT_ROLE": DEFAULT_ROLE,
        }

    def _logging(self, name: str, stream_prefix: str) -> ecs.LogDriver:
        return ecs.LogDrivers.aws_logs(stream_prefix=stream_prefix, log_group=self.log_groups[name])

    def _otel_environment(self, name: str) -> dict[str, str]:
        return {
            "OTEL_SERVICE_NAME": name,
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318",
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
            "OTEL_PROPAGATORS": "tracecontext,baggage,xray",
            "OTEL_RESOURCE_ATTRIBUTES": f"deployment.environment={self.config.name}",
        }

    def _app_container(
        self,
        name: str,
        task_definition: ecs.FargateTaskDefinition,
        *,
        environment: dict[str, str],
        secrets: dict[str, ecs.Secret],
        health_check: ecs.HealthCheck,
    ) -> ecs.ContainerDefinition:
        repository = ecr.Repository.from_repository_name(
            self, f"{name.capitalize()}Repository", repository_name(name)
        )
        collector = task_definition.add_container(
            COLLECTOR_CONTAINER,
            image=ecs.ContainerImage.from_registry(ADOT_COLLECTOR_IMAGE),
            essential=False,  # losing traces must not take the service down
            memory_reservation_mib=64,
            secrets={
                "AOT_CONFIG_CONTENT": ecs.Secret.from_ssm_parameter(self.deps.configuration.collector_config)
            },
            logging=self._logging(name, COLLECTOR_CONTAINER),
            health_check=ecs.HealthCheck(command=["/healthcheck"], interval=Duration.seconds(30)),
        )
        container = task_definition.add_container(
            APP_CONTAINER,
            image=ecs.ContainerImage.from_ecr_repository(repository, tag=self.image_tag),
            essential=True,
            port_mappings=[
                ecs.PortMapping(
                    name=PORT_MAPPING_NAME, container_port=PORTS[name], app_protocol=HTTP_PROTOCOL
                )
            ],
            environment={**environment, **self._otel_environment(name)},
            secrets=secrets,
            logging=self._logging(name, name),
            health_check=health_check,
            stop_timeout=Duration.seconds(30),
        )
        container.add_container_dependencies(
            ecs.ContainerDependency(container=collector, condition=ecs.ContainerDependencyCondition.START)
        )
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
        return container

    def _service(
        self,
        name: str,
        task_definition: ecs.FargateTaskDefinition,
        size: ServiceSize,
        security_groups: list[ec2.ISecurityGroup],
        service_connect: ecs.ServiceConnectProps,
        **kwargs: Any,
    ) -> ecs.FargateService:
        service = ecs.FargateService(
            self,
            f"{name.capitalize()}Service",
            service_name=name,
            cluster=self.cluster,
            task_definition=task_definition,
            desired_count=size.min_tasks,
            security_groups=security_groups,
            vpc_subnets=self.private_subnets,
            assign_public_ip=False,
            min_healthy_percent=100,
            max_healthy_percent=200,
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            service_connect_configuration=service_connect,
            propagate_tags=ecs.PropagatedTagSource.SERVICE,
            **kwargs,
        )
        self.services[name] = service
        return service

    def _autoscale(self, service: ecs.FargateService, size: ServiceSize) -> ecs.ScalableTaskCount:
        scaling = service.auto_scale_task_count(min_capacity=size.min_tasks, max_capacity=size.max_tasks)
        scaling.scale_on_cpu_utilization(
            "CpuScaling",
            target_utilization_percent=self.config.cpu_target_percent,
            scale_in_cooldown=Duration.seconds(120),
            scale_out_cooldown=Duration.seconds(60),
        )
        return scaling

    # -- subgraphs -------------------------------------------------------------------------------
    def _subgraph(self, name: str, vpc: ec2.IVpc) -> None:
        config, deps = self.config, self.deps
        prefix = name.upper()
        port = PORTS[name]
        size = config.subgraph_size
        table = table_name(config, name)
        task_definition = self._task_definition(name, size)
        table_arn = self.format_arn(service="dynamodb", resource="table", resource_name=table)
        indexes = [
            index["IndexName"] for index in deps.data.definitions[name].get("GlobalSecondaryIndexes", [])
        ]
        task_definition.add_to_task_role_policy(
            iam.PolicyStatement(
                sid="OwnTable",
                actions=TABLE_DATA_ACTIONS,
                resources=[table_arn, *(f"{table_arn}/index/{index}" for index in indexes)],
            )
        )

        environment = {
            f"{prefix}_HOST": "0.0.0.0",  # noqa: S104 - inside the task; the security group admits the router only
            f"{prefix}_PORT": str(port),
            f"{prefix}_TABLE_NAME": table,
            f"{prefix}_AWS_REGION": Stack.of(self).region,
            f"{prefix}_GRAPHIQL": str(config.graphiql).lower(),
            **self._auth_environment(),
        }
        secrets = {f"{prefix}_LOG_LEVEL": ecs.Secret.from_ssm_parameter(deps.configuration.log_levels[name])}
        security_group = ec2.SecurityGroup(
            self,
            f"{name.capitalize()}SecurityGroup",
            vpc=vpc,
            description=f"{name} subgraph tasks: GraphQL from the router only",
        )
        security_group.add_ingress_rule(
            self.security_groups[ROUTER], ec2.Port.tcp(port), f"{name} GraphQL from the router"
        )
        self.security_groups[name] = security_group
        security_groups: list[ec2.ISecurityGroup] = [security_group]

        if name == "customers":
            deps.messaging.bus.grant_put_events_to(task_definition.task_role)
            environment["CUSTOMERS_EVENT_BUS_NAME"] = deps.messaging.bus.event_bus_name
            environment["CUSTOMERS_EVENT_SOURCE"] = CUSTOMERS_EVENT_SOURCE
        elif name == "portfolios":
            queue = deps.messaging.portfolios.queue
            queue.grant_consume_messages(task_definition.task_role)
            environment["PORTFOLIOS_EVENTS_QUEUE_URL"] = queue.queue_url
        elif name == "assets":
            environment["ASSETS_CACHE_URL"] = deps.cache.url
            security_groups.append(deps.cache.client_security_group)
            for variable, parameter in (
                ("ASSETS_PRICE_PROVIDERS", deps.configuration.price_providers),
                ("ASSETS_FX_PROVIDER", deps.configuration.fx_provider),
                ("ASSETS_QUOTE_TTL_SECONDS", deps.configuration.quote_ttl_seconds),
            ):
                secrets[variable] = ecs.Secret.from_ssm_parameter(parameter)
            # The service reads its API keys itself at start: the secret's ARN, and read access to it
            # for this task role alone. The keys never enter a task definition or an environment.
            market_data = deps.configuration.market_data_secret
            market_data.grant_read(task_definition.task_role)
            environment["ASSETS_API_KEYS_SECRET_ID"] = market_data.secret_arn

        self._app_container(
            name,
            task_definition,
            environment=environment,
            secrets=secrets,
            health_check=ecs.HealthCheck(
                command=subgraph_health_command(port),
                interval=Duration.seconds(15),
                timeout=Duration.seconds(5),
                retries=3,
                start_period=Duration.seconds(30),
            ),
        )
        service = self._service(
            name,
            task_definition,
            size,
            security_groups,
            ecs.ServiceConnectProps(
                services=[
                    ecs.ServiceConnectService(
                        port_mapping_name=PORT_MAPPING_NAME, discovery_name=name, dns_name=name, port=port
                    )
                ],
                log_driver=self._logging(name, "service-connect"),
            ),
        )
        self._autoscale(service, size)

    # -- router ----------------------------------------------------------------------------------
    def _router(self, vpc: ec2.IVpc) -> None:
        config, deps = self.config, self.deps
        port = PORTS[ROUTER]
        size = config.router_size
        task_definition = self._task_definition(ROUTER, size)
        environment = {
            "ROUTER_HOST": "0.0.0.0",  # noqa: S104 - inside the task; the security group admits the ALB only
            "ROUTER_PORT": str(port),
            # In every AWS environment: no GraphiQL, introspection or suggestions; the router's
            # production limits. Trusted documents only is part of the profile; said here as well.
            "ROUTER_PROFILE": "production",
            "ROUTER_TRUSTED_DOCUMENTS_ONLY": "true",
            # Service Connect names: http://<dns name>:<port> from any task of the namespace.
            **{f"{name.upper()}_URL": f"http://{name}:{PORTS[name]}/graphql" for name in SUBGRAPHS},
            **self._auth_environment(),
        }
        if config.cors_origins:  # unset: no browser origin is admitted
            environment["ROUTER_CORS_ORIGINS"] = ",".join(config.cors_origins)
        # Limits only when configured: otherwise the production profile's own defaults apply.
        # (EnvironmentConfig.validate admits the router's limit variables only.)
        environment.update({variable: str(value) for variable, value in sorted(config.router_limits.items())})
        self._app_container(
            ROUTER,
            task_definition,
            environment=environment,
            secrets={"LOG_LEVEL": ecs.Secret.from_ssm_parameter(deps.configuration.log_levels[ROUTER])},
            health_check=ecs.HealthCheck(
                command=["CMD-SHELL", f"curl -fsS http://127.0.0.1:{port}/healthcheck >/dev/null || exit 1"],
                interval=Duration.seconds(15),
                timeout=Duration.seconds(5),
                retries=3,
                start_period=Duration.seconds(30),
            ),
        )
        service = self._service(
            ROUTER,
            task_definition,
            size,
            [self.security_groups[ROUTER]],
            # A client of the namespace only: it resolves the subgraphs, advertises nothing.
            ecs.ServiceConnectProps(log_driver=self._logging(ROUTER, "service-connect")),
            health_check_grace_period=Duration.seconds(60),
        )
        # Subgraph services first: the router's readiness needs their names to resolve.
        for name in SUBGRAPHS:
            service.node.add_dependency(self.services[name])

        self.load_balancer, self.listener = self._load_balancer(vpc)
        self.target_group = self.listener.add_targets(
            "Router",
            port=port,
            protocol=elbv2.ApplicationProtocol.HTTP,
            targets=[service.load_balancer_target(container_name=APP_CONTAINER, container_port=port)],
            health_check=elbv2.HealthCheck(
                path="/readiness",
                healthy_http_codes="200",
                interval=Duration.seconds(15),
                timeout=Duration.seconds(5),
                healthy_threshold_count=2,
                unhealthy_threshold_count=3,
            ),
            deregistration_delay=Duration.seconds(30),
        )
        scaling = self._autoscale(service, size)
        scaling.scale_on_request_count(
            "RequestScaling",
            requests_per_target=config.router_requests_per_target,
            target_group=self.target_group,
            scale_in_cooldown=Duration.seconds(120),
            scale_out_cooldown=Duration.seconds(60),
        )
        scheme = "https" if config.https else "http"
        CfnOutput(
            self,
            "GraphqlUrl",
            value=f"{scheme}://{self.load_balancer.load_balancer_dns_name}/graphql",
            description="The public GraphQL endpoint (point your DNS name at the ALB for HTTPS)",
        )

    def _load_balancer(
        self, vpc: ec2.IVpc
    ) -> tuple[elbv2.ApplicationLoadBalancer, elbv2.ApplicationListener]:
        config = self.config
        security_group = ec2.SecurityGroup(
            self,
            "AlbSecurityGroup",
            vpc=vpc,
            description="Public ALB in front of the router",
            allow_all_outbound=False,
        )
        nag.acknowledge(
            security_group,
            "EC23",
            "The ALB is the public GraphQL endpoint: it admits the internet on its listener ports only.",
        )
        load_balancer = elbv2.ApplicationLoadBalancer(
            self,
            "Alb",
            vpc=vpc,
            internet_facing=True,
            security_group=security_group,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            drop_invalid_header_fields=True,
            deletion_protection=config.alb_deletion_protection,
        )
        access_logs = s3.Bucket(
            self,
            "AlbAccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            removal_policy=self.removal,
            auto_delete_objects=False,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(config.log_retention_days))],
        )
        nag.acknowledge(
            access_logs,
            "S1",
            "This bucket holds the ALB's access logs; logging access to the log bucket itself would "
            "need another bucket for no reader.",
        )
        load_balancer.log_access_logs(access_logs, prefix="router-alb")

        if config.certificate_arn:
            listener = load_balancer.add_listener(
                "Https",
                port=443,
                protocol=elbv2.ApplicationProtocol.HTTPS,
                certificates=[elbv2.ListenerCertificate.from_arn(config.certificate_arn)],
                ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS,
                open=True,
            )
            load_balancer.add_redirect(source_port=80, target_port=443)
        else:
            listener = load_balancer.add_listener(
                "Http", port=80, protocol=elbv2.ApplicationProtocol.HTTP, open=True
            )
        return load_balancer, listener
