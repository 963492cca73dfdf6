"""One whole stack (DynamoDB Local, three subgraphs, Hive Gateway) for the cross-service tests (e2e,
browser), started with the same launcher as `make dev`, on free ports and in-memory data."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from devstack.client import GraphQLClient
from devstack.config import StackConfig
from devstack.stack import Stack


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    # Every e2e module writes as the one dev admin; the per-subject mutation rate limit (60 a minute
    # in dev) has its own tests in tests/router and would otherwise throttle the suite by its speed.
    config = dataclasses.replace(StackConfig.ephemeral(), extra_env={"ROUTER_MUTATION_RATE_LIMIT": "100000"})
    with Stack(config, echo=False) as running:
        yield running


@pytest.fixture(scope="session")
def router(stack: Stack) -> Iterator[GraphQLClient]:
    """The router's GraphQL client (devstack.client: the one client of the cross-service tests), as
    the stack's dev admin (devstack.dev_issuer: the one issuer of a running stack)."""
    with GraphQLClient(stack.config.router_graphql_url, token=stack.issuer.admin()) as client:
        yield client
