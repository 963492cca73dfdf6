"""Pricing benchmark: valuing ONE portfolio of 1,000 positions on a warm quote cache, in process.

What one Portfolio.valuation costs the assets service once its quotes are cached: the valuation use
case (services/valuation.py) reading the instruments, the cache multi-get of 1,000 quotes and the FX
rates (USD instruments in a EUR portfolio, simulated FX feed), then the Decimal valuation. No network,
no DynamoDB (manual FX rates come from an in-memory stand-in).
Target: under 20 ms. Prints the median and p95 over the runs. Like the service's `main()`, it freezes
the long-lived objects out of the garbage collector after warming up (without that, a full collection
scanning every imported module lands in about one run in twenty, at ~45 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from assets.adapters.cache import AiocacheQuoteCache, build_cache
from assets.adapters.fx_feeds import SimulatedFxFeed
from assets.adapters.providers.chain import as_feed
from assets.domain.fx import FxRate, Pair
from assets.domain.instruments import AssetClass, Instrument
from assets.domain.manual import InstrumentView
from assets.domain.quotes import Quote
from assets.domain.valuation import Holding, PortfolioHoldings
from assets.services import FxService, QuoteService, ValuationUseCases
from kit.core.money import Amount

NOW = datetime(2025, 11, 24, 15, 30, tzinfo=UTC)
TARGET_MS = 20.0


class _Feed:
    """1,000 instruments priced in USD; counts its calls (there must be none once warm)."""

    def __init__(self) -> None:
        self.calls = 0

    async def quotes(self, symbols: Sequence[str]) -> dict[str, Quote]:
        self.calls += 1
        return {
            symbol: Quote(
                symbol,
                Amount(Decimal(100 + index % 400) + Decimal("0.1234"), "USD"),
                Amount(Decimal(99 + index % 400) + Decimal("0.5"), "USD"),
                NOW,
                "bench",
            )
            for index, symbol in enumerate(symbols)
        }


class _NoManualRates:
    async def manual_fx_rates(self) -> list[FxRate]:
        return []


class _Market:
    """The valuation's batch reads: USD instruments (built once, as the catalog is), quotes and rates
    through the services."""

    def __init__(self, symbols: Sequence[str], quotes: QuoteService, fx: FxService) -> None:
        self._views = {
            symbol: InstrumentView(Instrument(symbol, symbol, AssetClass.STOCK, "USD", "BENCH"), None, True)
            for symbol in symbols
        }
        self._quotes = quotes
        self._fx = fx

    async def instruments(self, symbols: Sequence[str]) -> dict[str, InstrumentView]:
        return {symbol: self._views[symbol] for symbol in symbols}

    async def quotes(self, symbols: Sequence[str]) -> dict[str, Quote]:
        return await self._quotes.feed_quotes(symbols)

    async def fx_rates(self, pairs: Sequence[Pair]) -> dict[Pair, FxRate]:
        return await self._fx.rates(pairs)


async def _run(positions: int, runs: int) -> tuple[list[float], int]:
    symbols = [f"BENCH{index:04d}" for index in range(positions)]
    holdings = tuple(
        Holding(symbol, Decimal(1 + index % 50), Decimal("1000.00")) for index, symbol in enumerate(symbols)
    )
    portfolio = PortfolioHoldings("BENCH", "EUR", holdings)
    feed = _Feed()
    cache = AiocacheQuoteCache(build_cache("memory://", ttl_seconds=3600), ttl_seconds=3600)
    quotes = QuoteService(cache=cache, feed=as_feed(feed))
    repository: Any = _NoManualRates()
    fx = FxService(repository=repository, feed=SimulatedFxFeed(lambda: NOW), cache=cache, clock=lambda: NOW)
    market = _Market(symbols, quotes, fx)
    valuations = ValuationUseCases()

    async def value_once() -> None:
        (valued,) = await valuations.value([portfolio], market)
        assert valued is not None
        result = valued.valuation
        assert result.complete and len(result.positions) == positions

    await value_once()  # warms the cache: the only provider call
    # As the service's main() does after start-up: long-lived objects out of the GC's full passes.
    gc.collect()
    gc.freeze()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await value_once()
        samples.append((time.perf_counter() - started) * 1000)
    await cache.close()
    return samples, feed.calls


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--positions", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args(argv)
    samples, calls = asyncio.run(_run(args.positions, args.runs))
    ordered = sorted(samples)
    median = statistics.median(ordered)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    verdict = "OK" if p95 < TARGET_MS else "OVER TARGET"
    print(
        f"pricing: valuation of 1 portfolio x {args.positions} positions, warm cache, {args.runs} runs: "
        f"median {median:.2f} ms, p95 {p95:.2f} ms (target < {TARGET_MS:.0f} ms: {verdict}); "
        f"provider calls after warm-up: {calls - 1}"
    )
    return 0 if calls == 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
