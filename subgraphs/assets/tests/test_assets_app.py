"""Settings, the app's health endpoints and the exported SDL's federation shape."""

from __future__ import annotations

from typing import Any

import pytest
from assets.app import AssetsSettings
from assets.schema import schema
from pydantic import ValidationError


def test_settings_defaults_and_env_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = AssetsSettings()
    assert (defaults.port, defaults.table_name) == (4003, "assets")
    assert defaults.quote_ttl_seconds == 15
    assert defaults.price_providers == "simulated"
    assert defaults.cache_url == "memory://"
    monkeypatch.setenv("ASSETS_QUOTE_TTL_SECONDS", "30")
    monkeypatch.setenv("ASSETS_TABLE_NAME", "assets-test")
    monkeypatch.setenv("ASSETS_PRICE_PROVIDERS", "simulated")
    configured = AssetsSettings()
    assert configured.quote_ttl_seconds == 30 and configured.table_name == "assets-test"


def test_settings_reject_unknown_providers_and_bad_ttl() -> None:
    with pytest.raises(ValidationError, match="unknown price provider"):
        AssetsSettings(price_providers="bloomberg")
    with pytest.raises(ValidationError):
        AssetsSettings(quote_ttl_seconds=0)


def test_sdl_has_the_agreed_federation_shape() -> None:
    sdl = schema.as_str()
    assert 'type Instrument @key(fields: "symbol")' in sdl
    assert 'type Portfolio @key(fields: "id")' in sdl
    assert "baseCurrency: String! @external" in sdl
    assert "holdings: [Holding!]! @external" in sdl
    requires = '@requires(fields: "baseCurrency holdings { symbol quantity costBasis }")'
    assert f"valuation: PortfolioValuation {requires}" in sdl
    assert "type Holding @inaccessible" in sdl
    assert "costBasis: Decimal! @external" in sdl
    assert "enum AssetClass" in sdl and "UNKNOWN" in sdl
    assert "setManualPrice(input: SetManualPriceInput!): SetManualPricePayload!" in sdl
    assert "instrument(symbol: String!): Instrument" in sdl
    assert "federation/v2.9" in sdl


async def test_health_and_ready(assets: Any) -> None:
    assert (await assets.client.get("/health")).json() == {"status": "ok"}
    ready = await assets.client.get("/ready")
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}
