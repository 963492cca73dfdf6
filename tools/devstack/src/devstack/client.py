"""A small GraphQL-over-HTTP client for the launcher's seed, the benchmarks and the end-to-end tests."""

from __future__ import annotations

from typing import Any

import httpx

from devstack import toolchain


class GraphQLCallError(AssertionError):
    """The server answered with GraphQL errors where none were expected (an AssertionError, so that a
    test reports it as a failure)."""


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for a bearer token."""
    return {"Authorization": f"Bearer {token}"}


def operation(name: str) -> str:
    """The text of a kept contract operation, schema/operations/<name>.graphql."""
    return (toolchain.SCHEMA_DIR / "operations" / f"{name}.graphql").read_text()


class GraphQLClient:
    def __init__(self, url: str, token: str | None = None, timeout: float = 30.0) -> None:
        self.url = url
        self.http = httpx.Client(timeout=timeout, headers=bearer(token) if token else {})

    def raw(
        self, document: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """The whole response body, errors included. `token` replaces the client's for this call."""
        response = self.http.post(
            self.url,
            json={"query": document, "variables": variables or {}},
            headers=bearer(token) if token else None,
        )
        body: dict[str, Any] = response.json()
        return body

    def run(self, operation_name: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """`data` of a kept contract operation; any GraphQL error raises GraphQLCallError."""
        body = self.raw(operation(operation_name), variables)
        if body.get("errors"):
            raise GraphQLCallError(f"{operation_name}: {body['errors']}")
        data: dict[str, Any] = body["data"]
        return data
