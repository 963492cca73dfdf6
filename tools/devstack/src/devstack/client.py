"""A small GraphQL-over-HTTP client for the launcher's seed, the benchmarks and the cross-service tests:
the one way a test sends a GraphQL request to the router or to a running subgraph."""

from __future__ import annotations

import time
from collections.abc import Iterable
from types import TracebackType
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


def only_unknown_customer(errors: list[dict[str, Any]]) -> bool:
    """createPortfolio's refusal while portfolios has not yet heard of the customer (its
    CustomerRegistered is still on its way), and nothing else."""
    return bool(errors) and all(
        e.get("code") == "NOT_FOUND" and e.get("field") == ["input", "customerId"] for e in errors
    )


class GraphQLClient:
    """GraphQL over HTTP to one URL. The client's `token` (if any) goes with every request; a call's
    `token` replaces it for that call, and `headers` add to or replace any header, Authorization too."""

    def __init__(self, url: str, token: str | None = None, timeout: float = 30.0) -> None:
        self.url = url
        self.http = httpx.Client(timeout=timeout, headers=bearer(token) if token else {})

    # -- HTTP: the whole response -----------------------------------------------------------------
    def post(
        self,
        body: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        content: bytes | str | Iterable[bytes] | None = None,
    ) -> httpx.Response:
        """POST `body` as JSON, or `content` as it is: bytes no JSON encoder writes, or an iterable of
        chunks (sent chunked)."""
        sent = {**(bearer(token) if token else {}), **(headers or {})}
        if body is not None:
            return self.http.post(self.url, json=body, headers=sent)
        return self.http.post(self.url, content=content, headers=sent)

    def get(
        self, params: dict[str, str], *, token: str | None = None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        """A GraphQL request by GET, its fields as query parameters."""
        sent = {**(bearer(token) if token else {}), **(headers or {})}
        return self.http.get(self.url, params=params, headers=sent)

    def query(
        self,
        document: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """POST a document with its variables."""
        return self.post({"query": document, "variables": variables or {}}, token=token, headers=headers)

    # -- GraphQL: the body, or its data ----------------------------------------------------------
    def raw(
        self, document: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """The whole response body, errors included."""
        body: dict[str, Any] = self.query(document, variables, token=token).json()
        return body

    def data(
        self, document: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """`data` of a document that must run: an HTTP status other than 200 or any GraphQL error
        raises GraphQLCallError."""
        return self._data(document, variables, token, document.strip()[:60])

    def run(
        self, operation_name: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """`data` of a kept contract operation, as `data` checks it."""
        return self._data(operation(operation_name), variables, token, operation_name)

    def mutate(
        self, operation_name: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """The payload of a kept contract mutation, which must report no userErrors."""
        [payload] = self.run(operation_name, variables, token=token).values()
        if payload["userErrors"]:
            raise GraphQLCallError(f"{operation_name}: {payload['userErrors']}")
        result: dict[str, Any] = payload
        return result

    def create_portfolio(
        self, portfolio: dict[str, Any], *, token: str | None = None, wait_seconds: float = 30.0
    ) -> dict[str, Any]:
        """createPortfolio's payload (userErrors included), asked again while portfolios does not
        know the customer yet: a new registration reaches it as an event (stream, relay, queue) a
        moment after it commits. `wait_seconds` is far above that delay: past it, a lost event."""
        deadline = time.monotonic() + wait_seconds
        while True:
            payload: dict[str, Any] = self.run("CreatePortfolio", {"input": portfolio}, token=token)[
                "createPortfolio"
            ]
            if not only_unknown_customer(payload["userErrors"]) or time.monotonic() > deadline:
                return payload
            time.sleep(0.1)

    def _data(
        self, document: str, variables: dict[str, Any] | None, token: str | None, name: str
    ) -> dict[str, Any]:
        response = self.query(document, variables, token=token)
        if response.status_code != 200:
            raise GraphQLCallError(f"{name}: HTTP {response.status_code}: {response.text[:2000]}")
        body = response.json()
        if "errors" in body:
            raise GraphQLCallError(f"{name}: {body['errors']}")
        data: dict[str, Any] = body["data"]
        return data

    # -- lifetime ----------------------------------------------------------------------------------
    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> GraphQLClient:
        return self

    def __exit__(self, *_: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()
