"""The assets subgraph process: settings, long-lived resources, the FastAPI app and `main`."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime

from fastapi import FastAPI
from kit.app import Runtime, serve
from kit.app import create_app as kit_create_app
from kit.settings import ServiceSettings
from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from assets.adapters.cache import QuoteCache, build_cache
from assets.adapters.catalog import load_catalog
from assets.adapters.providers import build_price_provider, provider_names
from assets.adapters.repository import AssetsRepository
from assets.domain.instruments import Catalog
from assets.domain.quotes import PriceProvider
from assets.graphql.context import AssetsContext
from assets.schema import schema
from assets.services import AssetsServices, InstrumentService, QuoteService, ValuationService

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class AssetsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ASSETS_", extra="ignore")

    port: int = 4003
    table_name: str = "assets"
    quote_ttl_seconds: int = Field(default=15, ge=1, description="How long a feed quote is served from cache")
    price_providers: str = Field(
        default="simulated",
        description='Comma-separated providers in order of preference; only "simulated" now',
    )
    cache_url: str = Field(default="memory://", description="Quote cache; memory:// only for now")

    @field_validator("price_providers")
    @classmethod
    def _known_providers(cls, value: str) -> str:
        provider_names(value)
        return value


class AssetsRuntime(Runtime):
    """Adds the catalog, the quote cache, the price provider and the services to the kit's Runtime."""

    settings: AssetsSettings

    def __init__(
        self, settings: AssetsSettings, *, provider: PriceProvider | None = None, clock: Clock = utc_now
    ) -> None:
        super().__init__(settings)
        self.clock = clock
        self.catalog: Catalog = load_catalog()
        self._provider_override = provider
        self.quote_cache: QuoteCache | None = None
        self.services: AssetsServices | None = None

    async def start(self, stack: AsyncExitStack) -> None:
        await super().start(stack)
        settings = self.settings
        self.quote_cache = QuoteCache(build_cache(settings.cache_url, ttl_seconds=settings.quote_ttl_seconds))
        stack.push_async_callback(self.quote_cache.close)
        provider = self._provider_override or build_price_provider(
            settings.price_providers, catalog=self.catalog, clock=self.clock
        )
        quotes = QuoteService(cache=self.quote_cache, provider=provider)
        self.services = AssetsServices(
            instruments=InstrumentService(
                catalog=self.catalog,
                repository=AssetsRepository(self.dynamodb, settings.table_name),
                quotes=quotes,
                clock=self.clock,
            ),
            quotes=quotes,
            valuations=ValuationService(),
        )

    def context(self) -> AssetsContext:
        if self.services is None:
            raise RuntimeError("the assets runtime has not started")
        return AssetsContext(self.services)


def create_app(
    settings: AssetsSettings | None = None, *, provider: PriceProvider | None = None, clock: Clock = utc_now
) -> FastAPI:
    runtime = AssetsRuntime(settings or AssetsSettings(), provider=provider, clock=clock)
    return kit_create_app(
        title="assets subgraph", runtime=runtime, schema=schema, context_for=AssetsRuntime.context
    )


def main() -> None:
    settings = AssetsSettings()
    serve(create_app(settings), settings)
