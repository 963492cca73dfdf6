"""Stooq (no key): the CSV quote endpoint `/q/l/?s=aapl.us+msft.us&f=sd2t2ohlcv&h&e=csv`, the last resort.

Rows are `Symbol,Date,Time,Open,High,Low,Close,Volume`; an unknown symbol has `N/D` in every field.
Times are Stooq's local time (Europe/Warsaw). There is no previous close in this format. When Stooq
refuses (daily limit), it answers HTTP 200 with a line of text instead of the CSV: an error.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from kit.core.money import Amount

from assets.adapters.providers.base import Capabilities, HttpAdapter, ProviderError, to_decimal
from assets.domain.instruments import AssetClass, Instrument
from assets.domain.quotes import FeedResult, Quote, is_price

DEFAULT_BASE_URL = "https://stooq.com"
HEADER = ["Symbol", "Date", "Time", "Open", "High", "Low", "Close", "Volume"]
STOOQ_TIME = ZoneInfo("Europe/Warsaw")


def stooq_code(symbol: str) -> str:
    """US listings: lower case, '.' in a class suffix becomes '-', then '.us' (BRK.B -> brk-b.us)."""
    return f"{symbol.lower().replace('.', '-')}.us"


class StooqProvider(HttpAdapter):
    name = "stooq"
    capabilities = Capabilities(
        asset_classes=frozenset({AssetClass.STOCK, AssetClass.ETF}),
        max_symbols_per_request=20,
        rate_limit=30,
    )

    async def fetch_quotes(self, instruments: Sequence[Instrument]) -> FeedResult:
        if not instruments:
            return FeedResult({})
        by_code = {stooq_code(i.symbol).upper(): i for i in instruments}
        codes = "+".join(code.lower() for code in by_code)
        response = await self._get(f"/q/l/?s={codes}&f=sd2t2ohlcv&h&e=csv")
        rows = list(csv.reader(io.StringIO(response.text)))
        if not rows or [cell.strip() for cell in rows[0]] != HEADER:
            raise ProviderError(f"stooq: not the expected CSV: {response.text[:120]!r}")
        found: dict[str, Quote] = {}
        for row in rows[1:]:
            if len(row) != len(HEADER):
                if any(cell.strip() for cell in row):
                    raise ProviderError(f"stooq: malformed row {row!r}")
                continue
            instrument = by_code.get(row[0].strip().upper())
            price = to_decimal(row[6])
            if instrument is None or price is None or not is_price(price):
                continue  # N/D: unknown symbol
            found[instrument.symbol] = Quote(
                symbol=instrument.symbol,
                price=Amount(price, instrument.currency or "USD"),
                previous_close=None,
                as_of=self._as_of(row[1], row[2]),
                source=self.name,
            )
        return FeedResult(found)

    def _as_of(self, day: str, at: str) -> datetime:
        try:
            return datetime.fromisoformat(f"{day.strip()}T{at.strip()}").replace(tzinfo=STOOQ_TIME)
        except ValueError:
            return self._clock()
