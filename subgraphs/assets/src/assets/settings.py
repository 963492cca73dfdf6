"""The assets service's settings: every environment variable it reads (prefix ASSETS_)."""

from __future__ import annotations

from datetime import date, timedelta

from kit.core.money import is_iso_currency
from kit.web.settings import ConsumerSettings
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from assets.adapters.cache import CACHE_URL_FORMS, DEFAULT_LAST_GOOD_SECONDS
from assets.adapters.fx_feeds import DEFAULT_FRANKFURTER_URL, KNOWN_FX_PROVIDERS
from assets.adapters.providers import HTTP_PROVIDERS, ProviderConfig, ResilienceConfig, provider_names
from assets.adapters.providers.coingecko import DEFAULT_BASE_URL as COINGECKO_URL
from assets.adapters.providers.finnhub import DEFAULT_BASE_URL as FINNHUB_URL
from assets.adapters.providers.stooq import DEFAULT_BASE_URL as STOOQ_URL
from assets.adapters.providers.twelvedata import DEFAULT_BASE_URL as TWELVEDATA_URL
from assets.domain.fx_reference import DEFAULT_REFERENCE_CURRENCIES, DEFAULT_REFERENCE_YEARS, FxReference
from assets.domain.history import EARLIEST_DAY
from assets.domain.manual import DEFAULT_STALE_AFTER
from assets.services import FX_TTL_SECONDS


class AssetsSettings(ConsumerSettings):
    model_config = SettingsConfigDict(env_prefix="ASSETS_", extra="ignore")

    port: int = 4003
    table_name: str = "assets"
    price_providers: str = Field(
        default="simulated",
        description="Ordered chain, e.g. finnhub,twelvedata,coingecko,stooq; default simulated (offline)",
    )
    fx_provider: str = Field(default="simulated", description="simulated (offline) or frankfurter (ECB)")
    quote_ttl_seconds: int = Field(default=15, ge=1, description="How long a feed quote is served from cache")
    last_good_ttl_seconds: int = Field(
        default=DEFAULT_LAST_GOOD_SECONDS,
        ge=1,
        description="How long the last good quote is kept for stale serving",
    )
    fx_ttl_seconds: int = Field(
        default=FX_TTL_SECONDS, ge=1, description="How long an FX feed snapshot is cached"
    )
    manual_price_stale_after: timedelta = Field(
        default=DEFAULT_STALE_AFTER,
        gt=timedelta(0),
        description="How long a manual price set without expiresAt (and a manual FX rate) wins over the "
        "feeds, an ISO 8601 duration (P7D, PT12H); after it the feed's price is used, else the manual "
        "one, flagged stale",
    )
    cache_url: str = Field(default="memory://", description=CACHE_URL_FORMS)
    provider_connect_timeout_seconds: float = Field(default=1.0, gt=0)
    # Nested under the router's bound of one subgraph call (ROUTER_UPSTREAM_TIMEOUT_MS, 2 s): the
    # valuation answers, stale if it must, before the router gives up on this subgraph.
    provider_timeout_seconds: float = Field(default=1.0, gt=0, description="Bound of one provider call")
    quote_deadline_seconds: float = Field(default=1.5, gt=0, description="Bound of the whole provider chain")
    breaker_failure_threshold: int = Field(default=5, ge=1)
    breaker_reset_seconds: float = Field(default=30.0, gt=0)
    api_keys_secret_id: str = Field(default="", description="Secrets Manager id of a JSON {provider: key}")
    secrets_endpoint_url: str | None = Field(default=None, description="Secrets Manager endpoint (emulators)")

    finnhub_base_url: str = FINNHUB_URL
    finnhub_api_key: SecretStr | None = None
    finnhub_rate_limit: int | None = Field(default=None, ge=1, description="Calls a minute (default 60)")
    twelvedata_base_url: str = TWELVEDATA_URL
    twelvedata_api_key: SecretStr | None = None
    twelvedata_rate_limit: int | None = Field(default=None, ge=1, description="Credits a minute (default 8)")
    coingecko_base_url: str = COINGECKO_URL
    coingecko_api_key: SecretStr | None = None
    coingecko_rate_limit: int | None = Field(default=None, ge=1, description="Calls a minute (default 10)")
    stooq_base_url: str = STOOQ_URL
    stooq_api_key: SecretStr | None = None  # Stooq needs none; accepted for uniformity
    stooq_rate_limit: int | None = Field(default=None, ge=1, description="Calls a minute (default 30)")
    frankfurter_base_url: str = DEFAULT_FRANKFURTER_URL
    frankfurter_api_key: SecretStr | None = None  # Frankfurter needs none; accepted for uniformity
    history_refresh_seconds: float = Field(
        default=0,
        ge=0,
        description="Run the daily-closes refresh at start and then every so many seconds (the local "
        "launcher sets a day); 0: never (in AWS, EventBridge Scheduler runs it)",
    )

    fx_reference_currencies: str = Field(
        default=",".join(DEFAULT_REFERENCE_CURRENCIES),
        description="ISO 4217 codes whose daily FX closes into a new portfolio's base currency are "
        "stored (and copied to the portfolios service) when it opens",
    )
    fx_reference_since: date | None = Field(
        default=None,
        description=f"First day of those closes (YYYY-MM-DD); unset: {DEFAULT_REFERENCE_YEARS} years "
        "before today",
    )

    @field_validator("price_providers")
    @classmethod
    def _known_providers(cls, value: str) -> str:
        provider_names(value)
        return value

    @field_validator("fx_provider")
    @classmethod
    def _known_fx_provider(cls, value: str) -> str:
        name = value.strip().lower()
        if name not in KNOWN_FX_PROVIDERS:
            raise ValueError(f"unknown FX provider {value!r}; known: {list(KNOWN_FX_PROVIDERS)}")
        return name

    @field_validator("fx_reference_currencies")
    @classmethod
    def _iso_currencies(cls, value: str) -> str:
        codes = [code.strip() for code in value.split(",") if code.strip()]
        wrong = [code for code in codes if not is_iso_currency(code)]
        if wrong:
            raise ValueError(f"not ISO 4217 currency codes: {wrong}")
        return ",".join(codes)

    @field_validator("fx_reference_since")
    @classmethod
    def _not_too_early(cls, value: date | None) -> date | None:
        if value is not None and value < EARLIEST_DAY:
            raise ValueError(f"the FX closes start on {EARLIEST_DAY.isoformat()} at the earliest")
        return value

    @field_validator("cache_url")
    @classmethod
    def _known_cache(cls, value: str) -> str:
        if not value.startswith(("memory://", "redis://", "rediss://")):
            raise ValueError(f"the cache URL must be {CACHE_URL_FORMS}")
        return value

    def api_key(self, provider: str) -> str | None:
        secret: SecretStr | None = getattr(self, f"{provider}_api_key", None)
        return secret.get_secret_value() if secret is not None and secret.get_secret_value() else None

    def provider_config(self, provider: str, keys: dict[str, str]) -> ProviderConfig:
        """An environment key wins over one from the secret."""
        return ProviderConfig(
            base_url=getattr(self, f"{provider}_base_url"),
            api_key=self.api_key(provider) or keys.get(provider),
            rate_limit=getattr(self, f"{provider}_rate_limit", None),
        )

    @property
    def fx_reference(self) -> FxReference:
        codes = tuple(filter(None, self.fx_reference_currencies.split(",")))
        return FxReference(currencies=codes, since=self.fx_reference_since)

    @property
    def resilience(self) -> ResilienceConfig:
        return ResilienceConfig(
            timeout_seconds=self.provider_timeout_seconds,
            deadline_seconds=self.quote_deadline_seconds,
            failure_threshold=self.breaker_failure_threshold,
            reset_seconds=self.breaker_reset_seconds,
        )

    @property
    def needs_http(self) -> bool:
        return self.fx_provider != "simulated" or any(
            name in HTTP_PROVIDERS for name in provider_names(self.price_providers)
        )
