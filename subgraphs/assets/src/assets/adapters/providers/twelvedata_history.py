"""Twelve Data's history (https://twelvedata.com/docs#time-series): batch `/time_series?symbol=A,B
&interval=1day&start_date=...&end_date=...&outputsize=5000`.

One symbol answers `{"meta": {"symbol", "currency", ...}, "values": [{"datetime": "2024-01-05",
"close": "181.17999", ...}], "status": "ok"}` (newest first); several answer {symbol: that}. Closes
are split-adjusted. Errors as for quotes (`twelvedata.py`); code 400 "No data is available on the
specified dates" answers the symbol with no close, 404 means unknown. Every symbol costs a credit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, ClassVar

from kit.core.money import is_iso_currency

from assets.adapters.providers.base import ProviderError, to_decimal
from assets.adapters.providers.history import answer_of
from assets.adapters.providers.twelvedata import TwelveDataProvider, _is_error
from assets.domain.history import ONE_DAY, DailyClose, DateSpan, SeriesKey
from assets.domain.instruments import AssetClass, Instrument
from assets.domain.ports import SeriesAnswer
from assets.domain.quotes import is_price

# The most rows one call returns: a symbol that fills it may have more, so it is left unanswered
# (incomplete) rather than covered with days missing.
OUTPUTSIZE = 5000


class TwelveDataHistory(TwelveDataProvider):
    """The history endpoint, on the quote adapter's plumbing (and, in the chain, under its guard)."""

    asset_classes: ClassVar[frozenset[AssetClass]] = TwelveDataProvider.capabilities.asset_classes
    symbols_per_request: ClassVar[int] = TwelveDataProvider.capabilities.max_symbols_per_request
    cost_per_symbol: ClassVar[bool] = True

    async def fetch_history(self, instruments: Sequence[Instrument], span: DateSpan) -> SeriesAnswer:
        if not instruments:
            return SeriesAnswer()
        by_symbol = {instrument.symbol: instrument for instrument in instruments}
        headers = {"Authorization": f"apikey {self._api_key}"} if self._api_key else {}
        params = {
            "symbol": ",".join(by_symbol),
            "interval": "1day",
            "start_date": span.first.isoformat(),
            "end_date": (span.last + ONE_DAY).isoformat(),  # the end is exclusive for daily bars
            "outputsize": str(OUTPUTSIZE),
        }
        data = self._json(await self._get("/time_series", params, headers))
        if not isinstance(data, dict):
            raise ProviderError("twelvedata: expected an object")
        if len(by_symbol) == 1 or _is_error(data):
            if _is_error(data) and len(by_symbol) > 1:
                self._raise_for(data)
            entries = {next(iter(by_symbol)): data}
        else:
            entries = data
        closes: dict[SeriesKey, list[DailyClose]] = {}
        currencies: dict[SeriesKey, str] = {}
        for symbol, instrument in by_symbol.items():
            entry = entries.get(symbol)
            if not isinstance(entry, dict):
                continue
            key = SeriesKey.instrument(symbol)
            if _is_error(entry):
                if entry.get("code") == 400 and "no data" in str(entry.get("message", "")).lower():
                    closes[key] = []  # nothing traded in the span: answered
                elif len(by_symbol) == 1 and entry.get("code") != 404:
                    self._raise_for(entry)
                continue
            values = entry.get("values")
            if not isinstance(values, list) or len(values) >= OUTPUTSIZE:
                continue
            closes[key] = self._closes(values)
            meta = entry.get("meta")
            reported = str(meta.get("currency") or "") if isinstance(meta, dict) else ""
            currencies[key] = reported if is_iso_currency(reported) else (instrument.currency or "USD")
        return answer_of(closes, currencies)

    def _closes(self, values: list[Any]) -> list[DailyClose]:
        found: dict[date, DailyClose] = {}
        for row in values:
            if not isinstance(row, dict):
                raise ProviderError("twelvedata: a time_series row is not an object")
            close = to_decimal(row.get("close"))
            try:
                day = date.fromisoformat(str(row.get("datetime"))[:10])
            except ValueError as error:
                raise ProviderError("twelvedata: a time_series row without a valid date") from error
            if close is not None and is_price(close):
                found[day] = DailyClose(day, close, self.name)
        return sorted(found.values(), key=lambda close: close.day)
