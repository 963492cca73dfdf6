"""Which transport the customers service publishes its events with: EventBridge when a bus is
configured (AWS), HTTP push when subscribers are (local), else none. Entering the app's lifespan
opens no connection, so no DynamoDB is needed here."""

from __future__ import annotations

from typing import Any

import pytest
from customers.app import CustomersRuntime, CustomersSettings, create_app
from infra.config import CUSTOMERS_EVENT_SOURCE
from kit.aws.events import EventBridgePublisher, HttpPushPublisher, NoEvents
from kit_testing import running_app


async def publisher_for(**settings: Any) -> object:
    app = create_app(CustomersSettings(dynamodb_endpoint_url="http://127.0.0.1:9", **settings))
    async with running_app(app):
        runtime: CustomersRuntime = app.state.runtime
        return runtime.events


async def test_a_bus_means_eventbridge_even_with_subscribers() -> None:
    events = await publisher_for(
        event_bus_name="portfolio-prod", event_subscribers="http://127.0.0.1:4002/events"
    )
    assert isinstance(events, EventBridgePublisher)
    assert events.entry("CustomerRegistered", {"customerId": "c1"}) == {
        "Source": "portfolio.customers",
        "DetailType": "CustomerRegistered",
        "Detail": '{"customerId":"c1"}',
        "EventBusName": "portfolio-prod",
    }


async def test_subscribers_without_a_bus_mean_http_push() -> None:
    assert isinstance(
        await publisher_for(event_subscribers="http://127.0.0.1:4002/events", events_push_secret="k"),
        HttpPushPublisher,
    )


async def test_pushing_without_a_signing_secret_refuses_to_start() -> None:
    with pytest.raises(RuntimeError, match="CUSTOMERS_EVENTS_PUSH_SECRET"):
        await publisher_for(event_subscribers="http://127.0.0.1:4002/events")


async def test_neither_means_no_events() -> None:
    assert isinstance(await publisher_for(), NoEvents)
    assert isinstance(await publisher_for(event_subscribers=" , "), NoEvents)


def test_settings_read_the_variables_infra_sets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CUSTOMERS_EVENT_BUS_NAME", "CUSTOMERS_EVENT_SOURCE", "CUSTOMERS_EVENTS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    defaults = CustomersSettings()
    assert (defaults.event_bus_name, defaults.events_endpoint_url) == ("", None)
    assert defaults.event_source == CUSTOMERS_EVENT_SOURCE == "portfolio.customers"

    monkeypatch.setenv("CUSTOMERS_EVENT_BUS_NAME", "portfolio-staging")
    monkeypatch.setenv("CUSTOMERS_EVENT_SOURCE", "portfolio.customers.staging")
    monkeypatch.setenv("CUSTOMERS_EVENTS_ENDPOINT_URL", "http://127.0.0.1:5000")
    settings = CustomersSettings()
    assert settings.event_bus_name == "portfolio-staging"
    assert settings.event_source == "portfolio.customers.staging"
    assert settings.events_endpoint_url == "http://127.0.0.1:5000"
