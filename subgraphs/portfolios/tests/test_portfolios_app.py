"""The HTTP surface besides /graphql (/health, /ready; no POST /events any more), and the customer
directory as the event consumer's handler keeps it in DynamoDB: each event once, in any order."""

from datetime import UTC, datetime

import pytest
from kit.aws.dynamo import from_item, to_item
from kit_testing.queues import event_detail, incoming
from portfolios.adapters.table import applied_key, directory_key
from ulid import ULID

CLOSED_AT = datetime(2026, 2, 1, 9, tzinfo=UTC)


async def stored(api, key):
    response = await api.runtime.dynamodb.get_item(
        TableName=api.runtime.settings.table_name, Key=to_item(key), ConsistentRead=True
    )
    item = response.get("Item")
    return from_item(item) if item else None


def customer_event(type_, customer_id, sequence, **more):
    return incoming(event_detail(type_, customer_id, sequence, {"customerId": customer_id}, **more))


async def test_customer_registered_is_recorded_once(api):
    customer_id = str(ULID())
    before = await api.count_items()
    event = customer_event("CustomerRegistered", customer_id, 1)
    await api.runtime.service.apply_customer_event(event)
    entry = await stored(api, directory_key(customer_id))
    assert (entry["customerId"], entry["sequence"]) == (customer_id, 1)
    marker = await stored(api, applied_key(event.event_id))
    assert marker is not None and marker["purgeAt"] > datetime.now(UTC).timestamp() + 13 * 86400

    # At-least-once delivery: the same event again changes nothing, and writes nothing.
    snapshot = await api.snapshot()
    await api.runtime.service.apply_customer_event(event)
    assert await api.snapshot() == snapshot
    assert await api.count_items() == before + 2  # the entry and the event's marker


async def test_customer_closed_is_recorded_once_and_closes_for_good(api):
    customer_id = await api.register_customer()
    closed = customer_event("CustomerClosed", customer_id, 2, occurred_at=CLOSED_AT)
    await api.runtime.service.apply_customer_event(closed)
    entry = await stored(api, directory_key(customer_id))
    assert (entry["sequence"], entry["closedAt"]) == (2, CLOSED_AT.isoformat())
    # Redelivered, and a late registration: nothing changes.
    await api.runtime.service.apply_customer_event(closed)
    await api.runtime.service.apply_customer_event(customer_event("CustomerRegistered", customer_id, 1))
    assert await stored(api, directory_key(customer_id)) == entry
    payload = await api.create_portfolio_payload(customer_id)
    assert [e["code"] for e in payload["userErrors"]] == ["CUSTOMER_CLOSED"]


async def test_out_of_order_ends_as_in_order(api):
    customer_id = str(ULID())
    # Closed before Registered, Updated after Closed.
    for type_, sequence in (("CustomerClosed", 3), ("CustomerRegistered", 1), ("CustomerUpdated", 2)):
        event = customer_event(type_, customer_id, sequence, occurred_at=CLOSED_AT)
        await api.runtime.service.apply_customer_event(event)
    entry = await stored(api, directory_key(customer_id))
    assert (entry["sequence"], entry["closedAt"]) == (3, CLOSED_AT.isoformat())
    payload = await api.create_portfolio_payload(customer_id)
    assert [e["code"] for e in payload["userErrors"]] == ["CUSTOMER_CLOSED"]


async def test_registered_customer_can_open_a_portfolio(api):
    customer_id = str(ULID())
    payload = await api.create_portfolio_payload(customer_id)
    assert [e["code"] for e in payload["userErrors"]] == ["NOT_FOUND"]
    await api.runtime.service.apply_customer_event(customer_event("CustomerUpdated", customer_id, 4))
    assert (await api.create_portfolio(customer_id))["owner"] == {"id": customer_id}


async def test_events_are_not_posted_over_http_any_more(api):
    body = b'{"type": "CustomerRegistered", "customerId": "01J00000000000000000000000"}'
    before = await api.count_items()
    response = await api.http.post("/events", content=body, headers={"content-type": "application/json"})
    assert response.status_code in (404, 405)
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
    assert not hasattr(defaults, "events_push_secret")  # the HTTP push path is gone
    monkeypatch.setenv("PORTFOLIOS_PORT", "5002")
    monkeypatch.setenv("PORTFOLIOS_TABLE_NAME", "portfolios-dev")
    assert (PortfoliosSettings().port, PortfoliosSettings().table_name) == (5002, "portfolios-dev")


@pytest.mark.parametrize("legacy", [{}, {"closedAt": "2025-01-01T00:00:00+00:00"}])
async def test_an_entry_stored_before_sequences_is_read_as_sequence_0(api, legacy):
    customer_id = str(ULID())
    item = {**directory_key(customer_id), "type": "CustomerDirectoryEntry", "customerId": customer_id}
    item["registeredAt"] = "2025-01-01T00:00:00+00:00"
    await api.runtime.dynamodb.put_item(
        TableName=api.runtime.settings.table_name, Item=to_item({**item, **legacy})
    )
    await api.runtime.service.apply_customer_event(customer_event("CustomerUpdated", customer_id, 2))
    entry = await stored(api, directory_key(customer_id))
    assert entry["sequence"] == 2
    assert entry.get("closedAt") == legacy.get("closedAt")  # a legacy close stays final
