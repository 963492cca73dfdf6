"""Tables for tests: a unique name per test, created the way a service creates its own."""

from __future__ import annotations

from typing import Any

from kit.aws.dynamo import ensure_table
from ulid import ULID


def unique_table_name(prefix: str) -> str:
    return f"{prefix}-{str(ULID()).lower()}"


async def create_table(client: Any, definition: dict[str, Any]) -> None:
    await ensure_table(client, definition)
