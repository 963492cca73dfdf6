"""The SQS event consumer inside the running service: started with it when a queue is configured,
cancelled in the middle of its long poll when it stops; the settings infra passes."""

from __future__ import annotations

import time

import pytest
from kit.aws.dynamo import to_item
from kit_testing import create_table, running_app, unique_table_name
from kit_testing.queues import EventQueues, event_detail, eventually
from portfolios.adapters import table
from portfolios.app import PortfoliosRuntime, PortfoliosSettings, create_app
from ulid import ULID


async def test_the_service_consumes_its_queue_while_it_runs(
    dynamodb_endpoint: str, moto_endpoint: str
) -> None:
    queues = EventQueues(moto_endpoint, "portfolios-events")
    settings = PortfoliosSettings(
        dynamodb_endpoint_url=dynamodb_endpoint,
        table_name=unique_table_name("portfolios"),
        graphiql=False,
        event_queue_url=queues.url,
        sqs_endpoint_url=moto_endpoint,
        event_wait_seconds=20,  # SQS's longest long poll: shutdown must not wait for it
    )
    app = create_app(settings)
    customer_id = str(ULID())
    async with running_app(app) as http:
        runtime: PortfoliosRuntime = app.state.runtime
        await create_table(runtime.dynamodb, table.table_definition(settings.table_name))
        queues.send_event(event_detail("CustomerRegistered", customer_id, 1, {"customerId": customer_id}))
        # assets' FX closes reach the copy of them through the same queue.
        queues.send_event(
            event_detail(
                "FxRatesStored",
                "EURUSD:2024",
                1,
                {"from": "EUR", "to": "USD", "year": 2024, "rates": {"2024-03-01": "1.0805"}, "source": "x"},
                source="assets",
            )
        )

        async def recorded() -> bool:
            for key in (table.directory_key(customer_id), table.fx_rates_key("EUR", "USD", 2024)):
                item = await runtime.dynamodb.get_item(
                    TableName=settings.table_name, Key=to_item(key), ConsistentRead=True
                )
                if "Item" not in item:
                    return False
            return True

        await eventually(recorded)

        async def drained() -> bool:
            return queues.count(queues.url) == 0

        await eventually(drained)
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
        assert runtime.consumer_task is None


def test_settings_read_the_infra_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTFOLIOS_EVENT_QUEUE_URL", "https://sqs.eu-west-1.amazonaws.com/1/p-events")
    monkeypatch.setenv("PORTFOLIOS_EVENT_WAIT_SECONDS", "20")
    settings = PortfoliosSettings()
    assert settings.event_queue_url == "https://sqs.eu-west-1.amazonaws.com/1/p-events"
    assert settings.event_wait_seconds == 20
    assert settings.sqs_endpoint_url is None
    monkeypatch.setenv("PORTFOLIOS_SQS_ENDPOINT_URL", "http://127.0.0.1:5000")
    assert PortfoliosSettings().sqs_endpoint_url == "http://127.0.0.1:5000"
    monkeypatch.setenv("PORTFOLIOS_EVENT_WAIT_SECONDS", "21")  # beyond SQS's longest long poll
    with pytest.raises(ValueError, match="less than or equal to 20"):
        PortfoliosSettings()
