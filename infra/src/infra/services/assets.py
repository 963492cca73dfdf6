"""assets: the price cache (its client security group and URL), the market-data settings from SSM,
and read access to the market-data API keys' secret, for this task role alone."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assets.adapters.table import table_definition
from aws_cdk import Stack
from aws_cdk import aws_ecs as ecs

from infra.constructs.app_service import Platform
from infra.constructs.graphql_service import GraphqlService
from infra.topology import Subgraph

if TYPE_CHECKING:
    from infra.stacks.services import Dependencies

__all__ = ["build", "table_definition"]


def build(scope: Stack, subgraph: Subgraph, platform: Platform, deps: Dependencies) -> GraphqlService:
    configuration = deps.configuration
    # The service reads its API keys itself at start: the secret's ARN, and read access to it for
    # this task role alone. The keys never enter a task definition or an environment.
    market_data = configuration.market_data_secret
    service = GraphqlService(
        scope,
        subgraph,
        platform=platform,
        table_definition=table_definition,
        environment={
            "ASSETS_CACHE_URL": deps.cache.url,
            "ASSETS_API_KEYS_SECRET_ID": market_data.secret_arn,
        },
        secrets={
            "ASSETS_PRICE_PROVIDERS": ecs.Secret.from_ssm_parameter(configuration.price_providers),
            "ASSETS_FX_PROVIDER": ecs.Secret.from_ssm_parameter(configuration.fx_provider),
            "ASSETS_QUOTE_TTL_SECONDS": ecs.Secret.from_ssm_parameter(configuration.quote_ttl_seconds),
        },
        security_groups=[deps.cache.client_security_group],
    )
    market_data.grant_read(service.task_role)
    return service
