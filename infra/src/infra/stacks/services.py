"""Services: an ECS cluster; the three subgraphs as Fargate services without any load balancer,
reachable only by the router through ECS Service Connect; the router (Hive Gateway) behind an
internal ALB; in front of it, the public entrance: an API Gateway HTTP API with a VPC link. Every
task carries an ADOT collector sidecar sending traces to X-Ray.

The stack composes: the router and its internal ALB (infra/constructs/public_router.py), the
edge (infra/constructs/edge.py), then one GraphQL service
(infra/constructs/graphql_service.py) per subgraph of topology.toml, wired by its module in
infra/services/ with what is particular to it; the router is the only caller each subgraph admits.

Every app container, the router and each subgraph alike, verifies the caller's Cognito ID token
itself (AUTH_*, from the identity stack), so a request that got past the router would still need one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_servicediscovery as servicediscovery
from constructs import Construct

from infra.config import ROUTER, EnvironmentConfig
from infra.constructs.app_service import Platform
from infra.constructs.edge import Edge
from infra.constructs.graphql_service import GraphqlService
from infra.constructs.public_router import PublicRouter
from infra.services import wiring
from infra.stacks.cache import CacheStack
from infra.stacks.configuration import ConfigurationStack
from infra.stacks.data import DataStack
from infra.stacks.identity import DEFAULT_ROLE, ROLES_CLAIM, IdentityStack
from infra.stacks.messaging import MessagingStack
from infra.topology import TOPOLOGY


@dataclass(frozen=True)
class Dependencies:
    data: DataStack
    messaging: MessagingStack
    cache: CacheStack
    configuration: ConfigurationStack
    identity: IdentityStack


def auth_environment(identity: IdentityStack) -> dict[str, str]:
    """How every app container (the router and each subgraph) verifies a caller's token: the
    identity stack's user pool is the issuer, its frontend client the audience. Clients send the
    Cognito ID token: its `aud` is the client id, whereas the access token carries `client_id`
    instead of `aud` and is refused. None of these values is a secret."""
    return {
        "AUTH_ISSUER": identity.issuer,
        "AUTH_JWKS_URL": identity.jwks_url,
        "AUTH_AUDIENCE": identity.audience,
        "AUTH_ROLES_CLAIM": ROLES_CLAIM,
        # Users who signed themselves up are in no group: they are customers.
        "AUTH_DEFAULT_ROLE": DEFAULT_ROLE,
    }


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
        platform = Platform(
            config=config,
            vpc=vpc,
            cluster=self.cluster,
            image_tag=image_tag,
            collector_config=deps.configuration.collector_config,
            log_levels=deps.configuration.log_levels,
            auth_environment=auth_environment(deps.identity),
        )

        self.router = PublicRouter(self, platform=platform, topology=TOPOLOGY)
        # The edge checks the token the router checks again: same issuer, same audience.
        self.edge = Edge(
            self,
            "Edge",
            platform=platform,
            load_balancer=self.router.load_balancer,
            listener=self.router.listener,
            issuer=deps.identity.issuer,
            audience=deps.identity.audience,
        )
        self.subgraphs: dict[str, GraphqlService] = {}
        for subgraph in TOPOLOGY.subgraphs:
            service = wiring(subgraph.name).build(self, subgraph, platform, deps)
            queues = deps.messaging.consumer_queues.get(subgraph.name)
            if queues is not None:
                service.consume_events(queues.queue)
            self.router.reaches(service)
            self.subgraphs[subgraph.name] = service

    @property
    def services(self) -> dict[str, ecs.FargateService]:
        """Every Fargate service by name, the router's too (the observability stack graphs them)."""
        return {
            **{name: subgraph.service for name, subgraph in self.subgraphs.items()},
            ROUTER: self.router.service,
        }

    @property
    def load_balancer(self) -> elbv2.ApplicationLoadBalancer:
        return self.router.load_balancer
