"""The HTTP surface besides /graphql: POST /events (customer directory), /health, /ready."""

import pytest
from kit.aws.dynamo import to_item
from portfolios.adapters.table import directory_key
from ulid import ULID


async def directory_entry(api, customer_id):
    response = await api.runtime.dynamodb.get_item(
        TableName=api.runtime.settings.table_name,
        Key=to_item(directory_key(customer_id)),
        ConsistentRead=True,
    )
    return response.get("Item")


async def test_customer_registered_is_recorded_once(api):
    customer_id = str(ULID())
    before = await api.count_items()
    event = {"type": "CustomerRegistered", "customerId": customer_id, "email": "ada@example.com"}
    first = await api.post_event(event)
    assert first.status_code == 202
    assert first.json() == {"status": "accepted", "type": "CustomerRegistered"}
    entry = await directory_entry(api, customer_id)
    assert entry["customerId"] == {"S": customer_id}

    # At-least-once delivery: the same event again changes nothing, not even the registration time.
    again = await api.post_event(event)
    assert again.status_code == 202
    assert await api.count_items() == before + 1
    assert await directory_entry(api, customer_id) == entry


async def test_customer_closed_is_recorded_once_and_closes_for_good(api):
    customer_id = await api.register_customer()
    before = await api.count_items()
    event = {"type": "CustomerClosed", "customerId": customer_id}
    first = await api.post_event(event)
    assert first.status_code == 202
    assert first.json() == {"status": "accepted", "type": "CustomerClosed"}
    entry = await directory_entry(api, customer_id)
    assert "closedAt" in entry
    # Redelivered, and a late duplicate of the registration: nothing changes, not even closedAt.
    assert (await api.post_event(event)).status_code == 202
    registered = {"type": "CustomerRegistered", "customerId": customer_id}
    assert (await api.post_event(registered)).status_code == 202
    assert await directory_entry(api, customer_id) == entry
    assert await api.count_items() == before  # the directory entry is updated in place
    payload = await api.create_portfolio_payload(customer_id)
    assert [e["code"] for e in payload["userErrors"]] == ["CUSTOMER_CLOSED"]


async def test_closed_before_registered_is_still_closed(api):
    customer_id = str(ULID())
    for kind in ("CustomerClosed", "CustomerRegistered"):  # delivered out of order
        response = await api.post_event({"type": kind, "customerId": customer_id})
        assert response.status_code == 202
    payload = await api.create_portfolio_payload(customer_id)
    assert [e["code"] for e in payload["userErrors"]] == ["CUSTOMER_CLOSED"]


async def test_registered_customer_can_open_a_portfolio(api):
    customer_id = str(ULID())
    payload = await api.create_portfolio_payload(customer_id)
    assert [e["code"] for e in payload["userErrors"]] == ["NOT_FOUND"]
    await api.post_event({"type": "CustomerRegistered", "customerId": customer_id})
    assert (await api.create_portfolio(customer_id))["owner"] == {"id": customer_id}


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe",
        b"[]",
        b'"CustomerRegistered"',
        b'{"type": "CustomerRegistered"}',
        b'{"type": "CustomerRegistered", "customerId": "c-1"}',
        b'{"type": "SomethingElse", "customerId": "01J00000000000000000000000"}',
        b'{"type": "CustomerClosed", "customerId": "nope"}',
    ],
)
async def test_malformed_events_are_rejected_and_write_nothing(api, body):
    before = await api.count_items()
    response = await api.post_event(body)
    assert response.status_code == 400
    assert response.json()["status"] == "rejected"
    assert await api.count_items() == before


async def test_health_and_ready(api):
    assert (await api.http.get("/health")).json() == {"status": "ok"}
    ready = await api.http.get("/ready")
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}


def test_settings_defaults(monkeypatch):
    from portfolios.app import PortfoliosSettings

    monkeypatch.delenv("PORTFOLIOS_PORT", raising=False)
    monkeypatch.delenv("PORTFOLIOS_TABLE_NAME", raising=False)
    defaults = PortfoliosSettings()
    assert (defaults.port, defaults.table_name) == (4002, "portfolios")
    monkeypatch.setenv("PORTFOLIOS_PORT", "5002")
    monkeypatch.setenv("PORTFOLIOS_TABLE_NAME", "portfolios-dev")
    assert (PortfoliosSettings().port, PortfoliosSettings().table_name) == (5002, "portfolios-dev")
