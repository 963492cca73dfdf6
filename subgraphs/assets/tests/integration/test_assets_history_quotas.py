"""Backfilling many symbols at once keeps the providers' quotas: batches sized by the credits, the
limiter and breaker shared with the quotes, a request never waits (what is over quota is left
unanswered, not made up), the refresh waits its turn."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import httpx
import pytest
import respx
from aiolimiter import AsyncLimiter
from assets.adapters.catalog import load_catalog
from assets.adapters.providers import ProviderConfig, ResilienceConfig, build_feeds
from assets.adapters.providers.history import GuardedHistorySource, HistoryChain
from assets.adapters.providers.resilience import CircuitBreaker, Guard
from assets.adapters.providers.twelvedata_history import TwelveDataHistory
from assets.domain.history import DateSpan, SeriesKey
from assets.domain.instruments import AssetClass, Instrument

NOW = datetime(2025, 11, 24, 10, 0, tzinfo=UTC)
SPAN = DateSpan(date(2024, 1, 2), date(2024, 1, 3))
CATALOG = load_catalog()
STOCKS = [entry.instrument for entry in CATALOG if entry.instrument.asset_class is AssetClass.STOCK][:30]


def time_series(request: httpx.Request) -> httpx.Response:
    """Twelve Data's batch answer for whatever symbols were asked (two days each)."""
    symbols = request.url.params["symbol"].split(",")
    values = [{"datetime": "2024-01-03", "close": "101.5"}, {"datetime": "2024-01-02", "close": "100.25"}]
    body = {s: {"meta": {"symbol": s, "currency": "USD"}, "values": values, "status": "ok"} for s in symbols}
    if len(symbols) == 1:
        body = body[symbols[0]]
    return httpx.Response(200, content=json.dumps(body).encode())


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(1.0, connect=1.0)) as client:
        yield client


def credits_of(route: respx.Route) -> list[int]:
    return [len(call.request.url.params["symbol"].split(",")) for call in route.calls]


@respx.mock
async def test_a_request_spends_at_most_the_minute_credits_and_leaves_the_rest_unanswered(
    http: httpx.AsyncClient,
) -> None:
    assert len(STOCKS) == 30
    series = respx.get("https://td.test/time_series").mock(side_effect=time_series)
    quotes_route = respx.get("https://td.test/quote").respond(200, json={})
    config = ProviderConfig(base_url="https://td.test", api_key="k", rate_limit=8)
    quote_chain, history_chain = build_feeds(
        "twelvedata",
        catalog=CATALOG,
        clock=lambda: NOW,
        http=http,
        configs={"twelvedata": config},
        resilience=ResilienceConfig(timeout_seconds=1.0, deadline_seconds=1.0),
    )
    answer = await history_chain.daily_closes(STOCKS, SPAN, patient=False)
    assert credits_of(series) == [8]  # one batch of 8 symbols = the minute's 8 credits; no waiting
    assert len(answer.answered) == 8
    assert all(len(answer.closes[key]) == 2 for key in answer.answered)
    unanswered = {SeriesKey.instrument(i.symbol) for i in STOCKS} - answer.answered
    assert len(unanswered) == 22 and not unanswered & set(answer.closes)  # missing, never made up
    # The quotes share the provider's credits: none left this minute, so no quote call either.
    again = await history_chain.daily_closes(STOCKS[8:], SPAN, patient=False)
    result = await quote_chain.fetch(["AAPL"])
    assert again.answered == frozenset() and credits_of(series) == [8]
    assert quotes_route.call_count == 0 and "AAPL" in result.failed


@respx.mock
async def test_the_refresh_waits_for_credits_and_gets_every_symbol_within_the_rate(
    http: httpx.AsyncClient,
) -> None:
    series = respx.get("https://td.test/time_series").mock(side_effect=time_series)
    window = 0.4  # 8 credits per 0.4 s stands for Twelve Data's 8 a minute
    loop = asyncio.get_running_loop()
    sent: list[tuple[float, int]] = []

    class Recording(TwelveDataHistory):
        async def fetch_history(self, instruments: list[Instrument], span: DateSpan):  # type: ignore[override]
            sent.append((loop.time(), len(instruments)))
            return await super().fetch_history(instruments, span)

    adapter = Recording(http, base_url="https://td.test", api_key="k", clock=lambda: NOW)
    guard = Guard(
        "twelvedata",
        limiter=AsyncLimiter(8, window),
        breaker=CircuitBreaker(failure_threshold=3, reset_seconds=30),
        timeout_seconds=1.0,
    )
    chain = HistoryChain([GuardedHistorySource(adapter, guard, rate_limit=8)])
    answer = await chain.daily_closes(STOCKS, SPAN, patient=True)
    assert len(answer.answered) == 30  # every symbol, none skipped
    assert sorted(credits_of(series)) == [6, 8, 8, 8]
    # The limiter's guarantee (a leaky bucket of 8): by any time t, no more credits were spent than
    # the 8 of a full bucket plus 8 per window since the first call.
    times = sorted(sent)
    first = times[0][0]
    for at, _ in times:
        spent = sum(n for when, n in times if when <= at)
        assert spent <= 8 + 8 * (at - first) / window + 0.5, times
    assert times[-1][0] - first >= (30 - 8) / 8 * window * 0.9  # it waited for 22 more credits
