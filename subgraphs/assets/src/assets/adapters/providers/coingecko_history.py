"""CoinGecko's history: `/coins/{id}/market_chart/range?vs_currency=usd&from=<unix>&to=<unix>`, one coin
a call. The answer is `{"prices": [[ms, price], ...], "market_caps": ..., "total_volumes": ...}`:
one point a day (at 00:00 UTC) for ranges over 90 days, hourly below. Crypto trades around the
clock: the close of a UTC day is its last point, up to and including the next midnight (the daily
point stamped 00:00 UTC is the price the day ended at). The public API serves the last 365 days:
older ranges answer an error, so those days stay unanswered (incomplete), never guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import ClassVar

from assets.adapters.providers.base import ProviderError, to_decimal
from assets.adapters.providers.coingecko import COIN_IDS, CoinGeckoProvider
from assets.adapters.providers.history import answer_of
from assets.domain.history import ONE_DAY, DailyClose, DateSpan, SeriesKey
from assets.domain.instruments import AssetClass, Instrument
from assets.domain.ports import SeriesAnswer
from assets.domain.quotes import is_price


def _midnight(day: date) -> int:
    return int(datetime.combine(day, time(0), tzinfo=UTC).timestamp())


class CoinGeckoHistory(CoinGeckoProvider):
    """The history endpoint, on the quote adapter's plumbing (and, in the chain, under its guard)."""

    asset_classes: ClassVar[frozenset[AssetClass]] = CoinGeckoProvider.capabilities.asset_classes
    symbols_per_request: ClassVar[int] = 1
    cost_per_symbol: ClassVar[bool] = False

    async def fetch_history(self, instruments: Sequence[Instrument], span: DateSpan) -> SeriesAnswer:
        wanted = [instrument for instrument in instruments if instrument.symbol in COIN_IDS]
        if not wanted:
            return SeriesAnswer()
        if len(wanted) > 1:
            raise ProviderError("coingecko: one coin per history request")
        (instrument,) = wanted
        currency = instrument.currency or "USD"
        params = {
            "vs_currency": currency.lower(),
            "from": str(_midnight(span.first)),
            "to": str(_midnight(span.last + ONE_DAY)),
        }
        path = f"/coins/{COIN_IDS[instrument.symbol]}/market_chart/range"
        data = self._body(self._json(await self._get(path, params, self._headers())))
        prices = data.get("prices")
        if not isinstance(prices, list):
            raise ProviderError("coingecko: market_chart without a prices list")
        closes: dict[date, tuple[int, DailyClose]] = {}
        for point in prices:
            if not isinstance(point, list) or len(point) != 2 or not isinstance(point[0], int):
                raise ProviderError("coingecko: a price point is not [ms, price]")
            stamp = datetime.fromtimestamp(point[0] / 1000, tz=UTC)
            # A point at 00:00:00 closes the day before; any other belongs to its own day.
            day = stamp.date() - ONE_DAY if stamp.timetz() == time(0, tzinfo=UTC) else stamp.date()
            price = to_decimal(point[1])
            if not (span.first <= day <= span.last) or price is None or not is_price(price):
                continue
            if day not in closes or closes[day][0] <= point[0]:
                closes[day] = (point[0], DailyClose(day, price, self.name))
        key = SeriesKey.instrument(instrument.symbol)
        ordered = [closes[day][1] for day in sorted(closes)]
        return answer_of({key: ordered}, {key: currency})
