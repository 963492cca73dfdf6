"""kit.web.settings: service settings from the environment, one prefix per service."""

from __future__ import annotations

import pytest
from kit.graphql.context import RequestContext
from kit.web.settings import ServiceSettings
from kit_testing import unique_table_name
from pydantic_settings import SettingsConfigDict


class DemoSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DEMO_", extra="ignore")


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HOST", "PORT", "DYNAMODB_ENDPOINT_URL", "GRAPHIQL"):
        monkeypatch.delenv(name, raising=False)
    settings = ServiceSettings()
    assert settings.host == "127.0.0.1"
    assert settings.dynamodb_endpoint_url is None
    assert settings.is_local_dynamodb is False
    assert settings.graphiql is True


def test_prefixed_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_PORT", "4555")
    monkeypatch.setenv("DEMO_TABLE_NAME", "demo-table")
    monkeypatch.setenv("DEMO_DYNAMODB_ENDPOINT_URL", "http://127.0.0.1:8000")
    monkeypatch.setenv("DEMO_GRAPHIQL", "false")
    monkeypatch.setenv("PORT", "1")  # unprefixed: not ours
    settings = DemoSettings()
    assert settings.port == 4555
    assert settings.table_name == "demo-table"
    assert settings.is_local_dynamodb is True
    assert settings.graphiql is False


def test_unique_table_names_and_request_ids() -> None:
    names = {unique_table_name("kit") for _ in range(50)}
    assert len(names) == 50
    assert all(name.startswith("kit-") and name == name.lower() for name in names)
    assert RequestContext().request_id != RequestContext().request_id
