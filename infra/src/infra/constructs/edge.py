"""The public entrance: an API Gateway HTTP API, the only thing reachable from the internet. It
reaches the router's internal ALB through a VPC link; the router keeps federation's routing.

What the edge refuses before the router sees it: a /graphql request without a valid Cognito token
(the JWT authorizer checks signature, expiry, issuer and audience; the router and every subgraph
verify again), any path or method other than the routes below, and more requests than the
throttling admits. Every request is logged as one JSON line whose requestId the router logs too
(the integration overwrites x-request-id with it).
"""

from __future__ import annotations

import json

import jsii
from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import nag
from infra.constructs.app_service import Platform

GRAPHQL_PATH = "/graphql"
# The router's liveness and readiness (router/gateway.config.ts): the deploy checks call them
# without a token.
PROBE_PATHS = ("/healthcheck", "/readiness")
GRAPHQL_METHODS = (apigwv2.HttpMethod.POST, apigwv2.HttpMethod.GET)
REQUEST_ID_HEADER = "x-request-id"

# One JSON object per request. requestId is also the x-request-id the router logs.
ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "extendedRequestId": "$context.extendedRequestId",
    "ip": "$context.identity.sourceIp",
    "requestTime": "$context.requestTime",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "latency": "$context.responseLatency",
    "integrationLatency": "$context.integrationLatency",
    "integrationStatus": "$context.integrationStatus",
    "integrationError": "$context.integrationErrorMessage",
    "authorizerError": "$context.authorizer.error",
    "userAgent": "$context.identity.userAgent",
}


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogSettings:
    def __init__(self, log_group: logs.ILogGroup) -> None:
        self._destination = apigwv2.LogGroupLogDestination(log_group)

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw.AccessLogFormat:
        return apigw.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FIELDS, separators=(",", ":")))


class Edge(Construct):
    """The HTTP API in front of `listener` (the router's internal ALB)."""

    def __init__(
        self,
        scope: Stack,
        construct_id: str,
        *,
        platform: Platform,
        load_balancer: elbv2.ApplicationLoadBalancer,
        listener: elbv2.ApplicationListener,
        issuer: str,
        audience: str,
    ) -> None:
        super().__init__(scope, construct_id)
        config, vpc = platform.config, platform.vpc

        # The VPC link's network interfaces may call the ALB's listener and nothing else; the ALB
        # admits them alone.
        self.link_security_group = ec2.SecurityGroup(
            self,
            "VpcLinkSecurityGroup",
            vpc=vpc,
            description="API Gateway VPC link: to the router internal ALB only",
            allow_all_outbound=False,
        )
        listener_port = ec2.Port.tcp(listener.port)
        load_balancer.connections.allow_from(self.link_security_group, listener_port, "the API VPC link")
        self.vpc_link = apigwv2.VpcLink(
            self,
            "VpcLink",
            vpc=vpc,
            subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            security_groups=[self.link_security_group],
        )

        cors = (
            apigwv2.CorsPreflightOptions(
                # The router's own allow-list (ROUTER_CORS_ORIGINS) and policy (router/src/plugins/cors.ts).
                allow_origins=list(config.cors_origins),
                allow_methods=[apigwv2.CorsHttpMethod.GET, apigwv2.CorsHttpMethod.POST],
                allow_headers=["authorization", "content-type", REQUEST_ID_HEADER],
                expose_headers=[REQUEST_ID_HEADER],
                allow_credentials=False,
                max_age=Duration.seconds(600),
            )
            if config.cors_origins
            else None  # no origin listed: no browser origin is admitted, as at the router
        )
        self.api = apigwv2.HttpApi(
            self,
            "Api",
            api_name=f"{config.prefix}-graphql",
            description=f"portfolio {config.name}: the public GraphQL endpoint (the router behind it)",
            cors_preflight=cors,
            # The execute-api URL stays on beside a custom domain: the deploy checks need no DNS.
            create_default_stage=False,
        )
        integration = integrations.HttpAlbIntegration(
            "Router",
            listener,
            vpc_link=self.vpc_link,
            parameter_mapping=apigwv2.ParameterMapping().overwrite_header(
                REQUEST_ID_HEADER, apigwv2.MappingValue.context_variable("requestId")
            ),
        )
        authorizer = authorizers.HttpJwtAuthorizer(
            "CognitoJwt",
            issuer,
            jwt_audience=[audience],
            authorizer_name=f"{config.prefix}-cognito",
        )
        self.graphql_routes = self.api.add_routes(
            path=GRAPHQL_PATH, methods=list(GRAPHQL_METHODS), integration=integration, authorizer=authorizer
        )
        probe_routes = [
            route
            for path in PROBE_PATHS
            for route in self.api.add_routes(
                path=path, methods=[apigwv2.HttpMethod.GET], integration=integration
            )
        ]
        for route in probe_routes:
            nag.acknowledge(
                route,
                "APIG4",
                "The router's liveness and readiness probes answer without a token: the deploy checks "
                "call them, and they reveal nothing but up or ready.",
            )

        self.access_logs = logs.LogGroup(
            self, "AccessLogs", retention=config.log_retention, removal_policy=platform.removal
        )
        domain = None
        if config.domain_name and config.certificate_arn:
            domain = apigwv2.DomainName(
                self,
                "Domain",
                domain_name=config.domain_name,
                certificate=acm.Certificate.from_certificate_arn(self, "Certificate", config.certificate_arn),
                security_policy=apigwv2.SecurityPolicy.TLS_1_2,
            )
        self.stage = apigwv2.HttpStage(
            self,
            "DefaultStage",
            http_api=self.api,
            stage_name="$default",
            auto_deploy=True,
            access_log_settings=_AccessLogSettings(self.access_logs),
            throttle=apigwv2.ThrottleSettings(
                rate_limit=config.edge_rate_limit, burst_limit=config.edge_burst_limit
            ),
            domain_mapping=apigwv2.DomainMappingOptions(domain_name=domain) if domain else None,
        )
        # Per-route throttling has no L2 property yet: the stage's RouteSettings, keyed by route key.
        # It is untyped JSON in CloudFormation, so spelt as CloudFormation spells it (PascalCase).
        stage_resource = self.stage.node.default_child
        assert isinstance(stage_resource, apigwv2.CfnStage)
        stage_resource.route_settings = {
            f"{method.value} {GRAPHQL_PATH}": {
                "ThrottlingRateLimit": config.graphql_rate_limit,
                "ThrottlingBurstLimit": config.graphql_burst_limit,
            }
            for method in GRAPHQL_METHODS
        }
        for route in self.graphql_routes:  # a route setting names an existing route
            self.stage.node.add_dependency(route)

        self.url = f"https://{config.domain_name}" if config.domain_name else self.api.api_endpoint
        CfnOutput(scope, "ApiUrl", value=self.url, description="The public API (API Gateway HTTP API)")
        CfnOutput(
            scope,
            "GraphqlUrl",
            value=f"{self.url}{GRAPHQL_PATH}",
            description="The public GraphQL endpoint (a Cognito ID token as the Bearer token)",
        )
        if domain is not None:
            CfnOutput(
                scope,
                "ApiDomainTarget",
                value=domain.regional_domain_name,
                description=f"Point {config.domain_name} (CNAME or alias) at this name",
            )
