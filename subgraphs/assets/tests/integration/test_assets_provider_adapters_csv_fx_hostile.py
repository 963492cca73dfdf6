"""Stooq, Frankfurter and hostile or broken providers, against recorded, real-shaped responses
(tests/fixtures); respx stands in for the APIs: no request leaves the process."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
import respx
from assets.adapters.fx_feeds import FrankfurterFeed
from assets.adapters.providers.base import ProviderError, retry_after_seconds
from assets.adapters.providers.finnhub import FinnhubProvider
from assets.adapters.providers.stooq import StooqProvider, stooq_code
from assets.domain.instruments import AssetClass, Instrument

from .providers_support import fixture, listed

NOW = datetime(2025, 11, 22, 10, 0, tzinfo=UTC)
D = Decimal


# -- Stooq --------------------------------------------------------------------------------------------


@respx.mock
async def test_stooq_csv_several_symbols_in_one_request(http: httpx.AsyncClient) -> None:
    route = respx.get("https://stooq.test/q/l/").respond(200, content=fixture("stooq_quotes.csv"))
    provider = StooqProvider(http, base_url="https://stooq.test", api_key=None, clock=lambda: NOW)
    zzzz = Instrument("ZZZZ", "ZZZZ", AssetClass.STOCK, "USD", "NYSE")
    result = await provider.fetch_quotes([listed("AAPL"), listed("BRK.B"), zzzz])
    assert route.call_count == 1
    assert "s=aapl.us+brk-b.us+zzzz.us" in str(route.calls.last.request.url)
    assert set(result.quotes) == {"AAPL", "BRK.B"}  # N/D = unknown
    aapl = result.quotes["AAPL"]
    assert aapl.price.value == D("271.49") and aapl.previous_close is None
    assert aapl.as_of == datetime(2025, 11, 21, 21, 0, 12, tzinfo=UTC)  # 22:00:12 in Warsaw (CET)
    assert stooq_code("BRK.B") == "brk-b.us"


@respx.mock
@pytest.mark.parametrize("body", [fixture("stooq_limit.txt"), b"Symbol,Date\nAAPL.US,2025"])
async def test_stooq_refusals_and_garbage_are_errors(http: httpx.AsyncClient, body: bytes) -> None:
    respx.get("https://stooq.test/q/l/").respond(200, content=body)
    provider = StooqProvider(http, base_url="https://stooq.test", api_key=None, clock=lambda: NOW)
    with pytest.raises(ProviderError):
        await provider.fetch_quotes([listed("AAPL")])


# -- Frankfurter --------------------------------------------------------------------------------------


@respx.mock
async def test_frankfurter_latest_rates_per_usd(http: httpx.AsyncClient) -> None:
    route = respx.get("https://fx.test/v1/latest", params={"base": "USD"}).respond(
        200, content=fixture("frankfurter_latest_usd.json")
    )
    feed = FrankfurterFeed(http, base_url="https://fx.test/v1", api_key=None, clock=lambda: NOW)
    snapshot = await feed.fetch()
    assert route.call_count == 1
    assert snapshot.per_usd["EUR"] == D("0.86829") and snapshot.per_usd["USD"] == 1
    assert snapshot.source == "frankfurter" and snapshot.as_of == datetime(2025, 11, 21, tzinfo=UTC)
    eur_usd = snapshot.leg("EUR", "USD")
    assert eur_usd is not None and eur_usd.rate == 1 / D("0.86829")


@respx.mock
@pytest.mark.parametrize(
    ("status", "body"),
    [
        (404, fixture("frankfurter_error_404.json")),
        (200, fixture("frankfurter_error_404.json")),
        (200, b'{"base": "EUR", "date": "2025-11-21", "rates": {"USD": 1.15}}'),
        (200, b'{"base": "USD", "date": "yesterday", "rates": {"EUR": 0.87}}'),
        (200, b"<html>"),
    ],
)
async def test_frankfurter_errors(http: httpx.AsyncClient, status: int, body: bytes) -> None:
    respx.get("https://fx.test/latest").respond(status, content=body)
    feed = FrankfurterFeed(http, base_url="https://fx.test", api_key=None, clock=lambda: NOW)
    with pytest.raises(ProviderError):
        await feed.fetch()


def test_retry_after_parsing() -> None:
    assert retry_after_seconds("120", NOW) == 120.0
    assert retry_after_seconds("Sat, 22 Nov 2025 10:00:30 GMT", NOW) == 30.0
    assert retry_after_seconds("Sat, 22 Nov 2025 09:00:00 GMT", NOW) == 0.0  # already past
    assert retry_after_seconds(None, NOW) is None and retry_after_seconds("soon", NOW) is None


# -- Hostile or broken providers ----------------------------------------------------------------------
# A provider's numbers go through kit.core.money's bounded parser (feed bounds): one it cannot take reads
# as absent, so that symbol is left out (unknown), never an internal error or a minute of arithmetic.

HOSTILE_NUMBERS = [
    b"1E-999999999",
    b"1e+1000100",
    b"1" * 100_000 + b".5",  # 100 000 digits
    b"0.00000000000000000000000000000001",  # 32 places
    b'"NaN"',
    b'"Infinity"',
    b'"\xd9\xa1\xd9\xa2"',  # Arabic-Indic digits as a string
    b'"-0"',
]


@respx.mock
@pytest.mark.parametrize("number", HOSTILE_NUMBERS, ids=lambda n: n[:20].decode(errors="replace"))
async def test_a_hostile_price_from_a_provider_leaves_the_symbol_out_fast(
    http: httpx.AsyncClient, number: bytes
) -> None:
    body = b'{"c": ' + number + b', "pc": 269.43, "t": 1763758800}'
    respx.get("https://fh.test/quote").respond(200, content=body)
    provider = FinnhubProvider(http, base_url="https://fh.test", api_key=None, clock=lambda: NOW)
    started = time.perf_counter()
    result = await provider.fetch_quotes([listed("AAPL")])
    assert time.perf_counter() - started < 0.5
    assert result.quotes == {}


@respx.mock
@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"c": ' + b"1" * 5000 + b"}", id="5000-digit-integer"),  # json cannot hold it
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="deeply-nested"),  # json recursion
    ],
)
async def test_a_body_python_cannot_read_is_a_provider_error(http: httpx.AsyncClient, body: bytes) -> None:
    respx.get("https://fh.test/quote").respond(200, content=body)
    provider = FinnhubProvider(http, base_url="https://fh.test", api_key=None, clock=lambda: NOW)
    with pytest.raises(ProviderError):
        await provider.fetch_quotes([listed("AAPL")])


@respx.mock
async def test_hostile_fx_rates_from_a_feed_are_left_out(http: httpx.AsyncClient) -> None:
    body = (
        b'{"base": "USD", "date": "2025-11-21", '
        b'"rates": {"EUR": 0.86829, "GBP": 1E-999999999, "JPY": "\xd9\xa1", "CHF": 1e+99999}}'
    )
    respx.get("https://fx.test/latest").respond(200, content=body)
    feed = FrankfurterFeed(http, base_url="https://fx.test", api_key=None, clock=lambda: NOW)
    snapshot = await feed.fetch()
    assert snapshot.per_usd["EUR"] == D("0.86829")
    assert {"GBP", "JPY", "CHF"}.isdisjoint(snapshot.per_usd)


@respx.mock
async def test_a_hostile_csv_price_leaves_the_symbol_out(http: httpx.AsyncClient) -> None:
    body = (
        b"Symbol,Date,Time,Open,High,Low,Close,Volume\n"
        b"AAPL.US,2025-11-21,22:00:12,265.95,273.33,265.67,1E-999999999,58784100\n"
        b"BRK-B.US,2025-11-21,22:00:07,500.1,508.2,499.75,507.1,4123400\n"
    )
    respx.get("https://stooq.test/q/l/").respond(200, content=body)
    provider = StooqProvider(http, base_url="https://stooq.test", api_key=None, clock=lambda: NOW)
    result = await provider.fetch_quotes([listed("AAPL"), listed("BRK.B")])
    assert set(result.quotes) == {"BRK.B"}
    assert result.quotes["BRK.B"].price.value == D("507.1")


@pytest.mark.parametrize("header", ["\u00b2", "\u0661\u0662", "9" * 5000, " 1 2"])
def test_a_retry_after_int_cannot_read_is_no_retry_after(header: str) -> None:
    assert retry_after_seconds(header, NOW) is None
