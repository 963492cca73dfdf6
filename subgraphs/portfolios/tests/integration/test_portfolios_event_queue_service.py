"""The SQS event consumer inside the running service: started with it when a queue is configured,
cancelled in the middle of its long poll when it stops; the settings infra passes."""

from __future__ import annotations

import time

import pytest
from kit.aws.dynamo import to_item
from kit_testing import create_table, running_app, unique_table_name
from portfolios.adapters import table
from portfolios.app import PortfoliosRuntime, PortfoliosSettings, create_app
from ulid import ULID

from .queues import Queues, envelope, eventually, holds


async def test_the_service_consumes_its_queue_while_it_runs(
    dynamodb_endpoint: str, moto_endpoint: str
) -> None:
    queues = Queues(moto_endpoint)
    settings = PortfoliosSettings(
        dynamodb_endpoint_url=dynamodb_endpoint,
        table_name=unique_table_name("portfolios"),
        graphiql=False,
        events_queue_url=queues.url,
        events_endpoint_url=moto_endpoint,
        events_wait_seconds=20,  # SQS's longest long poll: shutdown must not wait for it
    )
    app = create_app(settings)
    customer_id = str(ULID())
    async with running_app(app) as http:
        runtime: PortfoliosRuntime = app.state.runtime
        await create_table(runtime.dynamodb, table.table_definition(settings.table_name))
        queues.send(envelope("CustomerRegistered", {"customerId": customer_id}))
        key = to_item(table.directory_key(customer_id))

        async def recorded() -> bool:
            item = await runtime.dynamodb.get_item(
                TableName=settings.table_name, Key=key, ConsistentRead=True
            )
            return "Item" in item

        await eventually(recorded)
        await eventually(lambda: holds(queues.count(queues.url) == 0))
        assert (await http.get("/ready")).status_code == 200
        task = runtime.consumer_task
        assert task is not None and not task.done()
        started = time.monotonic()
    # Shutdown cancels the consumer in the middle of its 20 s long poll.
    assert time.monotonic() - started < 5.0
    assert task.cancelled()


async def test_without_a_queue_url_nothing_is_consumed(dynamodb_endpoint: str) -> None:
    settings = PortfoliosSettings(
        dynamodb_endpoint_url=dynamodb_endpoint, table_name="unused", graphiql=False
    )
    app = create_app(settings)
    async with running_app(app):
        runtime: PortfoliosRuntime = app.state.runtime
        assert runtime.consumer is None and runtime.consumer_task is None


def test_settings_read_the_infra_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTFOLIOS_EVENTS_QUEUE_URL", "https://sqs.eu-west-1.amazonaws.com/1/p-events")
    monkeypatch.setenv("PORTFOLIOS_EVENTS_WAIT_SECONDS", "20")
    settings = PortfoliosSettings()
    assert settings.events_queue_url == "https://sqs.eu-west-1.amazonaws.com/1/p-events"
    assert settings.events_wait_seconds == 20
    assert settings.events_endpoint_url is None
    monkeypatch.setenv("PORTFOLIOS_EVENTS_WAIT_SECONDS", "21")  # beyond SQS's longest long poll
    with pytest.raises(ValueError, match="less than or equal to 20"):
        PortfoliosSettings()
