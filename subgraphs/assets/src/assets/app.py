"""The assets service: the runtime (the composition root: it builds the cache, the
market-data feeds, the repository and the use cases), the FastAPI app and its entry point."""

from __future__ import annotations

import asyncio
import gc
import logging
from contextlib import AsyncExitStack

import httpx
from fastapi import FastAPI
from kit.aws.consumer import start_consumer
from kit.web.app import Runtime, serve
from kit.web.app import create_app as kit_create_app

from assets.adapters.api_keys import SecretFetcher, load_api_keys, secrets_manager_fetcher
from assets.adapters.applied import DynamoAppliedEvents
from assets.adapters.cache import (
    AiocacheQuoteCache,
    build_cache,
)
from assets.adapters.catalog import load_catalog
from assets.adapters.closes import DynamoClosesRepository
from assets.adapters.fx_feeds import build_fx_feeds
from assets.adapters.providers import (
    HTTP_PROVIDERS,
    build_feeds,
    provider_names,
)
from assets.adapters.providers.chain import as_feed
from assets.adapters.repository import DynamoAssetsRepository
from assets.domain.instruments import Catalog
from assets.domain.ports import HistoryFeed, PriceProvider, QuoteFeed
from assets.graphql.context import AssetsContext
from assets.schema import schema
from assets.services import AssetsService
from assets.services.common import Clock, utc_now
from assets.settings import AssetsSettings

log = logging.getLogger(__name__)


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
        self.consumer_task: asyncio.Task[None] | None = None

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
            closes=DynamoClosesRepository(self.dynamodb, settings.table_name, clock=self.clock),
            history_feed=self._history_override or history_feed,
            fx_history_feed=fx_history_feed,
            applied_events=DynamoAppliedEvents(self.dynamodb, settings.table_name),
            clock=self.clock,
            fx_ttl_seconds=settings.fx_ttl_seconds,
            manual_stale_after=settings.manual_price_stale_after,
            fx_reference=settings.fx_reference,
        )
        if settings.event_queue_url:
            self.consumer_task = await start_consumer(
                stack, settings, self.service.events.apply, name="assets-event-queue"
            )
        if settings.history_refresh_seconds > 0:
            task = asyncio.create_task(self._refresh_history(settings.history_refresh_seconds))
            stack.callback(task.cancel)
        log.info(
            "assets: price providers %s, FX %s, cache %s", names, settings.fx_provider, settings.cache_url
        )

    async def ready(self) -> bool:
        """The table answers, and the event consumer (when configured) is still running."""
        consuming = self.consumer_task is None or not self.consumer_task.done()
        return consuming and await super().ready()

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


__all__ = ["AssetsRuntime", "AssetsSettings", "create_app", "main"]
