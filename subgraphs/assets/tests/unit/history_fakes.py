"""In-memory fakes of the history ports (`ClosesRepository`, `HistoryFeed`, `FxHistoryFeed`), counting
their calls, for the history use cases' unit tests (no I/O)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from assets.adapters.catalog import load_catalog
from assets.domain.fx import PIVOT
from assets.domain.history import DailyClose, DateSpan, SeriesKey, StoredSeries
from assets.domain.instruments import AssetClass, Instrument
from assets.domain.ports import SeriesAnswer
from assets.domain.simulation import simulated_closes

from .fakes import Calls


class FakeClosesRepository:
    """Whole series in a dict; a read returns the years asked (as the table's year items do)."""

    def __init__(self) -> None:
        self.calls = Calls()
        self.series: dict[SeriesKey, StoredSeries] = {}

    async def stored_series(self, keys: Sequence[SeriesKey], years: range) -> dict[SeriesKey, StoredSeries]:
        await self.calls.record("stored_series", list(keys), years)
        found: dict[SeriesKey, StoredSeries] = {}
        for key in keys:
            whole = self.series.get(key, StoredSeries(key))
            first, last = date(years.start, 1, 1), date(years.stop - 1, 12, 31)
            found[key] = replace(
                whole,
                closes={day: close for day, close in whole.closes.items() if first <= day <= last},
                covered=tuple(part for span in whole.covered if (part := span.clipped(first, last))),
            )
        return found

    async def save_series(self, series: Sequence[StoredSeries], years: range) -> None:
        await self.calls.record("save_series", [one.key for one in series], years)
        first, last = date(years.start, 1, 1), date(years.stop - 1, 12, 31)
        for one in series:
            old = self.series.get(one.key, StoredSeries(one.key))
            kept = {day: close for day, close in old.closes.items() if not first <= day <= last}
            outside = [span for span in old.covered if span.last < first or span.first > last]
            self.series[one.key] = replace(
                one,
                closes={**kept, **one.closes},
                covered=tuple(sorted([*outside, *one.covered])),
            )

    async def listed_series(self) -> dict[SeriesKey, date]:
        await self.calls.record("listed_series")
        return {key: one.last_covered for key, one in self.series.items() if one.last_covered is not None}


class FakeAppliedEvents:
    """The event ids marked applied, in order."""

    def __init__(self) -> None:
        self.marked: list[str] = []

    async def was_applied(self, event_id: str) -> bool:
        await asyncio.sleep(0)
        return event_id in self.marked

    async def mark_applied(self, event_id: str) -> None:
        await asyncio.sleep(0)
        if event_id not in self.marked:
            self.marked.append(event_id)


class CountingHistoryFeed:
    """Answers the simulated walk's closes for catalog instruments not in `unsupported`; records every
    call as (symbols, span, patient)."""

    def __init__(self, unsupported: Sequence[str] = (), *, serves_classes: bool = True) -> None:
        self.catalog = load_catalog()
        self.unsupported = set(unsupported)
        self.serves_classes = serves_classes  # False: as a chain of quote-only providers
        self.calls: list[tuple[list[str], DateSpan, bool]] = []

    def serves(self, asset_class: AssetClass) -> bool:
        return self.serves_classes

    async def daily_closes(
        self, instruments: Sequence[Instrument], span: DateSpan, *, patient: bool
    ) -> SeriesAnswer:
        self.calls.append(([i.symbol for i in instruments], span, patient))
        await asyncio.sleep(0)
        closes: dict[SeriesKey, list[DailyClose]] = {}
        for instrument in instruments:
            entry = self.catalog.get(instrument.symbol)
            if entry is not None and instrument.symbol not in self.unsupported:
                closes[SeriesKey.instrument(instrument.symbol)] = simulated_closes(entry, span)
        return SeriesAnswer(closes, frozenset(closes), {key: "USD" for key in closes})


class FixedFxHistory:
    """Rates per USD that are a function of the day, for every currency but the `unpublished` ones
    (left unanswered, as a failed or ignorant provider leaves them); records calls as (currencies, span)."""

    def __init__(self, rate: Callable[[str, date], str], unpublished: Sequence[str] = ()) -> None:
        self.rate = rate
        self.unpublished = set(unpublished)
        self.calls: list[tuple[list[str], DateSpan]] = []

    async def daily_rates(self, currencies: Sequence[str], span: DateSpan, *, patient: bool) -> SeriesAnswer:
        self.calls.append((list(currencies), span))
        closes = {
            SeriesKey.fx(PIVOT, code): [
                DailyClose(day, Decimal(self.rate(code, day)), "fake") for day in _weekdays(span)
            ]
            for code in currencies
            if code not in self.unpublished
        }
        return SeriesAnswer(closes, frozenset(closes))


def _weekdays(span: DateSpan) -> list[date]:
    every = (span.first + timedelta(days=offset) for offset in range(span.days))
    return [day for day in every if day.weekday() < 5]
