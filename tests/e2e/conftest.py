"""One whole stack (DynamoDB Local, three subgraphs, Hive Gateway) for the end-to-end tests, started
with the same launcher as `make dev`, on free ports and in-memory data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from devstack.config import StackConfig
from devstack.stack import Stack

OPERATIONS = Path(__file__).resolve().parents[2] / "schema" / "operations"


class Router:
    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(timeout=30.0)

    def post(self, body: dict[str, Any]) -> httpx.Response:
        return self.http.post(self.url, json=body)

    def run(self, operation: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run a kept contract operation by name; fail on any GraphQL error."""
        body = self.raw(operation_text(operation), variables)
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    def raw(self, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.post({"query": document, "variables": variables or {}})
        result: dict[str, Any] = response.json()
        return result


def operation_text(name: str) -> str:
    return (OPERATIONS / f"{name}.graphql").read_text()


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    with Stack(StackConfig.ephemeral(), echo=False) as running:
        yield running


@pytest.fixture(scope="session")
def router(stack: Stack) -> Router:
    return Router(stack.config.router_graphql_url)
