"""portfolios: consumes its own queue of customer events (the messaging stack routes them there)."""

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
    queue = deps.messaging.portfolios.queue
    service = GraphqlService(
        scope,
        subgraph,
        platform=platform,
        table_definition=table_definition,
        environment={"PORTFOLIOS_EVENTS_QUEUE_URL": queue.queue_url},
    )
    queue.grant_consume_messages(service.task_role)
    return service
