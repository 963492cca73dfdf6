"""One subgraph client for every test: the app behind an in-process HTTP client, and what an
answer must never show."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from kit_testing.tokens import ISSUER, TestIssuer, bearer

# Decimal inputs every mutation must refuse (kit.core.money.parse_decimal: BAD_USER_INPUT), by name.
HOSTILE_DECIMALS: dict[str, object] = {
    "tiny exponent": "1E-1000100",
    "huge exponent": "1E+1000100",
    "billion exponent": "1E-999999999",
    "exponent notation": "1e5",
    "29 digits": "1" * 29,
    "19 places": "0." + "0" * 18 + "1",
    "10^18": "1" + "0" * 18,
    "NaN": "NaN",
    "Infinity": "Infinity",
    "-Infinity": "-Infinity",
    "negative zero": "-0",
    "leading space": " 1",
    "trailing space": "1 ",
    "underscore": "1_000",
    "Arabic-Indic digits": "\u0661\u0662",
    "full-width digit": "\uff11",
    "100000 digits": "1" * 100_000,
    "JSON float": 1.5,
    "JSON bool": True,
    "huge JSON integer": 10**30,
    "object": {"amount": "1"},
}

# What an answer must never show: a stack trace, a file path, an exception's class or module.
INTERNALS = re.compile(
    r"Traceback|File \"|\.py\b|site-packages|InvalidOperation|DivisionByZero|decimal\.|"
    r"\b\w+(Error|Exception)\b(?<!userErrors)|INTERNAL_SERVER_ERROR"
)


def refusal_codes(body: Mapping[str, Any]) -> list[str]:
    """The `extensions.code` of every error in a GraphQL answer, after checking that no message
    shows internals (`INTERNALS`) and that every error has a code."""
    text = json.dumps(body)
    leak = INTERNALS.search(text)
    assert leak is None, f"the answer shows internals ({leak.group(0)!r}): {text[:500]}"
    codes = [str((error.get("extensions") or {}).get("code")) for error in body.get("errors") or []]
    assert "None" not in codes, body
    return codes


@asynccontextmanager
async def running_app(
    app: FastAPI, *, issuer: TestIssuer = ISSUER, token: str | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan entered, behind an in-process HTTP client.

    The app trusts `issuer`; the client sends `token` (an admin's by default) on every request.
    A test sends another with `headers=bearer(...)`, or none by removing the header.
    """
    app.state.runtime.use_verifier(issuer.verifier())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        headers = bearer(token if token is not None else issuer.admin())
        async with httpx.AsyncClient(
            transport=transport, base_url="http://subgraph", headers=headers
        ) as client:
            yield client


async def execute(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = None,
) -> dict[str, Any]:
    """POST a GraphQL document to /graphql and return the JSON body (data and errors).

    `token` replaces the client's default bearer token for this one request. The body is ASCII
    JSON (as json.dumps writes it), so that a test can send what UTF-8 cannot carry: a lone
    surrogate travels as the escape "\\ud800", as a hostile client writes it."""
    headers = {"content-type": "application/json", **(bearer(token) if token is not None else {})}
    sent = json.dumps({"query": query, "variables": variables or {}})
    response = await client.post("/graphql", content=sent.encode("ascii"), headers=headers)
    body: dict[str, Any] = response.json()
    return body
