"""The event consumer's use case (services/first_chart.py) on fakes: an activity in a symbol with no
stored closes backfills them and warms its quote, once per event id; nothing for a symbol already
stored, a cash activity or an unlisted symbol; a provider failure raises (SQS delivers it again)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from assets.domain.events import ActivityEvent, activity_event
from assets.domain.history import DateSpan, SeriesKey
from assets.services.first_chart import ProvidersUnavailable
from kit.aws.consumer import IncomingEvent
from kit.core.events import InvalidEvent
from kit_testing.queues import event_detail, incoming

from .fakes import NOW, FakeQuoteFeed, World, quote
from .history_fakes import CountingHistoryFeed

PORTFOLIO = "01J00000000000000000000001"
TODAY = NOW.date()  # 2025-11-24
YESTERDAY = date(2025, 11, 23)


def activity(
    symbol: str | None = "AAPL", trade_date: str | None = "2025-03-03", **more: Any
) -> IncomingEvent:
    data = {"portfolioId": PORTFOLIO, "activityType": "BUY", "symbol": symbol, "tradeDate": trade_date}
    detail = event_detail("ActivityRecorded", PORTFOLIO, 3, data, source="portfolios")
    return incoming({**detail, **more})


def world(**feed: Any) -> World:
    return World(feed=FakeQuoteFeed({"AAPL": quote("AAPL", "190"), "MSFT": quote("MSFT", "410")}, **feed))


async def test_a_new_symbol_is_backfilled_and_its_quote_warmed_once() -> None:
    w = world()
    event = activity()
    await w.service.first_chart.apply_activity_event(event)
    assert [(symbols, span) for symbols, span, _ in w.history_feed.calls] == [
        (["AAPL"], DateSpan(date(2024, 11, 23), YESTERDAY))  # a year back: earlier than the trade date
    ]
    assert w.history_feed.calls[0][2] is True  # patient: waits for rate limits instead of giving up
    assert SeriesKey.instrument("AAPL") in w.closes.series
    assert w.feed.calls == [["AAPL"]] and "AAPL" in w.cache.fresh_quotes
    assert w.applied.marked == [event.event_id]

    # The first chart now costs no provider call.
    history = await w.service.history.instrument_history(
        w.catalog.get("AAPL").instrument,  # type: ignore[union-attr]
        date(2024, 12, 1),
        date(2025, 11, 21),
    )
    assert history.complete and len(w.history_feed.calls) == 1

    await w.service.first_chart.apply_activity_event(event)  # redelivered: nothing again
    assert len(w.history_feed.calls) == 1 and w.feed.calls == [["AAPL"]]
    assert w.applied.marked == [event.event_id]


async def test_without_a_history_provider_the_event_is_acknowledged_not_retried() -> None:
    w = World(
        feed=FakeQuoteFeed({"AAPL": quote("AAPL", "190")}),
        history_feed=CountingHistoryFeed(serves_classes=False),
    )
    event = activity()
    await w.service.first_chart.apply_activity_event(event)  # no ProvidersUnavailable: nothing to retry
    assert w.history_feed.calls == []
    assert w.feed.calls == [["AAPL"]]  # the quote warmed once
    assert w.applied.marked == [event.event_id]


async def test_an_old_trade_backfills_from_its_date() -> None:
    w = world()
    await w.service.first_chart.apply_activity_event(activity(trade_date="2019-05-06"))
    assert [span for _, span, _ in w.history_feed.calls] == [DateSpan(date(2019, 5, 6), YESTERDAY)]


async def test_a_symbol_with_stored_closes_asks_no_provider() -> None:
    w = world()
    await w.service.first_chart.apply_activity_event(activity())
    w.history_feed.calls.clear()
    w.feed.calls.clear()
    second = activity(trade_date="2018-01-02")  # another activity, older: the daily refresh and
    await w.service.first_chart.apply_activity_event(second)  # the chart's own read fill the rest
    assert w.history_feed.calls == [] and w.feed.calls == []
    assert w.applied.marked[-1] == second.event_id


@pytest.mark.parametrize("symbol", [None, "NOT-LISTED"])
async def test_a_cash_activity_or_an_unlisted_symbol_is_acknowledged_without_work(symbol: str | None) -> None:
    w = world()
    event = activity(symbol=symbol)
    await w.service.first_chart.apply_activity_event(event)
    assert w.history_feed.calls == [] and w.feed.calls == [] and w.closes.series == {}
    assert w.applied.marked == [event.event_id]


async def test_a_failing_quote_provider_raises_and_marks_nothing() -> None:
    w = world(failing=["AAPL"])
    with pytest.raises(ProvidersUnavailable):
        await w.service.first_chart.apply_activity_event(activity())
    assert w.applied.marked == []


async def test_a_failing_history_provider_raises_and_a_retry_completes_it() -> None:
    w = World(
        feed=FakeQuoteFeed({"AAPL": quote("AAPL", "190")}),
        history_feed=CountingHistoryFeed(unsupported=["AAPL"]),
    )
    event = activity()
    with pytest.raises(ProvidersUnavailable):
        await w.service.first_chart.apply_activity_event(event)
    assert w.applied.marked == [] and w.closes.series == {}
    w.history_feed.unsupported.clear()  # the provider is back: the redelivery does it
    await w.service.first_chart.apply_activity_event(event)
    assert SeriesKey.instrument("AAPL") in w.closes.series and w.applied.marked == [event.event_id]


@pytest.mark.parametrize(
    "changes",
    [
        {"type": "ActivityRemoved"},
        {"type": "CustomerClosed"},
        {"source": "customers"},
        {"data": json.dumps({"symbol": 42})},
        {"data": json.dumps({"symbol": "   "})},
        {"data": json.dumps({"symbol": "X" * 65})},
        {"data": json.dumps({"symbol": "AAPL", "tradeDate": "03/03/2025"})},
        {"data": json.dumps({"symbol": "AAPL", "tradeDate": 20250303})},
    ],
)
async def test_what_is_not_an_activity_event_is_invalid_and_does_nothing(changes: dict[str, Any]) -> None:
    w = world()
    with pytest.raises(InvalidEvent):
        await w.service.first_chart.apply_activity_event(activity(**changes))
    assert w.applied.marked == [] and w.history_feed.calls == []


def test_a_corrected_activity_without_a_trade_date_counts_from_when_it_occurred() -> None:
    detail = event_detail(
        "ActivityCorrected", PORTFOLIO, 4, {"symbol": " MSFT "}, source="portfolios", event_id="e-1"
    )
    detail["occurredAt"] = "2025-06-30T22:00:00Z"
    assert activity_event(incoming(detail)) == ActivityEvent("e-1", "MSFT", date(2025, 6, 30))


@pytest.mark.parametrize(
    ("trade_date", "today", "expected"),
    [
        (date(2025, 11, 24), date(2025, 11, 24), DateSpan(date(2024, 11, 23), date(2025, 11, 23))),
        (
            date(1960, 1, 1),
            date(2025, 11, 24),
            DateSpan(date(2005, 11, 9), date(2025, 11, 23)),
        ),  # the longest range
        (date(2024, 2, 29), date(2024, 2, 29), DateSpan(date(2023, 2, 28), date(2024, 2, 28))),
    ],
)
def test_the_first_chart_span(trade_date: date, today: date, expected: DateSpan) -> None:
    span = ActivityEvent("e", "AAPL", trade_date).first_chart(today)
    assert span == expected and span.days <= 20 * 366
