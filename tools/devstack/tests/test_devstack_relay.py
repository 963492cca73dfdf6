"""The relay, a real process over DynamoDB Local's streams and moto's SQS: an event item reaches the
queues of the consumers its route names and no other, as EventBridge delivers it, in order for one
aggregate; anything else in the table is not an event; a killed relay resumes where it stopped."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from devstack.net import free_port
from kit.aws.consumer import IncomingEvent
from kit.aws.outbox import OutgoingEvent
from ulid import ULID

from .relay_support import World


@pytest.fixture
async def world(dynamodb_endpoint: str, moto_endpoint: str, tmp_path: Path) -> AsyncIterator[World]:
    created = await World.create(dynamodb_endpoint, moto_endpoint, tmp_path)
    created.start_relay()
    try:
        yield created
    finally:
        created.stop()


def registered(customer_id: str, sequence: int = 1) -> OutgoingEvent:
    return OutgoingEvent("CustomerRegistered", customer_id, sequence, {"customerId": customer_id})


def test_an_event_reaches_only_the_queues_its_route_names(world: World) -> None:
    customer_id = str(ULID())
    customer_event = world.write("customers", registered(customer_id))
    portfolio_id = str(ULID())
    recorded = OutgoingEvent(
        "ActivityRecorded", portfolio_id, 4, {"portfolioId": portfolio_id, "symbol": "AAPL", "type": "BUY"}
    )
    activity_event = world.write("portfolios", recorded)
    world.write(
        "portfolios", OutgoingEvent("PortfolioRenamed", portfolio_id, 5, {"portfolioId": portfolio_id})
    )

    [to_portfolios] = world.receive("portfolios", 1)
    [to_assets] = world.receive("assets", 1)
    assert to_portfolios["source"] == "portfolio.customers"
    assert to_portfolios["detail-type"] == "CustomerRegistered"
    assert {"id", "time", "account", "region", "version", "resources"} <= set(to_portfolios)
    assert to_portfolios["detail"]["eventId"] == customer_event
    assert to_assets["detail"]["eventId"] == activity_event
    assert to_assets["source"] == "portfolio.portfolios"
    # What the consumer's own code reads from it.
    event = IncomingEvent.from_envelope(json.dumps(to_assets))
    assert (event.type, event.aggregate_id, event.sequence, event.data["symbol"]) == (
        "ActivityRecorded",
        portfolio_id,
        4,
        "AAPL",
    )
    # PortfolioRenamed has no route: it reaches nobody; nothing else arrives anywhere.
    assert world.quiet("assets") and world.quiet("portfolios")


def test_what_is_not_a_new_event_item_is_not_sent(world: World) -> None:
    customer_id = str(ULID())
    # A change that is not an event, an item that claims another kind, and a malformed event item.
    world.write_item("customers", {"pk": {"S": f"CUSTOMER#{customer_id}"}, "sk": {"S": "PROFILE"}})
    world.write_item(
        "customers", {"pk": {"S": "EVENT#x"}, "sk": {"S": "EVENT"}, "kind": {"S": "note"}, "type": {"S": "X"}}
    )
    world.write_item("customers", {"pk": {"S": "EVENT#y"}, "sk": {"S": "EVENT"}, "kind": {"S": "event"}})
    sent = world.write("customers", registered(customer_id))
    # Modifying or deleting an event item is not a new event either.
    key = {"pk": {"S": f"EVENT#{sent}"}, "sk": {"S": "EVENT"}}
    world.dynamodb.update_item(
        TableName=world.config.table("customers"),
        Key=key,
        UpdateExpression="SET note = :n",
        ExpressionAttributeValues={":n": {"S": "touched"}},
    )
    world.dynamodb.delete_item(TableName=world.config.table("customers"), Key=key)

    [only] = world.receive("portfolios", 1)
    assert only["detail"]["eventId"] == sent
    assert world.quiet("portfolios")


def test_the_events_of_one_aggregate_arrive_in_order(world: World) -> None:
    customer_id = str(ULID())
    written = [world.write("customers", registered(customer_id, sequence)) for sequence in range(1, 31)]
    received = world.receive("portfolios", 30)
    assert [message["detail"]["eventId"] for message in received] == written
    assert [message["detail"]["sequence"] for message in received] == list(range(1, 31))


def test_a_killed_relay_resumes_after_its_checkpoint_and_loses_nothing(world: World) -> None:
    customer_id = str(ULID())
    before = [world.write("customers", registered(customer_id, n)) for n in range(1, 11)]
    assert [m["detail"]["eventId"] for m in world.receive("portfolios", 10)] == before
    world.kill_relay()
    during = [world.write("customers", registered(customer_id, n)) for n in range(11, 21)]
    world.start_relay()
    after = [world.write("customers", registered(customer_id, n)) for n in range(21, 26)]

    received = [m["detail"]["eventId"] for m in world.receive("portfolios", 25)]
    assert received == before + during + after  # none lost, none repeated, in order
    assert world.quiet("portfolios")


def test_a_ready_file_left_by_an_earlier_relay_is_removed_before_the_streams_are_found(
    tmp_path: Path,
) -> None:
    """In a container the relay is always pid 1: an old file with "1" in it must not pass for ready
    (docker-compose.yml's health check reads it), so a new relay removes it and writes it only once
    it has found the streams, which it never does against endpoints that do not answer."""
    ready = tmp_path / "ready"
    ready.write_text("1")
    nowhere = f"http://127.0.0.1:{free_port()}"
    relay = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devstack.relay",
            f"--dynamodb-url={nowhere}",
            f"--sqs-url={nowhere}",
            f"--checkpoints={tmp_path / 'checkpoints.json'}",
            f"--ready-file={ready}",
            "--table=customers=customers",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while ready.exists():
            assert relay.poll() is None
            assert time.monotonic() < deadline, "the old ready file is still there"
            time.sleep(0.1)
        time.sleep(2)  # a few discovery attempts later: still not ready
        assert not ready.exists()
        assert relay.poll() is None  # retrying, not gone
    finally:
        relay.terminate()
        relay.wait(timeout=10)
