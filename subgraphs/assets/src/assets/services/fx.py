"""Exchange rates: manual ones from the table (one Query), the feed's snapshot through the cache
(single-flight, last good snapshot served when the feed fails), derived as `FxTable` says; and
setting a manual rate. A manual rate older than the staleness period (domain.manual) no longer wins
over the feed; without the feed it is still used, flagged stale."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import replace

from kit.core.principal import Principal

from assets.access import require_price_manager
from assets.domain.commands import SetManualFxRate
from assets.domain.fx import FxRate, FxSnapshot, FxTable, Pair
from assets.domain.manual import ManualPriceRules
from assets.domain.ports import AssetsRepository, FxFeed, QuoteCache
from assets.domain.validation import validate_manual_fx_rate
from assets.services.common import Clock

log = logging.getLogger(__name__)


class FxService:
    def __init__(
        self,
        *,
        repository: AssetsRepository,
        feed: FxFeed,
        cache: QuoteCache,
        clock: Clock,
        ttl_seconds: int = 3600,
        manual_rules: ManualPriceRules | None = None,
    ) -> None:
        self._manual_rules = manual_rules or ManualPriceRules()
        self._repository = repository
        self._feed = feed
        self._cache = cache
        self._clock = clock
        self._ttl_seconds = ttl_seconds
        self._inflight: asyncio.Task[FxSnapshot | None] | None = None

    async def rates(self, pairs: Sequence[Pair]) -> dict[Pair, FxRate]:
        """The rate of every pair that has one; equal currencies need no I/O and are left out."""
        wanted = [pair for pair in dict.fromkeys(pairs) if pair[0] != pair[1]]
        if not wanted:
            return {}
        manual, snapshot = await asyncio.gather(self._repository.manual_fx_rates(), self.snapshot())
        now = self._clock()
        recent = [rate for rate in manual if self._manual_rules.recent(rate.as_of, now)]
        aged = [rate for rate in manual if not self._manual_rules.recent(rate.as_of, now)]
        table = FxTable(snapshot, recent, aged)
        found = {pair: table.lookup(*pair) for pair in wanted}
        missing = [pair for pair, rate in found.items() if rate is None]
        if missing:
            log.warning("no FX rate for %s", ", ".join(f"{a}->{b}" for a, b in missing))
        return {pair: rate for pair, rate in found.items() if rate is not None}

    async def snapshot(self) -> FxSnapshot | None:
        if not self._feed.cacheable:
            return await self._feed.snapshot()
        cached = await self._cache.fx_snapshot(self._feed.name)
        if cached is not None:
            return cached
        if self._inflight is None:
            task = asyncio.get_running_loop().create_task(self._fetch_snapshot())
            self._inflight = task
            task.add_done_callback(lambda _: setattr(self, "_inflight", None))
        return await asyncio.shield(self._inflight)

    async def _fetch_snapshot(self) -> FxSnapshot | None:
        try:
            snapshot = await self._feed.snapshot()
        except Exception as error:
            log.warning("FX feed %s failed (%s); using the last good rates", self._feed.name, error)
            stale = await self._cache.fx_snapshot(self._feed.name, last_good=True)
            return None if stale is None else replace(stale, stale=True)
        await self._cache.remember_fx_snapshot(self._feed.name, snapshot, self._ttl_seconds)
        return snapshot

    async def set_manual(self, caller: Principal, command: SetManualFxRate) -> FxRate:
        """Validate and store a manual rate; raises `Forbidden` unless the caller manages prices, and
        `InputProblems` on bad input (nothing written either way)."""
        require_price_manager(caller)
        manual = validate_manual_fx_rate(
            from_currency=command.from_currency,
            to_currency=command.to_currency,
            rate=command.rate,
            set_at=self._clock(),
        )
        await self._repository.save_manual_fx_rate(manual)
        return manual
