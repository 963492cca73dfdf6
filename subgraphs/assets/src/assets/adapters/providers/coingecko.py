"""CoinGecko (https://docs.coingecko.com): `/simple/price` for many coins at once, by coin id.

Catalog crypto symbols map to CoinGecko coin ids (BTC -> bitcoin). The answer is
`{"bitcoin": {"usd": 67187.3358, "usd_24h_change": 3.63, "last_updated_at": 1711356300}}`; an
unknown id is simply absent. Crypto trades around the clock, so the "previous close" is the price 24
hours ago, derived from the 24h change. Errors: `{"status": {"error_code": 429, "error_message":
"..."}}` and `{"error": "..."}`. A demo key goes in `x-cg-demo-api-key`, a pro key (pro-api host) in
`x-cg-pro-api-key`.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from kit.core.money import EXACT, RATIO, Amount

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

DEFAULT_BASE_URL = "https://api.coingecko.com/api/v3"

# Every CRYPTO instrument of the bundled catalog (a test keeps the two in step).
COIN_IDS: dict[str, str] = {
    "BTC": "bitcoin",
    "ETH": "ethereum",
    "SOL": "solana",
    "XRP": "ripple",
    "BNB": "binancecoin",
    "DOGE": "dogecoin",
    "ADA": "cardano",
    "TRX": "tron",
    "AVAX": "avalanche-2",
    "LINK": "chainlink",
    "DOT": "polkadot",
    "LTC": "litecoin",
    "BCH": "bitcoin-cash",
    "XLM": "stellar",
    "SHIB": "shiba-inu",
    "UNI": "uniswap",
}


def _previous(price: Decimal, change_percent: Decimal | None) -> Decimal | None:
    if change_percent is None or change_percent <= -100:
        return None
    places = min(price.as_tuple().exponent, -2)
    previous = RATIO.divide(price, RATIO.add(1, RATIO.divide(change_percent, 100)))
    return previous.quantize(Decimal(1).scaleb(int(places)), context=EXACT)


class CoinGeckoProvider(HttpAdapter):
    name = "coingecko"
    # The public API allows roughly 5-15 calls a minute, a demo key 30.
    capabilities = Capabilities(
        asset_classes=frozenset({AssetClass.CRYPTO}),
        max_symbols_per_request=100,
        rate_limit=10,
        search=True,
    )

    def _headers(self) -> dict[str, str]:
        if not self._api_key:
            return {}
        header = "x-cg-pro-api-key" if "pro-api." in self._base_url else "x-cg-demo-api-key"
        return {header: self._api_key}

    def _body(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise ProviderError("coingecko: expected an object")
        status = data.get("status")
        if isinstance(status, dict) and status.get("error_code"):
            message = str(status.get("error_message", ""))[:200]
            if status.get("error_code") == 429:
                raise RateLimited(f"coingecko: {message}", None)
            raise ProviderError(f"coingecko: error {status.get('error_code')}: {message}")
        if "error" in data:
            raise ProviderError(f"coingecko: {str(data['error'])[:200]}")
        return data

    async def fetch_quotes(self, instruments: Sequence[Instrument]) -> FeedResult:
        wanted = {COIN_IDS[i.symbol]: i for i in instruments if i.symbol in COIN_IDS}
        if not wanted:
            return FeedResult({})
        currencies = sorted({(i.currency or "USD").lower() for i in wanted.values()})
        params = {
            "ids": ",".join(wanted),
            "vs_currencies": ",".join(currencies),
            "include_24hr_change": "true",
            "include_last_updated_at": "true",
        }
        data = self._body(self._json(await self._get("/simple/price", params, self._headers())))
        found: dict[str, Quote] = {}
        for coin_id, instrument in wanted.items():
            entry = data.get(coin_id)
            if not isinstance(entry, dict):
                continue
            currency = instrument.currency or "USD"
            key = currency.lower()
            price = to_decimal(entry.get(key))
            if price is None or not is_price(price):
                continue
            previous = _previous(price, to_decimal(entry.get(f"{key}_24h_change")))
            found[instrument.symbol] = Quote(
                symbol=instrument.symbol,
                price=Amount(price, currency),
                previous_close=Amount(previous, currency)
                if previous is not None and is_price(previous)
                else None,
                as_of=from_timestamp(entry.get("last_updated_at")) or self._clock(),
                source=self.name,
            )
        return FeedResult(found)

    async def search(self, query: str) -> list[Instrument]:
        data = self._body(self._json(await self._get("/search", {"query": query}, self._headers())))
        coins = data.get("coins")
        if not isinstance(coins, list):
            raise ProviderError("coingecko: search without a coins list")
        return [
            Instrument(
                symbol=str(coin["symbol"]).upper(),
                name=str(coin.get("name") or coin["symbol"]),
                asset_class=AssetClass.CRYPTO,
                currency=None,
                exchange="CRYPTO",
            )
            for coin in coins
            if isinstance(coin, dict) and coin.get("symbol")
        ]
