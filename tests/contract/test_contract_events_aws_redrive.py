"""Dead letters and their redrive along the AWS path (tests/contract/aws_path.py): portfolios records
an activity -> its stream -> the portfolios Pipe as synthesized -> the bus (moto) -> the rule as
synthesized -> the assets queue, whose redrive policy is the synthesized one (a dead letter after
`maxReceiveCount` receives). assets' consumer fails while its history provider is down: after that
many receives the message is in the dead-letter queue. A redrive (moto has no StartMessageMoveTask:
kit_testing.queues.redrive receives, sends back and deletes, as docs/operations/events.md's
StartMessageMoveTask does in AWS) delivers it again and it is applied once.

The queues' visibility timeout is 0 here instead of the synthesized 60 s, so that a failed message
comes back at once."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from assets.adapters.catalog import load_catalog
from assets.adapters.table import applied_key
from assets.adapters.table import table_definition as assets_table
from assets.app import AssetsRuntime, AssetsSettings
from assets.app import create_app as create_assets_app
from assets.domain.history import DateSpan, SeriesKey
from assets.domain.instruments import AssetClass, Instrument
from assets.domain.ports import SeriesAnswer
from assets.domain.simulation import simulated_closes
from infra.assembly import SynthesizedStack
from kit.aws.consumer import EventQueueConsumer, sqs_client
from kit.aws.dynamo import dynamodb_client, to_item, with_event_stream
from kit_testing import create_table, execute, running_app, unique_table_name
from kit_testing.queues import event_detail, incoming, redrive
from portfolios.adapters.table import table_definition as portfolios_table
from portfolios.app import PortfoliosSettings
from portfolios.app import create_app as create_portfolios_app
from ulid import ULID

from .aws_path import REGION, AwsPath, StreamTap

CREATE_PORTFOLIO = """
mutation($input: CreatePortfolioInput!) {
  createPortfolio(input: $input) { portfolio { id } userErrors { code } }
}"""
RECORD = """
mutation($input: RecordActivityInput!) {
  recordActivity(input: $input) { activity { id } userErrors { field code } }
}"""


class SwitchableHistory:
    """assets' offline simulated closes; answers nothing while `down` (as a failed provider chain
    does). Records the symbols of every call."""

    def __init__(self) -> None:
        self.catalog = load_catalog()
        self.down = True
        self.calls: list[list[str]] = []

    def serves(self, asset_class: AssetClass) -> bool:
        return True  # a provider with history, down for a while: worth retrying

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


@pytest.fixture
async def recorded(
    dynamodb_endpoint: str, moto_endpoint: str, messaging: SynthesizedStack
) -> AsyncIterator[tuple[AwsPath, list[dict[str, str]], AssetsRuntime, SwitchableHistory, Any]]:
    """An AAPL purchase recorded in portfolios and carried to the assets queue; assets running
    with its history provider down; an SQS client for assets' consumer."""
    path = AwsPath(moto_endpoint, messaging, visibility_timeout=0)
    portfolios = PortfoliosSettings(
        dynamodb_endpoint_url=dynamodb_endpoint, table_name=unique_table_name("portfolios"), graphiql=False
    )
    assets = AssetsSettings(
        dynamodb_endpoint_url=dynamodb_endpoint, table_name=unique_table_name("assets"), graphiql=False
    )
    async with dynamodb_client(portfolios) as dynamodb:
        await create_table(dynamodb, with_event_stream(portfolios_table(portfolios.table_name)))
        await create_table(dynamodb, assets_table(assets.table_name))
    history = SwitchableHistory()
    async with AsyncExitStack() as stack:
        portfolios_app = create_portfolios_app(portfolios)
        http = await stack.enter_async_context(running_app(portfolios_app))
        assets_app = create_assets_app(assets, history_feed=history)
        await stack.enter_async_context(running_app(assets_app))
        sqs = await stack.enter_async_context(sqs_client(REGION, moto_endpoint, wait_seconds=0))
        # The customer as portfolios' directory learns it (its own handler; the flow test carries it).
        customer_id = str(ULID())
        registered = event_detail("CustomerRegistered", customer_id, 1, {"customerId": customer_id})
        await portfolios_app.state.runtime.service.apply_customer_event(incoming(registered))
        values = {"customerId": customer_id, "name": "Main", "kind": "IRA", "baseCurrency": "USD"}
        created = await execute(http, CREATE_PORTFOLIO, {"input": values})
        portfolio_id = created["data"]["createPortfolio"]["portfolio"]["id"]
        activity = {
            "portfolioId": portfolio_id,
            "type": "BUY",
            "occurredAt": (datetime.now(UTC) - timedelta(days=5)).date().isoformat(),
            "symbol": "AAPL",
            "quantity": "2",
            "price": {"amount": "190.25", "currencyCode": "USD"},
        }
        answer = await execute(http, RECORD, {"input": activity})
        assert answer["data"]["recordActivity"]["userErrors"] == []
        put = path.carry("portfolios", StreamTap(dynamodb_endpoint, portfolios.table_name).records())
        yield path, put, assets_app.state.runtime, history, sqs


async def test_a_failing_consumer_dead_letters_the_event_and_a_redrive_applies_it_once(
    recorded: tuple[AwsPath, list[dict[str, str]], AssetsRuntime, SwitchableHistory, Any],
) -> None:
    path, put, assets, history, sqs = recorded
    assert [entry["DetailType"] for entry in put] == ["PortfolioOpened", "ActivityRecorded"]
    activity_detail = json.loads(put[-1]["Detail"])
    queues = path.queues["assets"]
    assert queues.max_receive_count == 5  # as synthesized
    consumer = EventQueueConsumer(sqs, queues.url, assets.service.events.apply, wait_seconds=0)
    # PortfolioOpened first (a USD portfolio: its FX closes come from the FX history, which is up),
    # received alone: a peek or a shared receive would count against the activity's five.
    opened = EventQueueConsumer(sqs, queues.url, assets.service.events.apply, wait_seconds=0, max_messages=1)
    assert await opened.poll_once() == 1
    assert path.count(queues.url) == 1

    for _ in range(queues.max_receive_count):  # the handler fails: the message stays
        assert await consumer.poll_once() == 0
        assert path.count(queues.url) == 1
    assert await consumer.poll_once() == 0  # past maxReceiveCount: SQS moves it
    assert path.count(queues.url) == 0
    (dead,) = path.peek(queues.dlq_url)
    assert (dead["detail-type"], dead["detail"]) == ("ActivityRecorded", activity_detail)
    assert history.calls == [["AAPL"]] * queues.max_receive_count
    assert not await _marked(assets, activity_detail["eventId"])

    history.down = False  # the provider is back; the operator redrives
    assert redrive(path.sqs, queues.dlq_url, queues.url) == 1
    assert await consumer.poll_once() == 1
    entry = assets.catalog.get("AAPL")
    assert entry is not None and await assets.service.history.has_history(entry.instrument)
    assert await _marked(assets, activity_detail["eventId"])
    assert history.calls == [["AAPL"]] * (queues.max_receive_count + 1)  # applied once
    assert path.count(queues.url) == path.count(queues.dlq_url) == 0

    # A second copy of the same event (at-least-once delivery) changes nothing.
    path.sqs.send_message(QueueUrl=queues.url, MessageBody=json.dumps(dead))
    assert await consumer.poll_once() == 1
    assert history.calls == [["AAPL"]] * (queues.max_receive_count + 1)


async def _marked(assets: AssetsRuntime, event_id: str) -> bool:
    response = await assets.dynamodb.get_item(
        TableName=assets.settings.table_name, Key=to_item(applied_key(event_id)), ConsistentRead=True
    )
    return "Item" in response
