"""Test helpers shared by the subgraphs' test suites (never imported by running services)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from ulid import ULID

from kit.dynamo import ensure_table


def unique_table_name(prefix: str) -> str:
    return f"{prefix}-{str(ULID()).lower()}"


async def create_table(client: Any, definition: dict[str, Any]) -> None:
    await ensure_table(client, definition)


@asynccontextmanager
async def running_app(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan entered, behind an in-process HTTP client."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://subgraph") as client:
            yield client


async def execute(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """POST a GraphQL document to /graphql and return the JSON body (data and errors)."""
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}})
    body: dict[str, Any] = response.json()
    return body
