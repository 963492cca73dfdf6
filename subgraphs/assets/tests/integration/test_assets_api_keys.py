"""API keys from a Secrets Manager secret (with a fake fetcher) and how they merge with the environment."""

from __future__ import annotations

import pytest
from assets.adapters.api_keys import SecretError, load_api_keys, parse_api_keys
from assets.app import AssetsSettings


async def test_keys_come_from_the_configured_secret() -> None:
    asked: list[str] = []

    async def fetch(secret_id: str) -> str:
        asked.append(secret_id)
        return '{"Finnhub": " fh-secret ", "twelvedata": "td-secret", "stooq": ""}'

    assert await load_api_keys("", fetch) == {}  # no secret configured: not even asked
    keys = await load_api_keys("prod/assets/api-keys", fetch)
    assert keys == {"finnhub": "fh-secret", "twelvedata": "td-secret"}
    assert asked == ["prod/assets/api-keys"]


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '{"finnhub": 42}'])
def test_malformed_secrets_are_refused(text: str) -> None:
    with pytest.raises(SecretError):
        parse_api_keys(text)


def test_an_environment_key_wins_over_the_secret() -> None:
    settings = AssetsSettings(finnhub_api_key="from-env", _env_file=None)  # type: ignore[call-arg]
    keys = {"finnhub": "from-secret", "twelvedata": "td-secret"}
    assert settings.provider_config("finnhub", keys).api_key == "from-env"
    assert settings.provider_config("twelvedata", keys).api_key == "td-secret"
    assert settings.provider_config("stooq", keys).api_key is None
    assert "from-env" not in repr(settings)  # keys are secrets, never printed
