"""portfolios: nothing beyond what every subgraph gets. It consumes customer events from its own
queue, which the services stack wires for every consumer of topology.toml's routes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Stack
from portfolios.adapters.table import table_definition

from infra.constructs.app_service import Platform
from infra.constructs.graphql_service import GraphqlService
from infra.topology import Subgraph

if TYPE_CHECKING:
    from infra.stacks.services import Dependencies

__all__ = ["build", "table_definition"]


def build(scope: Stack, subgraph: Subgraph, platform: Platform, deps: Dependencies) -> GraphqlService:
    return GraphqlService(scope, subgraph, platform=platform, table_definition=table_definition)
