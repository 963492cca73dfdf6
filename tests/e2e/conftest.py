"""Fixtures shared by e2e modules (the stack and the router client: tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from devstack.client import GraphQLClient
from devstack.stack import Stack

from .access_world import World, open_world
from .contract_book import open_book


@pytest.fixture(scope="session")
def world(stack: Stack) -> Iterator[World]:
    """The access tests' world (access_world.py), built once for their two modules."""
    with open_world(stack) as built:
        yield built


@pytest.fixture(scope="session")
def book(router: GraphQLClient) -> dict[str, str]:
    """The contract tests' book (contract_book.py): its customer's email is taken once per stack."""
    return open_book(router)
