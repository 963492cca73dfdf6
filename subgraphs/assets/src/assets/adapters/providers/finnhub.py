"""Finnhub (https://finnhub.io/docs/api): `/quote` per symbol, `/search`, `/stock/profile2`.

The key goes in the `X-Finnhub-Token` header (Finnhub's documented alternative to `?token=`), so it
never appears in a logged URL. Finnhub answers an unknown symbol with HTTP 200 and zeros
(`{"c": 0, "d": null, "dp": null, "h": 0, "l": 0, "o": 0, "pc": 0, "t": 0}`): that is no price.
Errors come as `{"error": "..."}` (401 invalid key, 403 no access, 429 limit), sometimes with 200.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kit.core.money import Amount

from assets.adapters.providers.base import (
    Capabilities,
    HttpAdapter,
    ProviderError,
    from_timestamp,
    to_decimal,
)
from assets.domain.instruments import AssetClass, Instrument
from assets.domain.quotes import FeedResult, Quote, is_price

DEFAULT_BASE_URL = "https://finnhub.io/api/v1"

_TYPES = {"Common Stock": AssetClass.STOCK, "ETP": AssetClass.ETF, "ETF": AssetClass.ETF}


class FinnhubProvider(HttpAdapter):
    name = "finnhub"
    # Free plan: 60 calls a minute; /quote takes one symbol.
    capabilities = Capabilities(
        asset_classes=frozenset({AssetClass.STOCK, AssetClass.ETF}),
        max_symbols_per_request=1,
        rate_limit=60,
        search=True,
        profile=True,
    )

    def _headers(self) -> dict[str, str]:
        return {"X-Finnhub-Token": self._api_key} if self._api_key else {}

    def _body(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise ProviderError(f"finnhub: expected an object, got {type(data).__name__}")
        if data.get("error"):
            raise ProviderError(f"finnhub: {str(data['error'])[:200]}")
        return data

    async def fetch_quotes(self, instruments: Sequence[Instrument]) -> FeedResult:
        found: dict[str, Quote] = {}
        for instrument in instruments:
            response = await self._get("/quote", {"symbol": instrument.symbol}, self._headers())
            quote = self._quote(instrument, self._body(self._json(response)))
            if quote is not None:
                found[instrument.symbol] = quote
        return FeedResult(found)

    def _quote(self, instrument: Instrument, data: dict[str, Any]) -> Quote | None:
        if "c" not in data:
            raise ProviderError("finnhub: quote without a current price field")
        price = to_decimal(data.get("c"))
        if price is None or not is_price(price):
            return None  # unknown symbol: Finnhub says so with zeros
        currency = instrument.currency or "USD"
        previous = to_decimal(data.get("pc"))
        return Quote(
            symbol=instrument.symbol,
            price=Amount(price, currency),
            previous_close=Amount(previous, currency)
            if previous is not None and is_price(previous)
            else None,
            as_of=from_timestamp(data.get("t")) or self._clock(),
            source=self.name,
        )

    async def search(self, query: str) -> list[Instrument]:
        response = await self._get("/search", {"q": query}, self._headers())
        data = self._body(self._json(response))
        results = data.get("result")
        if not isinstance(results, list):
            raise ProviderError("finnhub: search without a result list")
        found = []
        for row in results:
            if not isinstance(row, dict) or not row.get("symbol"):
                continue
            found.append(
                Instrument(
                    symbol=str(row["symbol"]),
                    name=str(row.get("description") or row["symbol"]),
                    asset_class=_TYPES.get(str(row.get("type")), AssetClass.OTHER),
                    currency=None,
                    exchange=None,
                )
            )
        return found

    async def profile(self, symbol: str) -> Instrument | None:
        response = await self._get("/stock/profile2", {"symbol": symbol}, self._headers())
        data = self._body(self._json(response))
        if not data.get("ticker"):
            return None  # Finnhub answers an unknown symbol with {}
        return Instrument(
            symbol=str(data["ticker"]),
            name=str(data.get("name") or data["ticker"]),
            asset_class=AssetClass.STOCK,
            currency=str(data["currency"]) if data.get("currency") else None,
            exchange=str(data["exchange"]) if data.get("exchange") else None,
        )
