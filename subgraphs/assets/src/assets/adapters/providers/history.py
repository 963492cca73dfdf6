"""History endpoints: the simulated walk, the guarded HTTP adapters, and the chain that asks them.

Each HTTP history adapter sits beside its quote provider (`twelvedata_history.py`, ...) and shares
that provider's Guard: one rate limit, one circuit breaker and one Retry-After block per API key,
whether quotes or history are asked. A request (backfill on first use) never waits for the rate
limit: what is over the quota stays unanswered (the history says incomplete) and is asked again
later; the daily refresh waits (`patient`). A provider without a history endpoint (Finnhub's
candles are a paid plan) is simply not in the history chain: its symbols stay unanswered.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import ClassVar, Protocol

from assets.adapters.providers.base import ProviderError
from assets.adapters.providers.resilience import Guard
from assets.domain.history import DailyClose, DateSpan, SeriesKey
from assets.domain.instruments import AssetClass, Catalog, Instrument
from assets.domain.ports import SeriesAnswer
from assets.domain.simulation import simulated_closes

log = logging.getLogger(__name__)


class HistoryProvider(Protocol):
    """One upstream request for at most `symbols_per_request` instruments over one span."""

    name: ClassVar[str]
    asset_classes: ClassVar[frozenset[AssetClass]]
    symbols_per_request: ClassVar[int]
    cost_per_symbol: ClassVar[bool]

    async def fetch_history(self, instruments: Sequence[Instrument], span: DateSpan) -> SeriesAnswer: ...


class HistorySource(Protocol):
    name: str

    def serves(self, asset_class: AssetClass) -> bool: ...

    async def daily_closes(
        self, instruments: Sequence[Instrument], span: DateSpan, *, deadline: float, patient: bool
    ) -> SeriesAnswer: ...


def answer_of(
    closes: dict[SeriesKey, list[DailyClose]], currencies: dict[SeriesKey, str] | None = None
) -> SeriesAnswer:
    """Every series in `closes` answered (an empty list: answered, no close in the span)."""
    return SeriesAnswer(closes=closes, answered=frozenset(closes), currencies=currencies or {})


def merge_answers(answers: Sequence[SeriesAnswer]) -> SeriesAnswer:
    return SeriesAnswer(
        closes={key: closes for answer in answers for key, closes in answer.closes.items()},
        answered=frozenset(key for answer in answers for key in answer.answered),
        currencies={key: code for answer in answers for key, code in answer.currencies.items()},
    )


class SimulatedHistory:
    """The offline default: the simulated walk's closes of every catalog instrument (no network)."""

    name = "simulated"

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    def serves(self, asset_class: AssetClass) -> bool:
        return asset_class not in (AssetClass.UNKNOWN, AssetClass.OTHER)

    async def daily_closes(
        self, instruments: Sequence[Instrument], span: DateSpan, *, deadline: float, patient: bool
    ) -> SeriesAnswer:
        closes: dict[SeriesKey, list[DailyClose]] = {}
        currencies: dict[SeriesKey, str] = {}
        for instrument in instruments:
            entry = self._catalog.get(instrument.symbol)
            if entry is not None:
                key = SeriesKey.instrument(instrument.symbol)
                closes[key] = simulated_closes(entry, span)
                currencies[key] = entry.reference_price.currency_code
        return answer_of(closes, currencies)


class GuardedHistorySource:
    """An HTTP history adapter in batches of its request size, each under the provider's guard.

    Never raises: a failed (or skipped) batch's series are simply not answered."""

    def __init__(self, provider: HistoryProvider, guard: Guard, rate_limit: int) -> None:
        self.provider = provider
        self.guard = guard
        self.name = provider.name
        size = provider.symbols_per_request
        if provider.cost_per_symbol:  # a batch must fit in one window's credits
            size = min(size, rate_limit)
        self._batch_size = max(1, size)

    def serves(self, asset_class: AssetClass) -> bool:
        return asset_class in self.provider.asset_classes

    async def daily_closes(
        self, instruments: Sequence[Instrument], span: DateSpan, *, deadline: float, patient: bool
    ) -> SeriesAnswer:
        size = self._batch_size
        batches = [list(instruments[i : i + size]) for i in range(0, len(instruments), size)]
        answers = await asyncio.gather(*(self._batch(batch, span, deadline, patient) for batch in batches))
        return merge_answers(answers)

    async def _batch(
        self, batch: list[Instrument], span: DateSpan, deadline: float, patient: bool
    ) -> SeriesAnswer:
        tokens = len(batch) if self.provider.cost_per_symbol else 1
        budget = deadline - asyncio.get_running_loop().time()
        try:
            answer = await self.guard.run(
                lambda: self.provider.fetch_history(batch, span),
                tokens=tokens,
                budget=budget,
                patient=patient,
            )
        except ProviderError as error:
            log.warning("history provider %s: %s (%d symbols)", self.name, error, len(batch))
            return SeriesAnswer()
        asked = {SeriesKey.instrument(instrument.symbol) for instrument in batch}
        return SeriesAnswer(
            closes={key: closes for key, closes in answer.closes.items() if key in asked},
            answered=answer.answered & asked,
            currencies={key: code for key, code in answer.currencies.items() if key in asked},
        )


class HistoryChain:
    """`domain.ports.HistoryFeed`: each instrument goes to the first source serving its asset class;
    the ones it did not answer go on to the next. A request's walk has one deadline; the refresh's a
    much longer one (it waits for rate limits)."""

    def __init__(
        self,
        sources: Sequence[HistorySource],
        *,
        deadline_seconds: float = 1.5,
        patient_deadline_seconds: float = 3600.0,
    ) -> None:
        self.sources = list(sources)
        self.deadline_seconds = deadline_seconds
        self.patient_deadline_seconds = patient_deadline_seconds

    def serves(self, asset_class: AssetClass) -> bool:
        return any(source.serves(asset_class) for source in self.sources)

    async def daily_closes(
        self, instruments: Sequence[Instrument], span: DateSpan, *, patient: bool
    ) -> SeriesAnswer:
        seconds = self.patient_deadline_seconds if patient else self.deadline_seconds
        deadline = asyncio.get_running_loop().time() + seconds
        pending = {instrument.symbol: instrument for instrument in instruments}
        answers: list[SeriesAnswer] = []
        for source in self.sources:
            eligible = [i for i in pending.values() if source.serves(i.asset_class)]
            if not eligible:
                continue
            answer = await source.daily_closes(eligible, span, deadline=deadline, patient=patient)
            answers.append(answer)
            for key in answer.answered:
                pending.pop(key.code, None)
            if not pending:
                break
        return merge_answers(answers)
