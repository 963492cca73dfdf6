"""Provider API keys from AWS Secrets Manager: a JSON secret {"finnhub": "...", "twelvedata": "..."}.

`load_api_keys` takes the fetching function, so it is tested with a fake; `secrets_manager_fetcher`
is the real one (aiobotocore), pointed at an endpoint URL for local emulators (moto server).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from kit.aws.clients import aws_client

SecretFetcher = Callable[[str], Awaitable[str]]


class SecretError(RuntimeError):
    """The secret is missing or not a JSON object of provider names to key strings."""


def parse_api_keys(text: str) -> dict[str, str]:
    try:
        data: Any = json.loads(text)
    except ValueError as error:
        raise SecretError("the API keys secret is not JSON") from error
    if not isinstance(data, dict):
        raise SecretError("the API keys secret must be a JSON object of provider name to key")
    keys: dict[str, str] = {}
    for name, value in data.items():
        if not isinstance(value, str):
            raise SecretError(f"the API key of {name!r} must be a string")
        if value.strip():
            keys[str(name).strip().lower()] = value.strip()
    return keys


async def load_api_keys(secret_id: str, fetch: SecretFetcher) -> dict[str, str]:
    """Provider name (lower case) -> API key, from the secret `secret_id`; {} when no id is set."""
    if not secret_id:
        return {}
    return parse_api_keys(await fetch(secret_id))


def secrets_manager_fetcher(*, region: str, endpoint_url: str | None = None) -> SecretFetcher:
    async def fetch(secret_id: str) -> str:
        async with aws_client("secretsmanager", region=region, endpoint_url=endpoint_url) as client:
            response = await client.get_secret_value(SecretId=secret_id)
        text = response.get("SecretString")
        if not isinstance(text, str):
            raise SecretError(f"secret {secret_id!r} has no SecretString")
        return text

    return fetch
