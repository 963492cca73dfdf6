"""One whole stack (DynamoDB Local, three subgraphs, Hive Gateway) for the cross-service tests (e2e,
browser), started with the same launcher as `make dev`, on free ports and in-memory data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from devstack.client import GraphQLClient
from devstack.config import StackConfig
from devstack.stack import Stack


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    with Stack(StackConfig.ephemeral(), echo=False) as running:
        yield running


@pytest.fixture(scope="session")
def router(stack: Stack) -> GraphQLClient:
    return GraphQLClient(stack.config.router_graphql_url, token=stack.issuer.admin())
