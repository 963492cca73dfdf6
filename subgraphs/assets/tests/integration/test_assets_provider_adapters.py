"""Each market-data adapter against recorded, real-shaped responses (tests/fixtures), including the
APIs' error shapes, 429 with Retry-After, timeouts and malformed bodies. respx stands in for the APIs:
no request leaves the process."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
import respx
from assets.adapters.catalog import load_catalog
from assets.adapters.providers.base import ProviderError, RateLimited
from assets.adapters.providers.coingecko import COIN_IDS, CoinGeckoProvider
from assets.adapters.providers.finnhub import FinnhubProvider
from assets.adapters.providers.twelvedata import TwelveDataProvider
from assets.domain.instruments import AssetClass, Instrument

from .providers_support import fixture, listed

NOW = datetime(2025, 11, 22, 10, 0, tzinfo=UTC)
D = Decimal


# -- Finnhub ------------------------------------------------------------------------------------------


@respx.mock
async def test_finnhub_quote_is_exact_and_sends_the_key_in_a_header(http: httpx.AsyncClient) -> None:
    route = respx.get("https://fh.test/api/v1/quote", params={"symbol": "AAPL"}).respond(
        200, content=fixture("finnhub_quote_aapl.json")
    )
    provider = FinnhubProvider(http, base_url="https://fh.test/api/v1/", api_key="k-1", clock=lambda: NOW)
    result = await provider.fetch_quotes([listed("AAPL")])
    quote = result.quotes["AAPL"]
    assert quote.price.value == D("271.49") and quote.price.currency_code == "USD"  # never via float
    assert quote.previous_close is not None and quote.previous_close.value == D("269.43")
    assert quote.change is not None and quote.change.value == D("2.06")
    assert quote.as_of == datetime(2025, 11, 21, 21, 0, tzinfo=UTC)  # t = 1763758800
    assert quote.source == "finnhub" and quote.stale is False
    request = route.calls.last.request
    assert request.headers["X-Finnhub-Token"] == "k-1"
    assert "k-1" not in str(request.url)  # the key never lands in a logged URL


@respx.mock
async def test_finnhub_zeros_mean_unknown_not_a_price(http: httpx.AsyncClient) -> None:
    respx.get("https://fh.test/quote").respond(200, content=fixture("finnhub_quote_unknown.json"))
    provider = FinnhubProvider(http, base_url="https://fh.test", api_key=None, clock=lambda: NOW)
    result = await provider.fetch_quotes([listed("AAPL")])
    assert result.quotes == {} and result.failed == frozenset()


@respx.mock
@pytest.mark.parametrize(
    ("status", "body"),
    [
        (401, "finnhub_error_401.json"),
        (403, "finnhub_error_403.json"),
        (200, "finnhub_error_401.json"),  # an error delivered with HTTP 200 is still an error
        (502, "finnhub_error_401.json"),
    ],
)
async def test_finnhub_error_shapes_raise(http: httpx.AsyncClient, status: int, body: str) -> None:
    respx.get("https://fh.test/quote").respond(status, content=fixture(body))
    provider = FinnhubProvider(http, base_url="https://fh.test", api_key="bad", clock=lambda: NOW)
    with pytest.raises(ProviderError):
        await provider.fetch_quotes([listed("AAPL")])


@respx.mock
async def test_finnhub_429_carries_retry_after(http: httpx.AsyncClient) -> None:
    respx.get("https://fh.test/quote").respond(
        429, content=fixture("finnhub_error_429.json"), headers={"Retry-After": "17"}
    )
    provider = FinnhubProvider(http, base_url="https://fh.test", api_key="k", clock=lambda: NOW)
    with pytest.raises(RateLimited) as raised:
        await provider.fetch_quotes([listed("AAPL")])
    assert raised.value.retry_after == 17.0


@respx.mock
@pytest.mark.parametrize("body", [b"<html>502 Bad Gateway</html>", b'["c", 1]', b'{"d": 1}'])
async def test_finnhub_malformed_bodies_raise(http: httpx.AsyncClient, body: bytes) -> None:
    respx.get("https://fh.test/quote").respond(200, content=body)
    provider = FinnhubProvider(http, base_url="https://fh.test", api_key="k", clock=lambda: NOW)
    with pytest.raises(ProviderError):
        await provider.fetch_quotes([listed("AAPL")])


@respx.mock
async def test_finnhub_timeout_is_an_httpx_timeout(http: httpx.AsyncClient) -> None:
    respx.get("https://fh.test/quote").mock(side_effect=httpx.ReadTimeout("timed out"))
    provider = FinnhubProvider(http, base_url="https://fh.test", api_key="k", clock=lambda: NOW)
    with pytest.raises(httpx.TimeoutException):
        await provider.fetch_quotes([listed("AAPL")])


@respx.mock
async def test_finnhub_search_and_profile(http: httpx.AsyncClient) -> None:
    respx.get("https://fh.test/search", params={"q": "apple"}).respond(
        200, content=fixture("finnhub_search.json")
    )
    respx.get("https://fh.test/stock/profile2", params={"symbol": "AAPL"}).respond(
        200, content=fixture("finnhub_profile2.json")
    )
    respx.get("https://fh.test/stock/profile2", params={"symbol": "NOPE"}).respond(200, json={})
    provider = FinnhubProvider(http, base_url="https://fh.test", api_key="k", clock=lambda: NOW)
    found = await provider.search("apple")
    assert [(i.symbol, i.asset_class) for i in found] == [
        ("AAPL", AssetClass.STOCK),
        ("APLE", AssetClass.STOCK),
        ("AAPU", AssetClass.ETF),
    ]
    profile = await provider.profile("AAPL")
    assert profile is not None and (profile.name, profile.currency) == ("Apple Inc", "USD")
    assert await provider.profile("NOPE") is None


# -- Twelve Data --------------------------------------------------------------------------------------


@respx.mock
async def test_twelvedata_batch_quote_in_one_request(http: httpx.AsyncClient) -> None:
    route = respx.get("https://td.test/quote").respond(200, content=fixture("twelvedata_quote_batch.json"))
    provider = TwelveDataProvider(http, base_url="https://td.test", api_key="td-key", clock=lambda: NOW)
    zzzz = Instrument("ZZZZ", "ZZZZ", AssetClass.STOCK, "USD", "NYSE")
    result = await provider.fetch_quotes([listed("AAPL"), listed("MSFT"), zzzz, listed("SPY")])
    assert route.call_count == 1
    request = route.calls.last.request
    assert request.url.params["symbol"] == "AAPL,MSFT,ZZZZ,SPY"
    assert request.headers["Authorization"] == "apikey td-key"
    assert set(result.quotes) == {"AAPL", "MSFT"}
    msft = result.quotes["MSFT"]
    assert msft.price.value == D("472.12000") and msft.previous_close is not None
    assert msft.previous_close.value == D("478.43002")
    assert msft.as_of == datetime(2025, 11, 21, 21, 0, tzinfo=UTC)  # last_quote_at
    # ZZZZ: 404 inside the batch = unknown; SPY: 500 inside the batch = failed (goes to the next provider)
    assert result.failed == frozenset({"SPY"})


@respx.mock
async def test_twelvedata_single_symbol_shape(http: httpx.AsyncClient) -> None:
    respx.get("https://td.test/quote").respond(200, content=fixture("twelvedata_quote_single.json"))
    provider = TwelveDataProvider(http, base_url="https://td.test", api_key="k", clock=lambda: NOW)
    result = await provider.fetch_quotes([listed("VOO")])
    voo = result.quotes["VOO"]
    assert voo.price.value == D("607.53003") and voo.as_of == datetime(2025, 11, 21, 5, 10, tzinfo=UTC)


@respx.mock
async def test_twelvedata_errors_come_with_http_200(http: httpx.AsyncClient) -> None:
    provider = TwelveDataProvider(http, base_url="https://td.test", api_key="k", clock=lambda: NOW)
    respx.get("https://td.test/quote").respond(200, content=fixture("twelvedata_error_401.json"))
    with pytest.raises(ProviderError, match="401"):
        await provider.fetch_quotes([listed("AAPL"), listed("MSFT")])
    respx.get("https://td.test/quote").respond(200, content=fixture("twelvedata_error_429.json"))
    with pytest.raises(RateLimited) as raised:
        await provider.fetch_quotes([listed("AAPL")])
    assert raised.value.retry_after == 60.0  # credits are per minute
    respx.get("https://td.test/quote").respond(200, content=b"not json")
    with pytest.raises(ProviderError, match="malformed"):
        await provider.fetch_quotes([listed("AAPL")])


# -- CoinGecko ----------------------------------------------------------------------------------------


def test_every_catalog_crypto_has_a_coingecko_id() -> None:
    crypto = {entry.symbol for entry in load_catalog() if entry.instrument.asset_class is AssetClass.CRYPTO}
    assert crypto == set(COIN_IDS)


@respx.mock
async def test_coingecko_simple_price_by_coin_id(http: httpx.AsyncClient) -> None:
    route = respx.get("https://cg.test/api/v3/simple/price").respond(
        200, content=fixture("coingecko_simple_price.json")
    )
    provider = CoinGeckoProvider(http, base_url="https://cg.test/api/v3", api_key="demo", clock=lambda: NOW)
    result = await provider.fetch_quotes([listed("BTC"), listed("ETH"), listed("SHIB"), listed("DOT")])
    params = route.calls.last.request.url.params
    assert params["ids"] == "bitcoin,ethereum,shiba-inu,polkadot" and params["vs_currencies"] == "usd"
    assert route.calls.last.request.headers["x-cg-demo-api-key"] == "demo"
    assert set(result.quotes) == {"BTC", "ETH", "SHIB"}  # polkadot absent from the answer: unknown
    btc = result.quotes["BTC"]
    assert btc.price.value == D("86521.12")
    # 24h ago: 86521.12 / 1.024035133 = 84490.38 (check: 84490.38 x 1.024035133 = 86521.12)
    assert btc.previous_close is not None and btc.previous_close.value == D("84490.38")
    shib = result.quotes["SHIB"]
    assert shib.price.value == D("0.00000881") and shib.previous_close is not None
    assert shib.previous_close.value == D("0.00000881")  # 0% change
    assert btc.as_of == datetime.fromtimestamp(1763800123, tz=UTC)


@respx.mock
async def test_coingecko_errors(http: httpx.AsyncClient) -> None:
    provider = CoinGeckoProvider(http, base_url="https://cg.test", api_key=None, clock=lambda: NOW)
    respx.get("https://cg.test/simple/price").respond(
        429,
        content=fixture("coingecko_error_429.json"),
        headers={"Retry-After": "Sat, 22 Nov 2025 10:01:00 GMT"},
    )
    with pytest.raises(RateLimited) as raised:
        await provider.fetch_quotes([listed("BTC")])
    assert raised.value.retry_after == 60.0  # an HTTP date one minute after NOW
    respx.get("https://cg.test/simple/price").respond(200, content=fixture("coingecko_error_429.json"))
    with pytest.raises(RateLimited):
        await provider.fetch_quotes([listed("BTC")])
    respx.get("https://cg.test/simple/price").respond(200, content=fixture("coingecko_error_401.json"))
    with pytest.raises(ProviderError, match="API Key Missing"):
        await provider.fetch_quotes([listed("BTC")])


@respx.mock
async def test_coingecko_search(http: httpx.AsyncClient) -> None:
    respx.get("https://cg.test/search").respond(200, content=fixture("coingecko_search.json"))
    provider = CoinGeckoProvider(http, base_url="https://cg.test", api_key=None, clock=lambda: NOW)
    assert [i.symbol for i in await provider.search("bitcoin")] == ["BTC", "BCH"]
