"""Each history adapter against recorded, documented-shape responses (tests/fixtures, respx): exact
Decimal closes oldest first, the documented request, unknown vs failed, and the provider's errors."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import httpx
import pytest
import respx
from assets.adapters.fx_history import FrankfurterHistory
from assets.adapters.providers.base import ProviderError, RateLimited
from assets.adapters.providers.coingecko_history import CoinGeckoHistory
from assets.adapters.providers.stooq_history import StooqHistory
from assets.adapters.providers.twelvedata_history import TwelveDataHistory
from assets.domain.history import DateSpan, SeriesKey
from assets.domain.instruments import Instrument

from .providers_support import fixture, listed

NOW = datetime(2025, 11, 24, 10, 0, tzinfo=UTC)
D = Decimal
JAN = DateSpan(date(2024, 1, 1), date(2024, 1, 5))


def key(symbol: str) -> SeriesKey:
    return SeriesKey.instrument(symbol)


@respx.mock
async def test_twelvedata_batch_time_series_oldest_first_exact(http: httpx.AsyncClient) -> None:
    route = respx.get("https://td.test/time_series").respond(
        200, content=fixture("twelvedata_time_series_batch.json")
    )
    adapter = TwelveDataHistory(http, base_url="https://td.test", api_key="k-2", clock=lambda: NOW)
    unknown = Instrument.manual("ZZNOPE", "USD")
    answer = await adapter.fetch_history([listed("AAPL"), listed("MSFT"), unknown, listed("SPY")], JAN)
    aapl = answer.closes[key("AAPL")]
    assert [(c.day.isoformat(), c.close) for c in aapl] == [
        ("2024-01-02", D("185.64000")),
        ("2024-01-03", D("184.25000")),
        ("2024-01-04", D("181.91000")),
        ("2024-01-05", D("181.17999")),
    ]
    assert {c.source for c in aapl} == {"twelvedata"}
    assert answer.closes[key("MSFT")][-1].close == D("367.75000")
    assert answer.closes[key("SPY")] == []  # "No data ... on the specified dates": answered, empty
    assert answer.answered == {key("AAPL"), key("MSFT"), key("SPY")}  # ZZNOPE: unknown, not answered
    assert answer.currencies[key("AAPL")] == "USD"
    params = route.calls.last.request.url.params
    assert params["symbol"] == "AAPL,MSFT,ZZNOPE,SPY" and params["interval"] == "1day"
    assert (params["start_date"], params["end_date"]) == ("2024-01-01", "2024-01-06")
    assert route.calls.last.request.headers["Authorization"] == "apikey k-2"
    assert "k-2" not in str(route.calls.last.request.url)


@respx.mock
async def test_twelvedata_single_symbol_and_its_errors(http: httpx.AsyncClient) -> None:
    adapter = TwelveDataHistory(http, base_url="https://td.test", api_key=None, clock=lambda: NOW)
    respx.get("https://td.test/time_series").respond(
        200, content=fixture("twelvedata_time_series_single.json")
    )
    answer = await adapter.fetch_history([listed("AAPL")], JAN)
    assert [c.close for c in answer.closes[key("AAPL")]] == [D("185.64000"), D("184.25000")]
    respx.get("https://td.test/time_series").respond(200, content=fixture("twelvedata_error_429.json"))
    with pytest.raises(RateLimited):
        await adapter.fetch_history([listed("AAPL"), listed("MSFT")], JAN)
    respx.get("https://td.test/time_series").respond(200, content=fixture("twelvedata_error_401.json"))
    with pytest.raises(ProviderError):
        await adapter.fetch_history([listed("AAPL")], JAN)


@respx.mock
async def test_stooq_daily_csv_one_symbol_a_call(http: httpx.AsyncClient) -> None:
    route = respx.get("https://stooq.test/q/d/l/").respond(200, content=fixture("stooq_daily_aapl.csv"))
    adapter = StooqHistory(http, base_url="https://stooq.test", api_key=None, clock=lambda: NOW)
    answer = await adapter.fetch_history([listed("AAPL")], JAN)
    assert [(c.day.day, c.close) for c in answer.closes[key("AAPL")]] == [
        (2, D("184.532")),
        (3, D("183.150")),
        (4, D("180.824")),
        (5, D("180.098")),
    ]
    params = route.calls.last.request.url.params
    assert (params["s"], params["i"], params["d1"], params["d2"]) == ("aapl.us", "d", "20240101", "20240105")
    respx.get("https://stooq.test/q/d/l/").respond(200, content=fixture("stooq_daily_nodata.txt"))
    assert (await adapter.fetch_history([listed("AAPL")], JAN)).answered == frozenset()
    respx.get("https://stooq.test/q/d/l/").respond(200, content=fixture("stooq_limit.txt"))
    with pytest.raises(ProviderError):
        await adapter.fetch_history([listed("AAPL")], JAN)


@respx.mock
async def test_coingecko_market_chart_range_daily_closes(http: httpx.AsyncClient) -> None:
    route = respx.get("https://cg.test/coins/bitcoin/market_chart/range").respond(
        200, content=fixture("coingecko_market_chart_range_btc.json")
    )
    adapter = CoinGeckoHistory(http, base_url="https://cg.test", api_key=None, clock=lambda: NOW)
    answer = await adapter.fetch_history([listed("BTC")], JAN)
    closes = answer.closes[key("BTC")]
    # The point stamped 00:00 UTC closes the day before; the one closing 2023-12-31 is left out.
    assert [c.day.day for c in closes] == [1, 2, 3, 4, 5]
    assert closes[0].close == D("44187.14038408212") and closes[-1].close == D("44162.69190478537")
    params = route.calls.last.request.url.params
    assert (params["vs_currency"], params["from"], params["to"]) == ("usd", "1704067200", "1704499200")
    respx.get("https://cg.test/coins/bitcoin/market_chart/range").respond(
        401, content=fixture("coingecko_error_range.json")
    )
    with pytest.raises(ProviderError):  # older than the public API's 365 days: no number at all
        await adapter.fetch_history([listed("BTC")], DateSpan(date(2020, 1, 1), date(2020, 1, 31)))
    assert (await adapter.fetch_history([Instrument.manual("NOTACOIN", "USD")], JAN)).answered == frozenset()


@respx.mock
async def test_frankfurter_time_series_per_usd(http: httpx.AsyncClient) -> None:
    route = respx.get("https://fx.test/v1/2024-01-01..2024-01-05").respond(
        200, content=fixture("frankfurter_time_series_usd.json")
    )
    adapter = FrankfurterHistory(http, base_url="https://fx.test/v1", api_key=None, clock=lambda: NOW)
    answer = await adapter.fetch(["EUR", "JPY", "XXX", "USD"], JAN)
    eur = answer.closes[SeriesKey.fx("USD", "EUR")]
    assert [(c.day.day, c.close) for c in eur] == [
        (2, D("0.91191")),
        (3, D("0.91458")),
        (4, D("0.91274")),
        (5, D("0.91458")),
    ]
    assert answer.closes[SeriesKey.fx("USD", "JPY")][0].close == D("142.43")
    assert answer.answered == {SeriesKey.fx("USD", "EUR"), SeriesKey.fx("USD", "JPY")}  # XXX: not published
    params = route.calls.last.request.url.params
    assert params["base"] == "USD" and params["symbols"] == "EUR,JPY,XXX"
    respx.get("https://fx.test/v1/2024-01-01..2024-01-05").respond(
        404, content=fixture("frankfurter_error_404.json")
    )
    assert (await adapter.fetch(["EUR"], JAN)).answered == frozenset()
