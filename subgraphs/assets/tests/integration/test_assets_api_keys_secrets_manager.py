"""The real Secrets Manager fetcher against moto's server (moto's in-process mock does not work
with aiobotocore, DESIGN.md decision 4)."""

from __future__ import annotations

import json

import boto3
import pytest
from assets.adapters.api_keys import SecretError, load_api_keys, secrets_manager_fetcher


@pytest.fixture
def secrets(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    return boto3.client("secretsmanager", region_name="us-east-1", endpoint_url=moto_endpoint)


async def test_keys_are_read_from_the_named_secret(secrets, moto_endpoint: str) -> None:
    secrets.create_secret(
        Name="assets/api-keys", SecretString=json.dumps({"Finnhub": " fh-key ", "stooq": ""})
    )
    fetch = secrets_manager_fetcher(region="us-east-1", endpoint_url=moto_endpoint)
    assert await load_api_keys("assets/api-keys", fetch) == {"finnhub": "fh-key"}


async def test_a_secret_that_is_not_json_is_refused(secrets, moto_endpoint: str) -> None:
    secrets.create_secret(Name="assets/broken", SecretString="finnhub=abc")
    fetch = secrets_manager_fetcher(region="us-east-1", endpoint_url=moto_endpoint)
    with pytest.raises(SecretError):
        await load_api_keys("assets/broken", fetch)


async def test_a_missing_secret_fails_loudly(secrets, moto_endpoint: str) -> None:
    fetch = secrets_manager_fetcher(region="us-east-1", endpoint_url=moto_endpoint)
    with pytest.raises(Exception, match="ResourceNotFound"):
        await load_api_keys("assets/nope", fetch)
