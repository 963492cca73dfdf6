"""What the router's variable checks answer (router/src/plugins/variable-values.ts), for the tests of
variables and literals: how a request is sent, and what a refusal must look like."""

from __future__ import annotations

import json
from typing import Any

import httpx
from hypothesis import HealthCheck, settings

from .gateway import Gateway

GRAPHQL_RESPONSE = "application/graphql-response+json"
DECIMAL_MESSAGE = 'a Decimal is a JSON string such as "12.50", not '
GENERATED = settings(
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def send(
    gateway: Gateway,
    token: str,
    body: dict[str, Any] | bytes,
    accept: str = GRAPHQL_RESPONSE,
) -> httpx.Response:
    """`body` as JSON, or bytes written as they are (numbers no JSON encoder writes)."""
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return gateway.post(
        content=content, token=token, headers={"Accept": accept, "Content-Type": "application/json"}
    )


def codes(response: httpx.Response) -> list[Any]:
    return [(error.get("extensions") or {}).get("code") for error in response.json().get("errors") or []]


def assert_refused(
    response: httpx.Response, code: str, status: int = 400, count: int | None = None
) -> list[str]:
    """A refusal: every error with `code`, the status, no data; the messages."""
    body = response.json()
    assert response.status_code == status, (response.status_code, body)
    assert "data" not in body or body["data"] is None, body
    errors = body["errors"]
    assert errors and all((error.get("extensions") or {}).get("code") == code for error in errors), body
    if count is not None:
        assert len(errors) == count, body
    return [error["message"] for error in errors]
