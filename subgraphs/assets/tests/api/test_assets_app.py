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
    lots = "openLots { quantities purchasedOn purchasePrices currencies fxRates }"
    requires = (
        f'@requires(fields: "baseCurrency holdings {{ symbol quantity costBasis {lots} }} owner {{ id }}")'
    )
    assert f"valuation: PortfolioValuation {requires}" in sdl
    # Not `positions`: a @requires on a list the client also selects races in the gateway (see
    # tests/e2e/test_e2e_day_change_and_manual_prices.py).
    assert "positions: [Position!]! @external" not in sdl
    # The open lots only through @inaccessible types, as parallel lists of scalars.
    assert "type HoldingLots @inaccessible" in sdl and "openLots: HoldingLots @external" in sdl
    # The owner decides who may see a valuation; Customer is only a stub here.
    assert "owner: Customer @external" in sdl  # nullable as portfolios declares it
    assert 'type Customer @key(fields: "id", resolvable: false) {\n  id: ID!\n}' in sdl
    assert "setManualFxRate(input: SetManualFxRateInput!): SetManualFxRatePayload!" in sdl
    assert "clearManualPrice(input: ClearManualPriceInput!): ClearManualPricePayload!" in sdl
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


def test_provider_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = AssetsSettings(_env_file=None)  # type: ignore[call-arg]
    assert defaults.fx_provider == "simulated" and defaults.finnhub_base_url == "https://finnhub.io/api/v1"
    assert defaults.frankfurter_base_url == "https://api.frankfurter.dev/v1"
    assert (defaults.provider_timeout_seconds, defaults.provider_connect_timeout_seconds) == (1.0, 1.0)
    # Under the router's 2 s bound of one subgraph call (router/gateway.config.ts).
    assert defaults.quote_deadline_seconds == 1.5
    assert defaults.needs_http is False
    monkeypatch.setenv("ASSETS_PRICE_PROVIDERS", "finnhub,twelvedata,stooq")
    monkeypatch.setenv("ASSETS_FINNHUB_BASE_URL", "http://127.0.0.1:9999/api/v1")
    monkeypatch.setenv("ASSETS_FINNHUB_API_KEY", "fh-key")
    monkeypatch.setenv("ASSETS_FX_PROVIDER", "Frankfurter")
    monkeypatch.setenv("ASSETS_CACHE_URL", "redis://127.0.0.1:6379/0")
    configured = AssetsSettings()
    assert configured.needs_http is True and configured.fx_provider == "frankfurter"
    config = configured.provider_config("finnhub", {})
    assert (config.base_url, config.api_key) == ("http://127.0.0.1:9999/api/v1", "fh-key")
    with pytest.raises(ValidationError, match="unknown FX provider"):
        AssetsSettings(fx_provider="ecb")
    with pytest.raises(ValidationError, match="cache URL"):
        AssetsSettings(cache_url="memcached://x")
