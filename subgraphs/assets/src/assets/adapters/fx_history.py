"""FX daily rates: the simulated feed's fixed rates, and Frankfurter's time series (ECB reference rates).

Frankfurter: `GET /2024-01-01..2024-01-31?base=USD&symbols=EUR,GBP` answers `{"amount": 1.0, "base":
"USD", "start_date": "2024-01-02", "end_date": "2024-01-31", "rates": {"2024-01-02": {"EUR": 0.91,
"GBP": 0.79}, ...}}`: ECB working days only. A currency the ECB does not publish is absent from every
day (or the whole request answers 404 `{"message": "not found"}`): unanswered, never guessed. It
shares the Guard of the FX snapshot feed (one rate limit for the one API).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from assets.adapters.providers.base import HttpAdapter, ProviderError, to_decimal
from assets.adapters.providers.history import answer_of
from assets.adapters.providers.resilience import Guard
from assets.domain.fx import PIVOT, SIMULATED_FX_SOURCE, SIMULATED_PER_USD, sane_per_usd
from assets.domain.history import ONE_DAY, DailyClose, DateSpan, SeriesKey, is_trading_day
from assets.domain.ports import SeriesAnswer


class SimulatedFxHistory:
    """The simulated feed's fixed rates on every weekday (no network)."""

    async def daily_rates(self, currencies: Sequence[str], span: DateSpan, *, patient: bool) -> SeriesAnswer:
        per_usd = sane_per_usd(SIMULATED_PER_USD)
        every = (span.first + ONE_DAY * offset for offset in range(span.days))
        days = [day for day in every if is_trading_day(day, every_day=False)]
        return answer_of(
            {
                SeriesKey.fx(PIVOT, code): [
                    DailyClose(day, per_usd[code], SIMULATED_FX_SOURCE) for day in days
                ]
                for code in currencies
                if code in per_usd
            }
        )


class FrankfurterHistory(HttpAdapter):
    name = "frankfurter"

    async def fetch(self, currencies: Sequence[str], span: DateSpan) -> SeriesAnswer:
        wanted = sorted(set(currencies) - {PIVOT})
        if not wanted:
            return SeriesAnswer()
        path = f"/{span.first.isoformat()}..{span.last.isoformat()}"
        try:
            response = await self._get(path, {"base": PIVOT, "symbols": ",".join(wanted)})
        except ProviderError as error:
            if "HTTP 404" in str(error):
                return SeriesAnswer()  # a currency the ECB does not publish
            raise
        data: Any = self._json(response)
        rates = data.get("rates") if isinstance(data, dict) else None
        if not isinstance(data, dict) or data.get("base") != PIVOT or not isinstance(rates, dict):
            raise ProviderError(f"frankfurter: not a time series for base USD: {str(data)[:200]}")
        closes: dict[SeriesKey, list[DailyClose]] = {}
        seen: set[str] = set()
        for text, day_rates in sorted(rates.items()):
            try:
                day = date.fromisoformat(str(text))
            except ValueError as error:
                raise ProviderError("frankfurter: a day that is not a date") from error
            if not isinstance(day_rates, dict) or not span.first <= day <= span.last:
                continue
            parsed = {code: to_decimal(value) for code, value in day_rates.items() if code in wanted}
            for code, rate in sane_per_usd({c: r for c, r in parsed.items() if r is not None}).items():
                if code not in wanted:  # the pivot itself, which sane_per_usd adds
                    continue
                seen.add(code)
                closes.setdefault(SeriesKey.fx(PIVOT, code), []).append(DailyClose(day, rate, self.name))
        # A currency with no rate on any day is not published: unanswered. With rates on some days,
        # the others were ECB holidays.
        return answer_of({key: closes[key] for key in closes if key.pair[1] in seen})


class GuardedFxHistory:
    """`domain.ports.FxHistoryFeed` on Frankfurter, under the FX feed's guard."""

    def __init__(self, feed: FrankfurterHistory, guard: Guard, *, deadline_seconds: float = 1.5) -> None:
        self._feed = feed
        self._guard = guard
        self._deadline_seconds = deadline_seconds

    async def daily_rates(self, currencies: Sequence[str], span: DateSpan, *, patient: bool) -> SeriesAnswer:
        budget = None if patient else self._deadline_seconds
        try:
            return await self._guard.run(
                lambda: self._feed.fetch(currencies, span), budget=budget, patient=patient
            )
        except ProviderError:
            return SeriesAnswer()
