"""The assets service's event consumer against moto's SQS and DynamoDB Local: an ActivityRecorded in
a symbol with no stored closes backfills them and warms the quote; a copy does nothing again; a
provider failure leaves the message until the dead-letter queue, and a redrive (receive + send back:
moto has no StartMessageMoveTask) applies it once; an unlisted symbol is acknowledged."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

from assets.adapters.catalog import load_catalog
from assets.adapters.table import applied_key, table_definition
from assets.app import AssetsRuntime, AssetsSettings, create_app
from assets.domain.history import DateSpan, SeriesKey
from assets.domain.instruments import AssetClass, Instrument
from assets.domain.ports import SeriesAnswer
from assets.domain.simulation import simulated_closes
from kit.aws.consumer import EventQueueConsumer, sqs_client
from kit.aws.dynamo import ensure_table, to_item
from kit_testing import running_app, unique_table_name
from kit_testing.queues import MAX_RECEIVE_COUNT, REGION, EventQueues, event_detail, eventually

from .conftest import NOW, CountingProvider

PORTFOLIO = "01J00000000000000000000001"


class SwitchableHistory:
    """Simulated closes of catalog instruments; answers nothing (as a failed provider chain does)
    while `down`. Records the symbols of every call."""

    def __init__(self) -> None:
        self.catalog = load_catalog()
        self.down = False
        self.calls: list[list[str]] = []

    def serves(self, asset_class: AssetClass) -> bool:
        return True

    async def daily_closes(
        self, instruments: Sequence[Instrument], span: DateSpan, *, patient: bool
    ) -> SeriesAnswer:
        self.calls.append([i.symbol for i in instruments])
        if self.down:
            return SeriesAnswer()
        closes = {
            SeriesKey.instrument(i.symbol): simulated_closes(entry, span)
            for i in instruments
            if (entry := self.catalog.get(i.symbol)) is not None
        }
        return SeriesAnswer(closes, frozenset(closes), {key: "USD" for key in closes})


def activity(symbol: str | None, trade_date: str = "2025-03-03") -> dict[str, Any]:
    data = {"portfolioId": PORTFOLIO, "activityType": "BUY", "symbol": symbol, "tradeDate": trade_date}
    return event_detail("ActivityRecorded", PORTFOLIO, 2, data, source="portfolios")


@asynccontextmanager
async def started(
    dynamodb_endpoint: str, **overrides: Any
) -> AsyncIterator[tuple[AssetsRuntime, SwitchableHistory, CountingProvider]]:
    table = unique_table_name("assets")
    settings = AssetsSettings(
        dynamodb_endpoint_url=dynamodb_endpoint, table_name=table, graphiql=False, **overrides
    )
    history, provider = SwitchableHistory(), CountingProvider()
    app = create_app(settings, provider=provider, history_feed=history, clock=lambda: NOW)
    runtime: AssetsRuntime = app.state.runtime
    async with running_app(app):
        await ensure_table(runtime.dynamodb, table_definition(table))
        yield runtime, history, provider


async def marked(runtime: AssetsRuntime, event_id: str) -> bool:
    response = await runtime.dynamodb.get_item(
        TableName=runtime.settings.table_name, Key=to_item(applied_key(event_id)), ConsistentRead=True
    )
    return "Item" in response


async def has_history(runtime: AssetsRuntime, symbol: str) -> bool:
    entry = runtime.catalog.get(symbol)
    assert entry is not None
    return await runtime.service.history.has_history(entry.instrument)


async def test_a_new_symbol_is_backfilled_once_however_often_it_is_delivered(
    dynamodb_endpoint: str, moto_endpoint: str
) -> None:
    queues = EventQueues(moto_endpoint, "assets-events")
    async with (
        started(dynamodb_endpoint) as (runtime, history, provider),
        sqs_client(REGION, moto_endpoint, wait_seconds=0) as sqs,
    ):
        consumer = EventQueueConsumer(
            sqs, queues.url, runtime.service.first_chart.apply_activity_event, wait_seconds=0
        )
        event = activity("MSFT")
        for _ in range(3):  # delivered three times
            queues.send_event(event)
        handled = 0
        for _ in range(5):
            handled += await consumer.poll_once()
        assert handled == 3 and queues.count(queues.url) == 0
        assert await has_history(runtime, "MSFT") and await marked(runtime, event["eventId"])
        assert history.calls.count(["MSFT"]) == 1  # backfilled once
        assert provider.calls == [["MSFT"]]  # its quote warmed once
        assert (await runtime.service.quotes.feed_quotes(["MSFT"])).keys() == {"MSFT"}
        assert provider.calls == [["MSFT"]]  # and served from the cache
        # The first chart is ready: reading it asks no provider.
        calls = len(history.calls)
        entry = runtime.catalog.get("MSFT")
        assert entry is not None
        chart = await runtime.service.history.instrument_history(
            entry.instrument, date(2025, 3, 3), date(2025, 11, 21)
        )
        assert chart.complete and chart.closes and len(history.calls) == calls


async def test_a_provider_failure_ends_in_the_dead_letter_queue_and_a_redrive_applies_it_once(
    dynamodb_endpoint: str, moto_endpoint: str
) -> None:
    queues = EventQueues(moto_endpoint, "assets-events")
    async with (
        started(dynamodb_endpoint) as (runtime, history, _provider),
        sqs_client(REGION, moto_endpoint, wait_seconds=0) as sqs,
    ):
        consumer = EventQueueConsumer(
            sqs, queues.url, runtime.service.first_chart.apply_activity_event, wait_seconds=0
        )
        event = activity("AAPL")
        queues.send_event(event)
        history.down = True
        for _ in range(MAX_RECEIVE_COUNT):
            assert await consumer.poll_once() == 0
            assert queues.count(queues.url) == 1
        assert await consumer.poll_once() == 0
        assert queues.count(queues.url) == 0 and queues.count(queues.dlq_url) == 1
        assert not await has_history(runtime, "AAPL") and not await marked(runtime, event["eventId"])

        history.down = False
        assert queues.redrive() == 1
        queues.send_event(event)  # and a late copy
        assert await consumer.poll_once() + await consumer.poll_once() == 2
        assert await has_history(runtime, "AAPL") and await marked(runtime, event["eventId"])
        assert history.calls.count(["AAPL"]) == MAX_RECEIVE_COUNT + 1  # the failures, then once
        assert queues.count(queues.url) == queues.count(queues.dlq_url) == 0


async def test_an_unlisted_symbol_or_a_cash_activity_is_acknowledged(
    dynamodb_endpoint: str, moto_endpoint: str
) -> None:
    queues = EventQueues(moto_endpoint, "assets-events")
    async with (
        started(dynamodb_endpoint) as (runtime, history, _provider),
        sqs_client(REGION, moto_endpoint, wait_seconds=0) as sqs,
    ):
        consumer = EventQueueConsumer(
            sqs, queues.url, runtime.service.first_chart.apply_activity_event, wait_seconds=0
        )
        unlisted, cash = activity("NOPE-NOT-LISTED"), activity(None)
        queues.send_event(unlisted)
        queues.send_event(cash)
        assert await consumer.poll_once() == 2
        assert history.calls == [] and queues.count(queues.dlq_url) == 0
        assert await marked(runtime, unlisted["eventId"]) and await marked(runtime, cash["eventId"])


async def test_the_service_consumes_its_queue_while_it_runs(
    dynamodb_endpoint: str, moto_endpoint: str
) -> None:
    queues = EventQueues(moto_endpoint, "assets-events")
    overrides = {"event_queue_url": queues.url, "sqs_endpoint_url": moto_endpoint, "event_wait_seconds": 20}
    async with started(dynamodb_endpoint, **overrides) as (runtime, _history, _provider):
        queues.send_event(activity("NVDA"))

        async def backfilled() -> bool:
            return await has_history(runtime, "NVDA")

        await eventually(backfilled, within=10)
        task = runtime.consumer_task
        assert task is not None and not task.done()
        stopped_at = time.monotonic()
    assert time.monotonic() - stopped_at < 5.0  # shutdown cancels the 20 s long poll
    await asyncio.sleep(0)
    assert task.cancelled()


async def test_without_a_queue_url_nothing_is_consumed(dynamodb_endpoint: str) -> None:
    async with started(dynamodb_endpoint) as (runtime, _history, _provider):
        assert runtime.consumer_task is None


def test_settings_read_the_consumer_variables(monkeypatch: Any) -> None:
    monkeypatch.setenv("ASSETS_EVENT_QUEUE_URL", "https://sqs.eu-west-1.amazonaws.com/1/assets-events")
    monkeypatch.setenv("ASSETS_SQS_ENDPOINT_URL", "http://127.0.0.1:5000")
    settings = AssetsSettings()
    assert settings.event_queue_url == "https://sqs.eu-west-1.amazonaws.com/1/assets-events"
    assert settings.sqs_endpoint_url == "http://127.0.0.1:5000"
    monkeypatch.delenv("ASSETS_EVENT_QUEUE_URL")
    assert AssetsSettings().event_queue_url == ""
