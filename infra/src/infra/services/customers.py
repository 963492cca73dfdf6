"""customers: puts its lifecycle events on the bus (source `portfolio.customers`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Stack
from customers.adapters.table import table_definition

from infra.config import CUSTOMERS_EVENT_SOURCE
from infra.constructs.app_service import Platform
from infra.constructs.graphql_service import GraphqlService
from infra.topology import Subgraph

if TYPE_CHECKING:
    from infra.stacks.services import Dependencies

__all__ = ["build", "table_definition"]


def build(scope: Stack, subgraph: Subgraph, platform: Platform, deps: Dependencies) -> GraphqlService:
    bus = deps.messaging.bus
    service = GraphqlService(
        scope,
        subgraph,
        platform=platform,
        table_definition=table_definition,
        environment={
            "CUSTOMERS_EVENT_BUS_NAME": bus.event_bus_name,
            "CUSTOMERS_EVENT_SOURCE": CUSTOMERS_EVENT_SOURCE,
        },
    )
    bus.grant_put_events_to(service.task_role)
    return service
