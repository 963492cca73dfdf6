"""Market-data providers: the adapters, their resilience, the chain, and building it from settings."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import cast

import httpx
from aiolimiter import AsyncLimiter

from assets.adapters.providers.base import HttpAdapter, MarketDataProvider
from assets.adapters.providers.chain import LocalSource, ProviderChain, QuoteSource
from assets.adapters.providers.coingecko import CoinGeckoProvider
from assets.adapters.providers.coingecko_history import CoinGeckoHistory
from assets.adapters.providers.finnhub import FinnhubProvider
from assets.adapters.providers.history import (
    GuardedHistorySource,
    HistoryChain,
    HistoryProvider,
    HistorySource,
    SimulatedHistory,
)
from assets.adapters.providers.resilience import CircuitBreaker, Guard, GuardedSource
from assets.adapters.providers.stooq import StooqProvider
from assets.adapters.providers.stooq_history import StooqHistory
from assets.adapters.providers.twelvedata import TwelveDataProvider
from assets.adapters.providers.twelvedata_history import TwelveDataHistory
from assets.domain.instruments import Catalog, Instrument
from assets.domain.simulation import SimulatedPriceProvider

__all__ = [
    "HTTP_PROVIDERS",
    "KNOWN_PROVIDERS",
    "ProviderChain",
    "ProviderConfig",
    "ResilienceConfig",
    "build_feeds",
    "build_quote_feed",
    "catalog_lookup",
    "provider_names",
]

HTTP_PROVIDERS: dict[str, type[HttpAdapter]] = {
    "finnhub": FinnhubProvider,
    "twelvedata": TwelveDataProvider,
    "coingecko": CoinGeckoProvider,
    "stooq": StooqProvider,
}
# The history endpoint beside each provider that has one (Finnhub's candles are a paid plan: none).
HISTORY_PROVIDERS: dict[str, type[HttpAdapter]] = {
    "twelvedata": TwelveDataHistory,
    "coingecko": CoinGeckoHistory,
    "stooq": StooqHistory,
}
# "manual" is accepted for completeness: a manual price always wins, whatever the chain.
KNOWN_PROVIDERS = ("simulated", "manual", *HTTP_PROVIDERS)


def provider_names(spec: str) -> list[str]:
    """The chain in order of preference; unknown names are an error."""
    names = [name.strip().lower() for name in spec.split(",") if name.strip()]
    if not names:
        raise ValueError("at least one price provider is required")
    unknown = [name for name in names if name not in KNOWN_PROVIDERS]
    if unknown:
        raise ValueError(f"unknown price provider(s) {unknown}; known: {list(KNOWN_PROVIDERS)}")
    return list(dict.fromkeys(names))


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    base_url: str
    api_key: str | None = None
    rate_limit: int | None = None  # per minute; None: the provider's documented default


@dataclass(frozen=True, slots=True)
class ResilienceConfig:
    timeout_seconds: float = 1.0
    deadline_seconds: float = 1.5
    failure_threshold: int = 5
    reset_seconds: float = 30.0


def guard_for(
    provider: MarketDataProvider,
    resilience: ResilienceConfig,
    rate_limit: int | None = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> Guard:
    """One provider's rate limit, breaker and time bound (shared by its quotes and its history)."""
    capabilities = provider.capabilities
    limiter = AsyncLimiter(rate_limit or capabilities.rate_limit, capabilities.limit_window_seconds)
    breaker = CircuitBreaker(
        failure_threshold=resilience.failure_threshold,
        reset_seconds=resilience.reset_seconds,
        clock=monotonic,
    )
    guard = Guard(
        provider.name,
        limiter=limiter,
        breaker=breaker,
        timeout_seconds=resilience.timeout_seconds,
        clock=monotonic,
    )
    return guard


def guarded(
    provider: MarketDataProvider,
    resilience: ResilienceConfig,
    rate_limit: int | None = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> GuardedSource:
    return GuardedSource(provider, guard_for(provider, resilience, rate_limit, monotonic))


def catalog_lookup(catalog: Catalog) -> Callable[[str], Instrument | None]:
    def lookup(symbol: str) -> Instrument | None:
        entry = catalog.get(symbol)
        return entry.instrument if entry is not None else None

    return lookup


def build_quote_feed(
    spec: str,
    *,
    catalog: Catalog,
    clock: Callable[[], datetime],
    http: httpx.AsyncClient | None = None,
    configs: Mapping[str, ProviderConfig] | None = None,
    resilience: ResilienceConfig | None = None,
) -> ProviderChain:
    """The chain named by `spec` ("finnhub,twelvedata,stooq"); HTTP providers need `http` and `configs`."""
    quotes, _ = build_feeds(
        spec, catalog=catalog, clock=clock, http=http, configs=configs, resilience=resilience
    )
    return quotes


def build_feeds(
    spec: str,
    *,
    catalog: Catalog,
    clock: Callable[[], datetime],
    http: httpx.AsyncClient | None = None,
    configs: Mapping[str, ProviderConfig] | None = None,
    resilience: ResilienceConfig | None = None,
) -> tuple[ProviderChain, HistoryChain]:
    """The quote chain and the history chain named by `spec`, in the same order; each HTTP provider
    has ONE guard for both, so its quota holds whatever is asked."""
    resilience = resilience or ResilienceConfig()
    sources: list[QuoteSource] = []
    history: list[HistorySource] = []
    for name in provider_names(spec):
        if name == "simulated":
            sources.append(LocalSource(name, SimulatedPriceProvider(catalog, clock)))
            history.append(SimulatedHistory(catalog))
        elif name in HTTP_PROVIDERS:
            if http is None or configs is None or name not in configs:
                raise ValueError(f"provider {name} needs an HTTP client and its configuration")
            config = configs[name]
            adapter = HTTP_PROVIDERS[name](
                http, base_url=config.base_url, api_key=config.api_key, clock=clock
            )
            guard = guard_for(adapter, resilience, config.rate_limit)
            sources.append(GuardedSource(adapter, guard))
            if name in HISTORY_PROVIDERS:
                endpoint = cast(
                    HistoryProvider,
                    HISTORY_PROVIDERS[name](
                        http, base_url=config.base_url, api_key=config.api_key, clock=clock
                    ),
                )
                rate_limit = config.rate_limit or adapter.capabilities.rate_limit
                history.append(GuardedHistorySource(endpoint, guard, rate_limit))
    quotes = ProviderChain(
        sources, lookup=catalog_lookup(catalog), deadline_seconds=resilience.deadline_seconds
    )
    return quotes, HistoryChain(history, deadline_seconds=resilience.deadline_seconds)
