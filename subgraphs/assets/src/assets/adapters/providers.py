"""Building the price provider chain from the `price_providers` setting ("simulated" for now)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from assets.domain.instruments import Catalog
from assets.domain.quotes import PriceProvider, Quote
from assets.domain.simulation import SimulatedPriceProvider

log = logging.getLogger(__name__)

KNOWN_PROVIDERS = ("simulated",)


def provider_names(spec: str) -> list[str]:
    """ "simulated" or a comma-separated list, in order of preference; unknown names are an error."""
    names = [name.strip().lower() for name in spec.split(",") if name.strip()]
    if not names:
        raise ValueError("at least one price provider is required")
    unknown = [name for name in names if name not in KNOWN_PROVIDERS]
    if unknown:
        raise ValueError(f"unknown price provider(s) {unknown}; known: {list(KNOWN_PROVIDERS)}")
    return names


class ProviderChain:
    """Asks each provider in turn for the symbols the previous ones did not answer.

    A provider that fails is logged and skipped, so one outage leaves the others' prices in place.
    """

    def __init__(self, providers: Sequence[tuple[str, PriceProvider]]) -> None:
        self._providers = list(providers)

    async def quotes(self, symbols: Sequence[str]) -> dict[str, Quote]:
        found: dict[str, Quote] = {}
        missing = list(symbols)
        for name, provider in self._providers:
            if not missing:
                break
            try:
                answered = await provider.quotes(missing)
            except Exception:
                log.exception("price provider %s failed for %d symbols", name, len(missing))
                continue
            found.update({symbol: quote for symbol, quote in answered.items() if symbol in missing})
            missing = [symbol for symbol in missing if symbol not in found]
        return found


def build_price_provider(spec: str, *, catalog: Catalog, clock: Callable[[], datetime]) -> PriceProvider:
    providers: list[tuple[str, PriceProvider]] = []
    for name in provider_names(spec):
        if name == "simulated":
            providers.append((name, SimulatedPriceProvider(catalog, clock)))
    return ProviderChain(providers)
