"""The HTTP client the provider adapters' tests give the adapters (respx answers for the APIs)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(0.5, connect=0.5)) as client:
        yield client
