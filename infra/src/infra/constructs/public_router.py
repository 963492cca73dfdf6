"""The router (Hive Gateway) behind an internal ALB. The public entrance is the API Gateway HTTP
API in front of it (constructs/edge.py): the ALB sits in the private subnets, admits the API's VPC
link only and logs access to S3; the router's security group admits the ALB only; the router
reaches the subgraphs by their Service Connect names (http://<name>:<port>/graphql) and runs its
production profile in every AWS environment.

TLS ends at API Gateway; from the VPC link to the ALB and the router, traffic stays in the VPC.
"""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_s3 as s3

from infra import nag
from infra.config import ROUTER
from infra.constructs.app_service import APP_CONTAINER, AppService, Platform, http_health_check
from infra.constructs.graphql_service import GraphqlService
from infra.topology import Topology


class PublicRouter:
    """The router service behind its ALB, built into `scope` (see app_service.py for why not a node)."""

    def __init__(
        self,
        scope: Stack,
        *,
        platform: Platform,
        topology: Topology,
    ) -> None:
        config, port = platform.config, topology.router_port
        self.security_group = ec2.SecurityGroup(
            scope, "RouterSecurityGroup", vpc=platform.vpc, description="Router tasks: from the ALB only"
        )
        environment = {
            "ROUTER_HOST": "0.0.0.0",  # noqa: S104 - inside the task; the security group admits the ALB only
            "ROUTER_PORT": str(port),
            # In every AWS environment: no GraphiQL, introspection or suggestions; the router's
            # production limits. Trusted documents only is part of the profile; said here as well.
            "ROUTER_PROFILE": "production",
            "ROUTER_TRUSTED_DOCUMENTS_ONLY": "true",
            # Service Connect names: http://<dns name>:<port> from any task of the namespace.
            **{
                f"{subgraph.env_prefix}URL": f"http://{subgraph.name}:{subgraph.port}/graphql"
                for subgraph in topology.subgraphs
            },
            **platform.auth_environment,
        }
        if config.cors_origins:  # unset: no browser origin is admitted
            environment["ROUTER_CORS_ORIGINS"] = ",".join(config.cors_origins)
        # Limits only when configured: otherwise the production profile's own defaults apply.
        # (EnvironmentConfig.validate admits the router's limit variables only.)
        environment.update({variable: str(value) for variable, value in sorted(config.router_limits.items())})
        self.app = AppService(
            scope,
            ROUTER,
            platform=platform,
            port=port,
            size=config.router_size,
            environment=environment,
            secrets={"LOG_LEVEL": platform.log_level(ROUTER)},
            health_check=http_health_check(
                ["CMD-SHELL", f"curl -fsS http://127.0.0.1:{port}/healthcheck >/dev/null || exit 1"]
            ),
            security_groups=[self.security_group],
            health_check_grace_period=Duration.seconds(60),
        )
        self.service = self.app.service
        self.load_balancer, self.listener = _load_balancer(scope, platform)
        self.target_group = self.listener.add_targets(
            "Router",
            port=port,
            protocol=elbv2.ApplicationProtocol.HTTP,
            targets=[self.service.load_balancer_target(container_name=APP_CONTAINER, container_port=port)],
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
        self.app.scaling.scale_on_request_count(
            "RequestScaling",
            requests_per_target=config.router_requests_per_target,
            target_group=self.target_group,
            scale_in_cooldown=Duration.seconds(120),
            scale_out_cooldown=Duration.seconds(60),
        )

    def reaches(self, subgraph: GraphqlService) -> None:
        """The router alone calls `subgraph`, which starts first: the router's readiness needs the
        subgraphs' names to resolve."""
        subgraph.admit(self.security_group, "the router")
        self.service.node.add_dependency(subgraph.service)


def _load_balancer(
    scope: Stack, platform: Platform
) -> tuple[elbv2.ApplicationLoadBalancer, elbv2.ApplicationListener]:
    config, vpc = platform.config, platform.vpc
    # The same logical ids as when this ALB was internet-facing; its scheme and subnets changed,
    # so CloudFormation replaces it (and this group, whose description changed) on the next deploy.
    security_group = ec2.SecurityGroup(
        scope,
        "AlbSecurityGroup",
        vpc=vpc,
        description="Internal ALB in front of the router: from the API VPC link only",
        allow_all_outbound=False,
    )
    load_balancer = elbv2.ApplicationLoadBalancer(
        scope,
        "Alb",
        vpc=vpc,
        internet_facing=False,
        security_group=security_group,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        drop_invalid_header_fields=True,
        deletion_protection=config.alb_deletion_protection,
    )
    access_logs = s3.Bucket(
        scope,
        "AlbAccessLogs",
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        removal_policy=platform.removal,
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
    # HTTP inside the VPC (TLS ends at API Gateway); open=False: the edge admits the VPC link.
    listener = load_balancer.add_listener(
        "Http", port=80, protocol=elbv2.ApplicationProtocol.HTTP, open=False
    )
    return load_balancer, listener
