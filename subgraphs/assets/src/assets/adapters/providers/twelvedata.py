"""Twelve Data (https://twelvedata.com/docs): batch `/quote?symbol=A,B,...`.

Numbers come as strings. One symbol answers a quote object; several answer {symbol: quote object}.
Errors come as `{"code": 4xx, "message": "...", "status": "error"}` - usually with HTTP 200 - for the
whole request or for one symbol of a batch (404: unknown symbol). Code 429 means the minute's API
credits are used up (every symbol of a batch costs one credit).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kit.core.money import Amount, is_iso_currency

from assets.adapters.providers.base import (
    Capabilities,
    HttpAdapter,
    ProviderError,
    RateLimited,
    from_timestamp,
    to_decimal,
)
from assets.domain.instruments import AssetClass, Instrument
from assets.domain.quotes import FeedResult, Quote, is_price

DEFAULT_BASE_URL = "https://api.twelvedata.com"
CREDITS_MINUTE = 60.0


def _is_error(data: Any) -> bool:
    return isinstance(data, dict) and data.get("status") == "error"


class TwelveDataProvider(HttpAdapter):
    name = "twelvedata"
    # Basic plan: 8 API credits a minute, one per symbol; a batch takes up to 120 symbols.
    capabilities = Capabilities(
        asset_classes=frozenset({AssetClass.STOCK, AssetClass.ETF, AssetClass.FUND}),
        max_symbols_per_request=120,
        rate_limit=8,
        cost_per_symbol=True,
    )

    def _raise_for(self, data: dict[str, Any]) -> None:
        code = data.get("code")
        message = str(data.get("message", ""))[:200]
        if code == 429:
            raise RateLimited(f"twelvedata: {message}", CREDITS_MINUTE)
        raise ProviderError(f"twelvedata: error {code}: {message}")

    async def fetch_quotes(self, instruments: Sequence[Instrument]) -> FeedResult:
        if not instruments:
            return FeedResult({})
        by_symbol = {instrument.symbol: instrument for instrument in instruments}
        headers = {"Authorization": f"apikey {self._api_key}"} if self._api_key else {}
        response = await self._get("/quote", {"symbol": ",".join(by_symbol)}, headers)
        data = self._json(response)
        if not isinstance(data, dict):
            raise ProviderError("twelvedata: expected an object")
        if len(by_symbol) == 1:
            (symbol,) = by_symbol
            if _is_error(data):
                if data.get("code") == 404:
                    return FeedResult({})
                self._raise_for(data)
            entries = {symbol: data}
        else:
            if _is_error(data):
                self._raise_for(data)
            entries = data
        found: dict[str, Quote] = {}
        failed: set[str] = set()
        for symbol, instrument in by_symbol.items():
            entry = entries.get(symbol)
            if entry is None or (_is_error(entry) and entry.get("code") == 404):
                continue  # unknown to Twelve Data
            if not isinstance(entry, dict) or _is_error(entry):
                failed.add(symbol)
                continue
            quote = self._quote(instrument, entry)
            if quote is not None:
                found[symbol] = quote
        return FeedResult(found, frozenset(failed))

    def _quote(self, instrument: Instrument, entry: dict[str, Any]) -> Quote | None:
        price = to_decimal(entry.get("close"))
        if price is None or not is_price(price):
            return None
        reported = str(entry.get("currency") or "")
        currency = reported if is_iso_currency(reported) else (instrument.currency or "USD")
        previous = to_decimal(entry.get("previous_close"))
        as_of = from_timestamp(entry.get("last_quote_at")) or from_timestamp(entry.get("timestamp"))
        return Quote(
            symbol=instrument.symbol,
            price=Amount(price, currency),
            previous_close=Amount(previous, currency)
            if previous is not None and is_price(previous)
            else None,
            as_of=as_of or self._clock(),
            source=self.name,
        )
