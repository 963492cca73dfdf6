"""Daily closes (DESIGN.md decision 13): read what the table holds, backfill the rest on first use,
refresh every stored series once a day.

- A read asks the table once (every series and year of the range in one batched read). Days not
  yet covered are asked of the provider chain, ONE call per distinct missing span for all series
  missing it, then written once; a second ask of the same range makes no provider call.
- Days no provider answered for (none supports the series, it failed, or it is over its quota in
  a request) stay uncovered: the history is incomplete, never made up, and they are asked again.
- The refresh (run once a day: by the local launcher's schedule, by EventBridge Scheduler in AWS)
  fetches, for every stored series, the days after the last one it covers, waiting for the
  providers' rate limits instead of giving up.
- Stored closes are split-adjusted (see domain/history.py and domain/splits.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date

from assets.domain.fx import PIVOT
from assets.domain.history import (
    EVERY_DAY_CLASSES,
    ONE_DAY,
    DateSpan,
    History,
    SeriesKey,
    StoredSeries,
    final_days,
    history_of,
    requested_span,
)
from assets.domain.instruments import Catalog, Instrument
from assets.domain.ports import ClosesRepository, FxHistoryFeed, HistoryFeed, SeriesAnswer
from assets.services.common import Clock

log = logging.getLogger(__name__)

Fetch = Callable[[Sequence[SeriesKey], DateSpan], Awaitable[SeriesAnswer]]


@dataclass(frozen=True, slots=True)
class RefreshReport:
    series: int  # stored series looked at
    behind: int  # of which had days to fetch
    incomplete: int  # of which some days stayed unanswered


class HistoryService:
    def __init__(
        self,
        *,
        catalog: Catalog,
        repository: ClosesRepository,
        feed: HistoryFeed,
        fx_feed: FxHistoryFeed,
        clock: Clock,
    ) -> None:
        self._catalog = catalog
        self._repository = repository
        self._feed = feed
        self._fx_feed = fx_feed
        self._clock = clock
        # One backfill at a time per process: two asks of the same missing days fetch them once.
        self._backfilling = asyncio.Lock()

    def today(self) -> date:
        return self._clock().astimezone(UTC).date()

    def requested(self, start: date, end: date) -> DateSpan:
        """A client's range, checked (a BAD_USER_INPUT error built in domain/problems.py)."""
        return requested_span(start, end, self.today())

    async def instrument_history(self, instrument: Instrument, start: date, end: date) -> History:
        return (await self.closes([instrument], self.requested(start, end)))[instrument.symbol]

    async def many(self, asks: Sequence[tuple[Instrument, DateSpan]]) -> dict[tuple[str, DateSpan], History]:
        """Many instruments' histories (a DataLoader's batch): one `closes` per distinct range."""
        by_span: dict[DateSpan, dict[str, Instrument]] = defaultdict(dict)
        for instrument, span in asks:
            by_span[span][instrument.symbol] = instrument
        spans = list(by_span)
        found = await asyncio.gather(*(self.closes(list(by_span[span].values()), span) for span in spans))
        return {
            (symbol, span): history
            for span, histories in zip(spans, found, strict=True)
            for symbol, history in histories.items()
        }

    async def closes(
        self, instruments: Sequence[Instrument], span: DateSpan, *, patient: bool = False
    ) -> dict[str, History]:
        """The closes of every instrument over `span` (final days only), by symbol."""
        by_key = {SeriesKey.instrument(i.symbol): i for i in instruments}

        def fetch(keys: Sequence[SeriesKey], gap: DateSpan) -> Awaitable[SeriesAnswer]:
            return self._feed.daily_closes([by_key[key] for key in keys], gap, patient=patient)

        def every_day(key: SeriesKey) -> bool:
            return by_key[key].asset_class in EVERY_DAY_CLASSES

        found = await self._series(list(by_key), span, fetch, every_day)
        return {instrument.symbol: found[key] for key, instrument in by_key.items()}

    async def has_history(self, instrument: Instrument) -> bool:
        """Whether any daily close of `instrument` was ever stored (one read of its listing)."""
        key = SeriesKey.instrument(instrument.symbol)
        year = self.today().year
        stored = await self._repository.stored_series([key], range(year, year))  # no year items
        return stored[key].last_covered is not None

    def can_backfill(self, instrument: Instrument) -> bool:
        """Whether a configured provider has daily closes of the instrument's asset class at all."""
        return self._feed.serves(instrument.asset_class)

    async def backfill(self, instrument: Instrument, span: DateSpan) -> History:
        """The closes of `span` fetched and stored now (waiting for the providers' rate limits, as
        the daily refresh does), so that a chart asking for them makes no provider call."""
        return (await self.closes([instrument], span, patient=True))[instrument.symbol]

    async def fx_rates(
        self, currencies: Sequence[str], span: DateSpan, *, patient: bool = False
    ) -> dict[str, History]:
        """Daily rates per US dollar of every currency over `span`, by currency (USD itself is 1)."""
        by_key = {SeriesKey.fx(PIVOT, code): code for code in dict.fromkeys(currencies) if code != PIVOT}

        def fetch(keys: Sequence[SeriesKey], gap: DateSpan) -> Awaitable[SeriesAnswer]:
            return self._fx_feed.daily_rates([by_key[key] for key in keys], gap, patient=patient)

        found = await self._series(list(by_key), span, fetch, lambda _key: False)
        return {code: found[key] for key, code in by_key.items()}

    async def refresh(self) -> RefreshReport:
        """The days after each stored series' last covered day, up to yesterday, for every series."""
        listed = await self._repository.listed_series()
        yesterday = self.today() - ONE_DAY
        behind: dict[DateSpan, list[SeriesKey]] = defaultdict(list)
        for key, last in listed.items():
            if last < yesterday:
                behind[DateSpan(last + ONE_DAY, yesterday)].append(key)
        results = await asyncio.gather(*(self._refresh_span(span, keys) for span, keys in behind.items()))
        report = RefreshReport(
            series=len(listed),
            behind=sum(len(keys) for keys in behind.values()),
            incomplete=sum(results),
        )
        log.info("history refresh: %s", report)
        return report

    async def _refresh_span(self, span: DateSpan, keys: Sequence[SeriesKey]) -> int:
        instruments = [self._instrument(key.code) for key in keys if not key.is_fx]
        currencies = [key.pair[1] for key in keys if key.is_fx and key.pair[0] == PIVOT]
        closes = await self.closes(instruments, span, patient=True) if instruments else {}
        rates = await self.fx_rates(currencies, span, patient=True) if currencies else {}
        return sum(not history.complete for history in [*closes.values(), *rates.values()])

    def _instrument(self, symbol: str) -> Instrument:
        entry = self._catalog.get(symbol)
        return entry.instrument if entry is not None else Instrument.unknown(symbol)

    async def _series(
        self,
        keys: Sequence[SeriesKey],
        span: DateSpan,
        fetch: Fetch,
        every_day: Callable[[SeriesKey], bool],
    ) -> dict[SeriesKey, History]:
        final = final_days(span, self.today())
        if final is None or not keys:
            return {key: History((), None, True) for key in keys}
        stored = await self._repository.stored_series(keys, final.years())
        if _missing(stored, final, every_day):
            waited = self._backfilling.locked()
            async with self._backfilling:
                if waited:  # another ask may have fetched these days meanwhile
                    stored = await self._repository.stored_series(keys, final.years())
                stored = await self._backfill(stored, final, fetch, every_day)
        left = _missing(stored, final, every_day)
        return {key: history_of(stored[key], final, complete=key not in left) for key in keys}

    async def _backfill(
        self,
        stored: Mapping[SeriesKey, StoredSeries],
        final: DateSpan,
        fetch: Fetch,
        every_day: Callable[[SeriesKey], bool],
    ) -> dict[SeriesKey, StoredSeries]:
        updated = dict(stored)
        changed: set[SeriesKey] = set()
        wanted: dict[DateSpan, list[SeriesKey]] = defaultdict(list)
        for key, series in stored.items():
            for gap in series.gaps(final):
                if gap.has_trading_day(every_day(key)):
                    wanted[gap].append(key)
                else:  # a weekend: nothing to ask, nothing missing
                    updated[key] = updated[key].with_fetched(gap, (), None)
                    changed.add(key)
        spans = list(wanted)
        answers = await asyncio.gather(*(fetch(wanted[gap], gap) for gap in spans))
        for gap, answer in zip(spans, answers, strict=True):
            for key in wanted[gap]:
                if key in answer.answered:
                    updated[key] = updated[key].with_fetched(
                        gap, answer.closes.get(key, ()), answer.currencies.get(key)
                    )
                    changed.add(key)
        if changed:
            await self._repository.save_series([updated[key] for key in sorted(changed)], final.years())
        return updated


def _missing(
    stored: Mapping[SeriesKey, StoredSeries], final: DateSpan, every_day: Callable[[SeriesKey], bool]
) -> set[SeriesKey]:
    """The series with days of `final` that are uncovered and could have a close."""
    return {
        key
        for key, series in stored.items()
        if any(gap.has_trading_day(every_day(key)) for gap in series.gaps(final))
    }
