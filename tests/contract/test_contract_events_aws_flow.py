"""The AWS event path end to end, in process: customers registers and closes a customer ->
EventBridge (moto) -> a rule shaped as infra's -> the portfolios SQS queue (moto) -> the portfolios
consumer -> its customer directory (DynamoDB Local) -> createPortfolio answers accordingly."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import boto3
import httpx
import pytest
from customers.adapters.table import table_definition as customers_table
from customers.app import CustomersSettings
from customers.app import create_app as create_customers_app
from infra.config import CUSTOMERS_EVENT_SOURCE, PORTFOLIOS_CONSUMED_EVENTS
from kit.aws.dynamo import dynamodb_client
from kit.aws.events import EventBridgePublisher
from kit_testing import create_table, execute, running_app, unique_table_name
from portfolios.adapters.table import table_definition as portfolios_table
from portfolios.app import PortfoliosSettings
from portfolios.app import create_app as create_portfolios_app

REGION = "us-east-1"


def aws(service: str, endpoint: str) -> Any:
    """A boto3 client on moto (the test's side)."""
    return boto3.client(
        service,  # type: ignore[call-overload]
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


REGISTER = """
mutation($input: RegisterCustomerInput!) {
  registerCustomer(input: $input) { customer { id version } userErrors { code } }
}"""
CLOSE = """
mutation($input: CloseCustomerInput!) {
  closeCustomer(input: $input) { customer { status } userErrors { code } }
}"""
CREATE_PORTFOLIO = """
mutation($input: CreatePortfolioInput!) {
  createPortfolio(input: $input) { portfolio { id owner { id } } userErrors { code } }
}"""


class Messaging:
    """infra's MessagingStack on moto: a bus, a portfolios queue with a DLQ (5 receives), and the
    rule sending customers' lifecycle events to the queue."""

    def __init__(self, endpoint: str) -> None:
        prefix = unique_table_name("flow")
        self.sqs = aws("sqs", endpoint)
        events = aws("events", endpoint)
        self.bus = events.create_event_bus(Name=prefix)["EventBusArn"].rsplit("/", 1)[1]
        self.dlq_url = self.sqs.create_queue(QueueName=f"{prefix}-portfolios-events-dlq")["QueueUrl"]
        redrive = {"deadLetterTargetArn": self.arn(self.dlq_url), "maxReceiveCount": "5"}
        self.queue_url = self.sqs.create_queue(
            QueueName=f"{prefix}-portfolios-events",
            Attributes={"VisibilityTimeout": "60", "RedrivePolicy": json.dumps(redrive)},
        )["QueueUrl"]
        pattern = {"source": [CUSTOMERS_EVENT_SOURCE], "detail-type": list(PORTFOLIOS_CONSUMED_EVENTS)}
        events.put_rule(
            Name="CustomerEventsToPortfolios", EventBusName=self.bus, EventPattern=json.dumps(pattern)
        )
        events.put_targets(
            Rule="CustomerEventsToPortfolios",
            EventBusName=self.bus,
            Targets=[{"Id": "portfolios", "Arn": self.arn(self.queue_url)}],
        )

    def arn(self, url: str) -> str:
        return str(
            self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        )

    async def drained(self, url: str) -> bool:
        return self.count(url) == 0

    def count(self, url: str) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return sum(int(v) for v in attributes.values())


class Services:
    def __init__(self, customers: httpx.AsyncClient, portfolios: httpx.AsyncClient) -> None:
        self.customers = customers
        self.portfolios = portfolios

    async def create_portfolio_codes(self, customer_id: str) -> list[str]:
        values = {"customerId": customer_id, "name": "Main", "kind": "IRA", "baseCurrency": "USD"}
        body = await execute(self.portfolios, CREATE_PORTFOLIO, {"input": values})
        return [e["code"] for e in body["data"]["createPortfolio"]["userErrors"]]


@pytest.fixture
async def services(dynamodb_endpoint: str, moto_endpoint: str) -> AsyncIterator[tuple[Services, Messaging]]:
    messaging = Messaging(moto_endpoint)
    customers = CustomersSettings(
        dynamodb_endpoint_url=dynamodb_endpoint,
        table_name=unique_table_name("customers"),
        event_bus_name=messaging.bus,
        events_endpoint_url=moto_endpoint,
    )
    portfolios = PortfoliosSettings(
        dynamodb_endpoint_url=dynamodb_endpoint,
        table_name=unique_table_name("portfolios"),
        graphiql=False,
        events_queue_url=messaging.queue_url,
        events_endpoint_url=moto_endpoint,
        events_wait_seconds=1,
    )
    async with dynamodb_client(customers) as dynamodb:
        await create_table(dynamodb, customers_table(customers.table_name))
        await create_table(dynamodb, portfolios_table(portfolios.table_name))
    async with AsyncExitStack() as stack:
        customers_app = create_customers_app(customers)
        customers_http = await stack.enter_async_context(running_app(customers_app))
        assert isinstance(customers_app.state.runtime.events, EventBridgePublisher)
        portfolios_http = await stack.enter_async_context(running_app(create_portfolios_app(portfolios)))
        yield Services(customers_http, portfolios_http), messaging


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def test_a_customer_registered_in_customers_can_open_a_portfolio_until_closed(
    services: tuple[Services, Messaging],
) -> None:
    api, messaging = services
    body = await execute(api.customers, REGISTER, {"input": {"email": "ada@example.com", "name": "Ada"}})
    customer = body["data"]["registerCustomer"]["customer"]
    customer_id = customer["id"]

    # The event travels customers -> bus -> rule -> queue -> consumer -> directory.
    async def known() -> bool:
        return await api.create_portfolio_codes(customer_id) != ["NOT_FOUND"]

    await eventually(known)
    # `known` created the first portfolio as soon as the directory had the customer.
    body = await execute(
        api.portfolios,
        CREATE_PORTFOLIO,
        {"input": {"customerId": customer_id, "name": "Second", "kind": "BROKERAGE", "baseCurrency": "EUR"}},
    )
    payload = body["data"]["createPortfolio"]
    assert payload["userErrors"] == []
    assert payload["portfolio"]["owner"] == {"id": customer_id}
    # The consumer deletes the message once its handler returned: just after the directory changed.
    await eventually(lambda: messaging.drained(messaging.queue_url))

    closed = await execute(api.customers, CLOSE, {"input": {"id": customer_id}})
    assert closed["data"]["closeCustomer"] == {"customer": {"status": "CLOSED"}, "userErrors": []}

    async def refused() -> bool:
        return await api.create_portfolio_codes(customer_id) == ["CUSTOMER_CLOSED"]

    await eventually(refused)
    await eventually(lambda: messaging.drained(messaging.queue_url))
    assert messaging.count(messaging.dlq_url) == 0
