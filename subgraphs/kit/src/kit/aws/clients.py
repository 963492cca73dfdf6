"""aiobotocore clients, made the same way for every AWS service the subgraphs use.

In AWS the default credential chain (the task role) applies. With `endpoint_url` (DynamoDB Local,
moto, another emulator), dummy credentials are used when the environment has none, since an
emulator ignores them.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session


def bounded_config(*, connect_timeout: float, read_timeout: float, max_attempts: int) -> AioConfig:
    """Timeouts and SDK retries chosen by the caller, so a call that cannot succeed fails fast."""
    return AioConfig(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"max_attempts": max_attempts, "mode": "standard"},
    )


@asynccontextmanager
async def aws_client(
    service: str, *, region: str, endpoint_url: str | None = None, config: AioConfig | None = None
) -> AsyncIterator[Any]:
    options: dict[str, Any] = {"region_name": region}
    if config is not None:
        options["config"] = config
    if endpoint_url:
        options["endpoint_url"] = endpoint_url
        if not os.environ.get("AWS_ACCESS_KEY_ID"):
            options["aws_access_key_id"] = "local"
            options["aws_secret_access_key"] = "local"  # noqa: S105 - an emulator ignores it
    # Any: the type stubs overload create_client per literal service name; ours is a parameter.
    session: Any = get_session()
    async with session.create_client(service, **options) as client:
        yield client
