"""The assets service: settings and the runtime (the composition root: it builds the cache, the
market-data feeds, the repository and the use cases), the FastAPI app and its entry point."""

from __future__ import annotations

import asyncio
import gc
import logging
from contextlib import AsyncExitStack
from datetime import timedelta

import httpx
from fastapi import FastAPI
from kit.web.app import Runtime, serve
from kit.web.app import create_app as kit_create_app
from kit.web.settings import ServiceSettings
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from assets.adapters.api_keys import SecretFetcher, load_api_keys, secrets_manager_fetcher
from assets.adapters.cache import (
    CACHE_URL_FORMS,
    DEFAULT_LAST_GOOD_SECONDS,
    AiocacheQuoteCache,
    build_cache,
)
from assets.adapters.catalog import load_catalog
from assets.adapters.closes import DynamoClosesRepository
from assets.adapters.fx_feeds import DEFAULT_FRANKFURTER_URL, KNOWN_FX_PROVIDERS, build_fx_feeds
from assets.adapters.providers import (
    HTTP_PROVIDERS,
    ProviderConfig,
    ResilienceConfig,
    build_feeds,
    provider_names,
)
from assets.adapters.providers.chain import as_feed
from assets.adapters.providers.coingecko import DEFAULT_BASE_URL as COINGECKO_URL
from assets.adapters.providers.finnhub import DEFAULT_BASE_URL as FINNHUB_URL
from assets.adapters.providers.stooq import DEFAULT_BASE_URL as STOOQ_URL
from assets.adapters.providers.twelvedata import DEFAULT_BASE_URL as TWELVEDATA_URL
from assets.adapters.repository import DynamoAssetsRepository
from assets.domain.instruments import Catalog
from assets.domain.manual import DEFAULT_STALE_AFTER
from assets.domain.ports import HistoryFeed, PriceProvider, QuoteFeed
from assets.graphql.context import AssetsContext
from assets.schema import schema
from assets.services import FX_TTL_SECONDS, AssetsService
from assets.services.common import Clock, utc_now

log = logging.getLogger(__name__)


class AssetsSettings(ServiceSettings):
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


class AssetsRuntime(Runtime):
    """Adds the catalog, the quote cache, the market-data feeds and the service to the kit's Runtime."""

    settings: AssetsSettings
    service: AssetsService

    def __init__(
        self,
        settings: AssetsSettings,
        *,
        provider: PriceProvider | QuoteFeed | None = None,
        history_feed: HistoryFeed | None = None,
        clock: Clock = utc_now,
        secret_fetcher: SecretFetcher | None = None,
    ) -> None:
        super().__init__(settings)
        self._history_override = history_feed
        self.clock = clock
        self.catalog: Catalog = load_catalog()
        self._provider_override = provider
        self._secret_fetcher = secret_fetcher
        self.quote_cache: AiocacheQuoteCache | None = None
        self.http: httpx.AsyncClient | None = None

    async def start(self, stack: AsyncExitStack) -> None:
        await super().start(stack)
        settings = self.settings
        cache = AiocacheQuoteCache(
            build_cache(settings.cache_url, ttl_seconds=settings.quote_ttl_seconds),
            ttl_seconds=settings.quote_ttl_seconds,
            last_good_seconds=settings.last_good_ttl_seconds,
        )
        self.quote_cache = cache
        stack.push_async_callback(cache.close)
        keys = await self._open_http(stack) if settings.needs_http else {}
        names = provider_names(settings.price_providers)
        quote_feed: QuoteFeed
        quote_feed, history_feed = build_feeds(
            settings.price_providers,
            catalog=self.catalog,
            clock=self.clock,
            http=self.http,
            configs={name: settings.provider_config(name, keys) for name in names if name in HTTP_PROVIDERS},
            resilience=settings.resilience,
        )
        if self._provider_override is not None:
            quote_feed = as_feed(self._provider_override)
        fx_feed, fx_history_feed = build_fx_feeds(
            settings.fx_provider,
            clock=self.clock,
            http=self.http,
            base_url=settings.frankfurter_base_url,
            api_key=settings.api_key("frankfurter") or keys.get("frankfurter"),
            resilience=settings.resilience,
        )
        self.service = AssetsService(
            catalog=self.catalog,
            repository=DynamoAssetsRepository(self.dynamodb, settings.table_name),
            cache=cache,
            quote_feed=quote_feed,
            fx_feed=fx_feed,
            closes=DynamoClosesRepository(self.dynamodb, settings.table_name),
            history_feed=self._history_override or history_feed,
            fx_history_feed=fx_history_feed,
            clock=self.clock,
            fx_ttl_seconds=settings.fx_ttl_seconds,
            manual_stale_after=settings.manual_price_stale_after,
        )
        if settings.history_refresh_seconds > 0:
            task = asyncio.create_task(self._refresh_history(settings.history_refresh_seconds))
            stack.callback(task.cancel)
        log.info(
            "assets: price providers %s, FX %s, cache %s", names, settings.fx_provider, settings.cache_url
        )

    async def _refresh_history(self, every_seconds: float) -> None:
        """The local schedule of the daily-closes refresh: at start, then every `every_seconds`."""
        while True:
            try:
                await self.service.history.refresh()
            except Exception:  # a failed refresh is retried at the next tick; the service keeps serving
                log.exception("history refresh failed")
            await asyncio.sleep(every_seconds)

    async def _open_http(self, stack: AsyncExitStack) -> dict[str, str]:
        """The HTTP client the providers share, and their API keys from the secret (if one is set)."""
        settings = self.settings
        self.http = await stack.enter_async_context(
            httpx.AsyncClient(
                timeout=httpx.Timeout(
                    settings.provider_timeout_seconds, connect=settings.provider_connect_timeout_seconds
                ),
                headers={"User-Agent": "portfolio-supergraph-assets/0.1"},
                follow_redirects=False,
            )
        )
        fetcher = self._secret_fetcher or secrets_manager_fetcher(
            region=settings.aws_region, endpoint_url=settings.secrets_endpoint_url
        )
        return await load_api_keys(settings.api_keys_secret_id, fetcher)


def create_app(
    settings: AssetsSettings | None = None,
    *,
    provider: PriceProvider | QuoteFeed | None = None,
    history_feed: HistoryFeed | None = None,
    clock: Clock = utc_now,
    secret_fetcher: SecretFetcher | None = None,
) -> FastAPI:
    runtime = AssetsRuntime(
        settings or AssetsSettings(),
        provider=provider,
        history_feed=history_feed,
        clock=clock,
        secret_fetcher=secret_fetcher,
    )
    return kit_create_app(
        title="assets",
        runtime=runtime,
        schema=schema,
        context_for=lambda runtime: AssetsContext(runtime.service),
    )


def main() -> None:
    settings = AssetsSettings()
    app = create_app(settings)
    # Everything imported so far lives as long as the process: keep it out of the garbage collector's
    # full passes, which otherwise scan it all (tens of ms) in the middle of a valuation.
    gc.collect()
    gc.freeze()
    serve(app, settings)
