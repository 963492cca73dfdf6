"""Events that cannot be lost (DESIGN.md decision 12), on the whole local stack: a service killed
right after its write commits still gets its event delivered, once; a duplicate delivery changes
nothing. (Order per aggregate and a killed relay: test_e2e_events_delivery.py.)

The killed service is a subprocess (crash_after_commit.py) running the service's own use case
against the stack's table: it SIGKILLs itself the moment its TransactWriteItems returns, so nothing
after the commit (an answer, a log line, a publish) ever happens; only the table's stream remains.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from devstack import queues
from devstack.client import GraphQLClient
from devstack.config import StackConfig
from devstack.relay import delivered_form
from devstack.stack import Stack
from kit.aws.outbox import envelope_from_stream_image
from kit_testing import wait_until
from ulid import ULID

from .event_delivery import (
    EVENT_SECONDS,
    applied_markers,
    create_portfolio,
    dynamodb,
    event_items,
    item,
    open_portfolio,
    partition,
    register,
    scan,
    wait_for_directory,
)

pytestmark = pytest.mark.e2e

CRASH_SCRIPT = Path(__file__).with_name("crash_after_commit.py")
# Listed instruments (the simulated feed prices them) that no other e2e test holds: the first one
# whose daily closes the assets service has never stored is the "new symbol" of a test.
UNUSED_SYMBOLS = ("MTUM", "USMV", "SGOV", "JEPI", "VYM", "VIG", "IJR", "IJH", "MDY", "RSP", "BIL", "SOXX")


def crash_after_commit(config: StackConfig, subgraph: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(CRASH_SCRIPT), config.dynamodb_url, config.table(subgraph), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def assert_killed(died: subprocess.CompletedProcess[str]) -> None:
    assert died.returncode == -signal.SIGKILL, (died.returncode, died.stdout[-2000:], died.stderr[-2000:])


@dataclass(frozen=True)
class Crashed:
    customer_id: str
    event: dict[str, Any]  # its CustomerRegistered event item


@pytest.fixture(scope="module")
def crashed_registration(stack: Stack) -> Crashed:
    """A customer registered by a customers service that died the moment the write committed."""
    customer_id = str(ULID())
    email = f"crash-{customer_id.lower()}@example.com"
    died = crash_after_commit(stack.config, "customers", "register-customer", customer_id, email)
    assert_killed(died)
    [event] = event_items(stack.config, "customers", customer_id)
    return Crashed(customer_id, event)


def test_a_registration_killed_right_after_its_commit_still_reaches_portfolios_once(
    stack: Stack, router: GraphQLClient, crashed_registration: Crashed
) -> None:
    crashed = crashed_registration
    # The write committed (the customer and its event item), though the process never answered.
    assert (crashed.event["type"], crashed.event["sequence"]) == ("CustomerRegistered", 1)
    found = router.data("query($id: ID!) { customer(id: $id) { id version } }", {"id": crashed.customer_id})
    assert found["customer"] == {"id": crashed.customer_id, "version": 1}

    # The stream carried it on: portfolios knows the customer, through the router.
    portfolio = {"customerId": crashed.customer_id, "name": "Crashed", "kind": "IRA", "baseCurrency": "USD"}
    created = create_portfolio(router, portfolio)
    assert created["userErrors"] == [], created
    entry = wait_for_directory(stack.config, crashed.customer_id)
    assert entry["sequence"] == 1
    [marker] = applied_markers(stack.config, "portfolios", crashed.event["eventId"])
    assert marker["sk"] == "APPLIED"


def unused_symbol(config: StackConfig) -> str:
    for symbol in UNUSED_SYMBOLS:
        if not partition(config, "assets", f"CLOSES#{symbol}"):
            return symbol
    raise AssertionError(f"every one of {UNUSED_SYMBOLS} has stored closes already")


def test_an_activity_killed_right_after_its_commit_still_gets_its_symbol_backfilled_once(
    stack: Stack, router: GraphQLClient
) -> None:
    config = stack.config
    customer_id = register(router, "Crash Activity")
    portfolio_id = open_portfolio(
        router, {"customerId": customer_id, "name": "Crash book", "kind": "BROKERAGE", "baseCurrency": "USD"}
    )
    symbol = unused_symbol(config)
    trade_date = date.today() - timedelta(days=40)
    yesterday = date.today() - timedelta(days=1)

    buy = ("record-buy", portfolio_id, symbol, trade_date.isoformat())
    died = crash_after_commit(config, "portfolios", *buy)
    assert_killed(died)
    opened, recorded = event_items(config, "portfolios", portfolio_id)
    assert [(e["type"], e["sequence"]) for e in (opened, recorded)] == [
        ("PortfolioOpened", 1),
        ("ActivityRecorded", 2),
    ]
    data = json.loads(recorded["data"])
    assert (data["symbol"], data["tradeDate"]) == (symbol, trade_date.isoformat())

    # assets marks the event applied once its work is done: the closes are stored by then, before
    # anyone asked for a chart of the symbol.
    assert wait_until(lambda: bool(applied_markers(config, "assets", recorded["eventId"])), EVENT_SECONDS)
    assert len(applied_markers(config, "assets", recorded["eventId"])) == 1
    assert partition(config, "assets", f"CLOSES#{symbol}")
    assert item(config, "assets", "CLOSES_SERIES", f"CLOSES#{symbol}") is not None
    backfills = [line for line in stack.child("assets").lines if f"{symbol} backfilled" in line]
    assert len(backfills) == 1, backfills

    chart = router.run(
        "InstrumentHistory", {"symbol": symbol, "from": trade_date.isoformat(), "to": yesterday.isoformat()}
    )["instrument"]
    assert chart["history"], chart
    assert all(trade_date <= date.fromisoformat(point["date"]) <= yesterday for point in chart["history"])


# -- a duplicate delivery ------------------------------------------------------------------------


def sqs(config: StackConfig) -> Any:
    return boto3.client(
        "sqs",
        region_name=queues.REGION,
        endpoint_url=config.sqs_url,
        aws_access_key_id="local",
        aws_secret_access_key="local",  # moto ignores both
    )


def on_queue(client: Any, url: str) -> int:
    """Messages on a queue, visible or being handled."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = client.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(attributes[name]) for name in names)


def wait_drained(client: Any, url: str, *, quiet: float = 1.0) -> None:
    """Until the queue has been empty for `quiet` seconds (nothing still on its way to it either)."""
    deadline = time.monotonic() + EVENT_SECONDS
    empty_since: float | None = None
    while True:
        now = time.monotonic()
        if on_queue(client, url):
            empty_since = None
        elif empty_since is None:
            empty_since = now
        elif now - empty_since >= quiet:
            return
        assert now < deadline, f"{url} was not drained"
        time.sleep(0.05)


def snapshot(config: StackConfig) -> list[dict[str, Any]]:
    return sorted(scan(config, "portfolios"), key=lambda entry: (entry["pk"], entry["sk"]))


def test_a_duplicate_delivery_changes_nothing(stack: Stack, crashed_registration: Crashed) -> None:
    config = stack.config
    crashed = crashed_registration
    entry = wait_for_directory(config, crashed.customer_id)
    client = sqs(config)
    url = queues.queue_url(config, "portfolios")
    dead_letters = queues.dead_letter_queue_url(config, "portfolios")
    wait_drained(client, url)
    before = snapshot(config)

    # The envelope exactly as the relay sent it the first time, from the event item's stream image.
    raw = dynamodb(config.dynamodb_url).get_item(
        TableName=config.table("customers"),
        Key={"pk": {"S": crashed.event["pk"]}, "sk": {"S": crashed.event["sk"]}},
        ConsistentRead=True,
    )["Item"]
    body = json.dumps(delivered_form(envelope_from_stream_image(raw)))
    for _ in range(2):
        client.send_message(QueueUrl=url, MessageBody=body)
    assert on_queue(client, url) >= 1  # on the queue; the consumer takes them from there
    wait_drained(client, url)

    # Received and deleted by the consumer (nothing went to the dead letters), and nothing changed.
    assert on_queue(client, dead_letters) == 0
    assert snapshot(config) == before
    assert wait_for_directory(config, crashed.customer_id) == entry
    assert len(applied_markers(config, "portfolios", crashed.event["eventId"])) == 1
