"""The AWS event path end to end, in process (tests/contract/aws_path.py rebuilds it from the
synthesized app): customers registers, updates and closes a customer in its table on DynamoDB Local
-> the table's stream -> the customers Pipe as synthesized -> the bus (moto) -> the rule as
synthesized -> the portfolios queue (moto) -> portfolios' own consumer -> its customer directory,
so createPortfolio is allowed after the registration and refused after the close. Then portfolios'
recordActivity: its ActivityRecorded takes the portfolios Pipe and rule to the assets queue, and
assets' own consumer prepares the symbol's first chart (from its offline simulated feed)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from assets.adapters.table import applied_key
from assets.adapters.table import table_definition as assets_table
from assets.app import AssetsRuntime, AssetsSettings
from assets.app import create_app as create_assets_app
from customers.adapters.table import table_definition as customers_table
from customers.app import CustomersSettings
from customers.app import create_app as create_customers_app
from infra.assembly import SynthesizedStack
from kit.aws.consumer import EventQueueConsumer, IncomingEvent, sqs_client
from kit.aws.dynamo import dynamodb_client, to_item, with_event_stream
from kit_testing import create_table, execute, running_app, unique_table_name
from portfolios.adapters.table import table_definition as portfolios_table
from portfolios.app import PortfoliosSettings
from portfolios.app import create_app as create_portfolios_app

from .aws_path import REGION, AwsPath, StreamTap

REGISTER = """
mutation($input: RegisterCustomerInput!) {
  registerCustomer(input: $input) { customer { id version } userErrors { code } }
}"""
UPDATE = """
mutation($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) { customer { name version } userErrors { code } }
}"""
CLOSE = """
mutation($input: CloseCustomerInput!) {
  closeCustomer(input: $input) { customer { status } userErrors { code } }
}"""
CREATE_PORTFOLIO = """
mutation($input: CreatePortfolioInput!) {
  createPortfolio(input: $input) { portfolio { id } userErrors { code } }
}"""
RECORD = """
mutation($input: RecordActivityInput!) {
  recordActivity(input: $input) { activity { id } userErrors { field code } }
}"""


@dataclass
class Services:
    path: AwsPath
    customers: httpx.AsyncClient
    portfolios: httpx.AsyncClient
    assets: AssetsRuntime
    sqs: Any  # aiobotocore SQS, for assets' consumer
    customer_stream: StreamTap
    portfolio_stream: StreamTap

    async def create_portfolio(self, customer_id: str) -> tuple[str | None, list[str]]:
        values = {"customerId": customer_id, "name": "Main", "kind": "IRA", "baseCurrency": "USD"}
        answer = (await execute(self.portfolios, CREATE_PORTFOLIO, {"input": values}))["data"][
            "createPortfolio"
        ]
        portfolio = answer["portfolio"]
        return (portfolio["id"] if portfolio else None), [e["code"] for e in answer["userErrors"]]

    def carry_customers(self) -> list[dict[str, str]]:
        return self.path.carry("customers", self.customer_stream.records())

    def carry_portfolios(self) -> list[dict[str, str]]:
        return self.path.carry("portfolios", self.portfolio_stream.records())


@pytest.fixture
async def services(
    dynamodb_endpoint: str, moto_endpoint: str, messaging: SynthesizedStack
) -> AsyncIterator[Services]:
    path = AwsPath(moto_endpoint, messaging)
    consuming: dict[str, Any] = {
        "sqs_endpoint_url": moto_endpoint,
        "event_wait_seconds": 1,
        "graphiql": False,
    }
    customers = CustomersSettings(
        dynamodb_endpoint_url=dynamodb_endpoint, table_name=unique_table_name("customers")
    )
    portfolios = PortfoliosSettings(
        dynamodb_endpoint_url=dynamodb_endpoint,
        table_name=unique_table_name("portfolios"),
        event_queue_url=path.queues["portfolios"].url,
        **consuming,
    )
    # assets' consumer is driven by the test (it reads the message first): no queue URL.
    assets = AssetsSettings(
        dynamodb_endpoint_url=dynamodb_endpoint, table_name=unique_table_name("assets"), graphiql=False
    )
    async with dynamodb_client(customers) as dynamodb:
        # Created with their streams on, as infra's Data stack and the local stack create them.
        await create_table(dynamodb, with_event_stream(customers_table(customers.table_name)))
        await create_table(dynamodb, with_event_stream(portfolios_table(portfolios.table_name)))
        await create_table(dynamodb, assets_table(assets.table_name))
    async with AsyncExitStack() as stack:
        customers_http = await stack.enter_async_context(running_app(create_customers_app(customers)))
        portfolios_http = await stack.enter_async_context(running_app(create_portfolios_app(portfolios)))
        assets_app = create_assets_app(assets)
        await stack.enter_async_context(running_app(assets_app))
        sqs = await stack.enter_async_context(sqs_client(REGION, moto_endpoint, wait_seconds=0))
        yield Services(
            path,
            customers_http,
            portfolios_http,
            assets_app.state.runtime,
            sqs,
            StreamTap(dynamodb_endpoint, customers.table_name),
            StreamTap(dynamodb_endpoint, portfolios.table_name),
        )


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


def put(entries: list[dict[str, str]]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(e["Source"], e["DetailType"], json.loads(e["Detail"])) for e in entries]


async def test_a_customer_registered_in_customers_can_open_a_portfolio_until_closed(
    services: Services,
) -> None:
    api, path = services, services.path
    portfolios_queue = path.queues["portfolios"]
    body = await execute(api.customers, REGISTER, {"input": {"email": "ada@example.com", "name": "Ada"}})
    customer_id = body["data"]["registerCustomer"]["customer"]["id"]
    assert await api.create_portfolio(customer_id) == (None, ["NOT_FOUND"])  # nothing carried yet

    # The stream holds the customer item and its event item; the Pipe passes the event only.
    records = api.customer_stream.records()
    assert len(records) >= 2
    ((source, detail_type, detail),) = put(path.carry("customers", records))
    assert (source, detail_type) == ("portfolio.customers", "CustomerRegistered")
    assert (detail["aggregateId"], detail["sequence"], detail["source"]) == (customer_id, 1, "customers")
    assert json.loads(detail["data"])["customerId"] == customer_id

    async def allowed() -> bool:
        portfolio, codes = await api.create_portfolio(customer_id)
        return portfolio is not None and codes == []

    await eventually(allowed)
    await eventually(lambda: _drained(path, portfolios_queue.url))

    updated = await execute(
        api.customers, UPDATE, {"input": {"id": customer_id, "expectedVersion": 1, "name": "Ada L."}}
    )
    assert updated["data"]["updateCustomer"] == {
        "customer": {"name": "Ada L.", "version": 2},
        "userErrors": [],
    }
    assert [(t, d["sequence"]) for _, t, d in put(api.carry_customers())] == [("CustomerUpdated", 2)]
    await eventually(lambda: _drained(path, portfolios_queue.url))
    assert (await api.create_portfolio(customer_id))[1] == []  # an update keeps the customer open

    closed = await execute(api.customers, CLOSE, {"input": {"id": customer_id}})
    assert closed["data"]["closeCustomer"] == {"customer": {"status": "CLOSED"}, "userErrors": []}
    assert [(t, d["sequence"]) for _, t, d in put(api.carry_customers())] == [("CustomerClosed", 3)]

    async def refused() -> bool:
        return (await api.create_portfolio(customer_id))[1] == ["CUSTOMER_CLOSED"]

    await eventually(refused)
    await eventually(lambda: _drained(path, portfolios_queue.url))
    assert path.count(portfolios_queue.dlq_url) == 0
    # The customers rule routes to portfolios only: nothing of it reached the assets queue.
    assert path.count(path.queues["assets"].url) == 0


async def test_an_activity_recorded_in_portfolios_prepares_its_symbols_first_chart_in_assets(
    services: Services,
) -> None:
    api, path = services, services.path
    body = await execute(api.customers, REGISTER, {"input": {"email": "grace@example.com", "name": "Grace"}})
    customer_id = body["data"]["registerCustomer"]["customer"]["id"]
    api.carry_customers()

    async def opened() -> bool:
        return (await api.create_portfolio(customer_id))[0] is not None

    await eventually(opened)
    ((portfolio_opened,),) = [[t for _, t, _ in put(api.carry_portfolios())]]
    assert portfolio_opened == "PortfolioOpened"
    # Routed to assets, which stores the FX closes of the portfolio's base currency (trade-date FX).
    assets_queue = path.queues["assets"]
    consumer = EventQueueConsumer(
        services.sqs, assets_queue.url, services.assets.service.events.apply, wait_seconds=0
    )
    assert [m["detail-type"] for m in path.peek(assets_queue.url)] == ["PortfolioOpened"]
    assert await consumer.poll_once() == 1

    portfolio_id = (await api.create_portfolio(customer_id))[0]
    api.carry_portfolios()
    assert await consumer.poll_once() == 1  # its FX closes are stored already: nothing to fetch
    trade_date = (datetime.now(UTC) - timedelta(days=10)).date().isoformat()
    activity = {
        "portfolioId": portfolio_id,
        "type": "BUY",
        "occurredAt": trade_date,
        "symbol": "MSFT",
        "quantity": "3",
        "price": {"amount": "400.10", "currencyCode": "USD"},
    }
    recorded = (await execute(api.portfolios, RECORD, {"input": activity}))["data"]["recordActivity"]
    assert recorded["userErrors"] == []
    ((source, detail_type, detail),) = put(api.carry_portfolios())
    assert (source, detail_type, detail["aggregateId"]) == (
        "portfolio.portfolios",
        "ActivityRecorded",
        portfolio_id,
    )
    assert isinstance(detail["sequence"], int) and detail["sequence"] >= 2
    data = json.loads(detail["data"])
    assert (data["symbol"], data["tradeDate"], data["activityType"]) == ("MSFT", trade_date, "BUY")
    assert not {"quantity", "price", "amount"} & set(data)  # no more than a consumer needs

    # On the assets queue as EventBridge delivers to SQS: the Pipe's event in an envelope.
    (message,) = path.peek(assets_queue.url)
    assert (message["source"], message["detail-type"], message["detail"]) == (source, detail_type, detail)
    assert {"id", "time", "region"} <= set(message)  # as moto delivers it (AWS adds the account)
    event = IncomingEvent.from_envelope(json.dumps(message))
    assert (event.type, event.aggregate_id, event.data["symbol"]) == (
        "ActivityRecorded",
        portfolio_id,
        "MSFT",
    )

    # assets' own consumer and handler accept it: the first chart is ready, the event marked applied.
    assets = services.assets
    assert await consumer.poll_once() == 1
    entry = assets.catalog.get("MSFT")
    assert entry is not None and await assets.service.history.has_history(entry.instrument)
    marker = await assets.dynamodb.get_item(
        TableName=assets.settings.table_name, Key=to_item(applied_key(event.event_id)), ConsistentRead=True
    )
    assert "Item" in marker
    assert path.count(assets_queue.url) == path.count(assets_queue.dlq_url) == 0


async def _drained(path: AwsPath, url: str) -> bool:
    return path.count(url) == 0
