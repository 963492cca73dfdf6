"""Price cache: ElastiCache Serverless (Valkey) shared by every assets task, so that a quote fetched
by one task serves them all within its TTL (ASSETS_CACHE_URL). TLS is always on for serverless
caches, hence `rediss://`; only members of `client_security_group` reach it."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticache as elasticache
from constructs import Construct

from infra.config import EnvironmentConfig

VALKEY_PORT = 6379


class CacheStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, vpc: ec2.IVpc, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        # Tasks that may use the cache carry this group; the cache admits only it.
        self.client_security_group = ec2.SecurityGroup(
            self, "ClientSecurityGroup", vpc=vpc, description="Price cache clients (assets tasks)"
        )
        self.cache_security_group = ec2.SecurityGroup(
            self,
            "CacheSecurityGroup",
            vpc=vpc,
            description="Price cache: Valkey from its clients only",
            allow_all_outbound=False,
        )
        self.cache_security_group.add_ingress_rule(
            self.client_security_group, ec2.Port.tcp(VALKEY_PORT), "Valkey from the assets tasks"
        )
        subnets = vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
        self.cache = elasticache.CfnServerlessCache(
            self,
            "PriceCache",
            serverless_cache_name=f"{config.prefix}-prices",
            description="Quote cache of the assets service",
            engine="valkey",
            major_engine_version="8",
            security_group_ids=[self.cache_security_group.security_group_id],
            subnet_ids=subnets.subnet_ids,
            cache_usage_limits=elasticache.CfnServerlessCache.CacheUsageLimitsProperty(
                data_storage=elasticache.CfnServerlessCache.DataStorageProperty(
                    unit="GB", maximum=config.cache_max_storage_gb
                ),
            ),
        )
        self.url = f"rediss://{self.cache.attr_endpoint_address}:{self.cache.attr_endpoint_port}"
