"""The events of the customers service as the table's stream carries them out: each change writes
its event item in its own transaction (kit.aws.outbox's attributes), and a refused change none."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from customers.adapters.repository import DynamoCustomerRepository
from customers.adapters.table import table_definition
from customers.domain.commands import CloseCustomer, RegisterCustomer, UpdateCustomer
from customers.services import CustomerService
from kit.aws.dynamo import dynamodb_client, ensure_table, from_item
from kit.core.errors import InputProblems
from kit.core.principal import Principal
from kit.web.settings import ServiceSettings
from kit_testing import FixedClock, unique_table_name
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from ulid import ULID

ADMIN = Principal.of("admin-1", ["admin"])
START = datetime(2026, 12, 3, 18, 0, 0, 123456, tzinfo=UTC)


class World:
    def __init__(self, client: Any, table: str) -> None:
        self.client, self.table = client, table
        self.clock = FixedClock(START)
        self.customers = CustomerService(DynamoCustomerRepository(client, table), clock=self.clock).customers

    async def items(self) -> list[dict[str, Any]]:
        return [from_item(i) for i in (await self.client.scan(TableName=self.table))["Items"]]

    async def events(self) -> list[dict[str, Any]]:
        found = [i for i in await self.items() if i.get("kind") == "event"]
        return sorted(found, key=lambda i: (i["aggregateId"], i["sequence"]))


@pytest.fixture
async def world(dynamodb_endpoint: str) -> AsyncIterator[World]:
    table = unique_table_name("customers")
    async with dynamodb_client(ServiceSettings(dynamodb_endpoint_url=dynamodb_endpoint)) as client:
        await ensure_table(client, table_definition(table))
        yield World(client, table)


async def test_each_change_writes_one_event_item_with_the_outbox_attributes(world: World) -> None:
    ada = await world.customers.register(ADMIN, RegisterCustomer(email="ada@example.com", name="Ada"))
    world.clock.advance(seconds=5)
    await world.customers.update(
        ADMIN, UpdateCustomer(customer_id=ada.id, expected_version=1, name="Ada L", email="l@example.com")
    )
    world.clock.advance(seconds=5)
    await world.customers.close(ADMIN, CloseCustomer(customer_id=ada.id))
    events = await world.events()
    assert [(e["type"], e["sequence"]) for e in events] == [
        ("CustomerRegistered", 1),
        ("CustomerUpdated", 2),
        ("CustomerClosed", 3),
    ]
    for n, event in enumerate(events):
        occurred = START + timedelta(seconds=5 * n)
        assert event == {
            "pk": f"EVENT#{event['eventId']}",
            "sk": "EVENT",
            "kind": "event",
            "eventId": event["eventId"],
            "type": event["type"],
            "source": "customers",
            "aggregateId": ada.id,
            "sequence": n + 1,
            "occurredAt": occurred.isoformat().replace("+00:00", "Z"),
            "data": json.dumps({"customerId": ada.id}, separators=(",", ":")),  # no name, no email
            "purgeAt": int((occurred + timedelta(days=7)).timestamp()),
        }  # no traceparent: nothing was being traced
        assert str(ULID.from_str(event["eventId"])) == event["eventId"]
    assert len({e["eventId"] for e in events}) == 3


async def test_an_event_written_while_tracing_carries_the_trace_context(world: World) -> None:
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("registerCustomer") as span:
        ada = await world.customers.register(ADMIN, RegisterCustomer(email="ada@example.com", name="Ada"))
        context = span.get_span_context()
    [event] = await world.events()
    assert event["aggregateId"] == ada.id
    version, trace_id, parent_id, _flags = event["traceparent"].split("-")
    assert (version, trace_id, parent_id) == (
        "00",
        trace.format_trace_id(context.trace_id),
        trace.format_span_id(context.span_id),
    )


async def test_refused_changes_write_no_event(world: World) -> None:
    ada = await world.customers.register(ADMIN, RegisterCustomer(email="ada@example.com", name="Ada"))
    bob = await world.customers.register(ADMIN, RegisterCustomer(email="bob@example.com", name="Bob"))
    before = await world.items()
    refusals = [
        world.customers.register(
            ADMIN, RegisterCustomer(email="ADA@example.com", name="Copy")
        ),  # EMAIL_TAKEN
        world.customers.register(
            ADMIN, RegisterCustomer(email="new@example.com", name="Again", customer_id=ada.id)
        ),  # ALREADY_REGISTERED
        world.customers.update(
            ADMIN, UpdateCustomer(customer_id=bob.id, expected_version=1, email="ada@example.com")
        ),
        world.customers.update(ADMIN, UpdateCustomer(customer_id=bob.id, expected_version=7, name="Stale")),
        world.customers.close(ADMIN, CloseCustomer(customer_id=bob.id, expected_version=3)),
    ]
    codes = []
    for refusal in refusals:
        with pytest.raises(InputProblems) as raised:
            await refusal
        codes.append(raised.value.problems[0].code)
    assert codes == ["EMAIL_TAKEN", "ALREADY_REGISTERED", "EMAIL_TAKEN", "CONFLICT", "CONFLICT"]
    # An update that changes nothing is no change either.
    await world.customers.update(ADMIN, UpdateCustomer(customer_id=bob.id, expected_version=1, name="Bob"))
    assert await world.items() == before
    assert [(e["type"], e["aggregateId"]) for e in await world.events()] == sorted(
        [("CustomerRegistered", ada.id), ("CustomerRegistered", bob.id)], key=lambda e: e[1]
    )
