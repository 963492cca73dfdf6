"""Stooq's daily history (no key): `/q/d/l/?s=aapl.us&i=d&d1=YYYYMMDD&d2=YYYYMMDD`, one symbol a call.

The CSV is `Date,Open,High,Low,Close,Volume`, oldest first, split-adjusted. A symbol Stooq does not
know (or a span without data) answers the text "No data": unanswered, so another source (or a later
ask) may have it. Its daily limit answers HTTP 200 with a line of text: an error.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from typing import ClassVar

from assets.adapters.providers.base import ProviderError, to_decimal
from assets.adapters.providers.history import answer_of
from assets.adapters.providers.stooq import StooqProvider, stooq_code
from assets.domain.history import DailyClose, DateSpan, SeriesKey
from assets.domain.instruments import AssetClass, Instrument
from assets.domain.ports import SeriesAnswer
from assets.domain.quotes import is_price

HEADER = ["Date", "Open", "High", "Low", "Close", "Volume"]


class StooqHistory(StooqProvider):
    """The history endpoint, on the quote adapter's plumbing (and, in the chain, under its guard)."""

    asset_classes: ClassVar[frozenset[AssetClass]] = StooqProvider.capabilities.asset_classes
    symbols_per_request: ClassVar[int] = 1
    cost_per_symbol: ClassVar[bool] = False

    async def fetch_history(self, instruments: Sequence[Instrument], span: DateSpan) -> SeriesAnswer:
        if not instruments:
            return SeriesAnswer()
        if len(instruments) > 1:
            raise ProviderError("stooq: one symbol per history request")
        (instrument,) = instruments
        params = {
            "s": stooq_code(instrument.symbol),
            "i": "d",
            "d1": f"{span.first:%Y%m%d}",
            "d2": f"{span.last:%Y%m%d}",
        }
        text = (await self._get("/q/d/l/", params)).text
        if text.strip().lower() == "no data":
            return SeriesAnswer()
        rows = list(csv.reader(io.StringIO(text)))
        if not rows or [cell.strip() for cell in rows[0]][: len(HEADER)] != HEADER:
            raise ProviderError(f"stooq: not the expected CSV: {text[:120]!r}")
        closes: dict[date, DailyClose] = {}
        for row in rows[1:]:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) < len(HEADER):
                raise ProviderError(f"stooq: malformed row {row[:8]!r}")
            try:
                day = date.fromisoformat(row[0].strip())
            except ValueError as error:
                raise ProviderError("stooq: a row without a valid date") from error
            close = to_decimal(row[4])
            if close is not None and is_price(close):
                closes[day] = DailyClose(day, close, self.name)
        key = SeriesKey.instrument(instrument.symbol)
        return answer_of(
            {key: sorted(closes.values(), key=lambda close: close.day)}, {key: instrument.currency or "USD"}
        )
