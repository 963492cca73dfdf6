"""Events on the whole local stack, continued (test_e2e_events.py: a service killed after its commit,
duplicates): one portfolio's events are numbered without a gap and consumed in that order; events
written while the relay is killed arrive once the supervisor has restarted it; and, for the note,
how long a customer's registration takes to reach portfolios' directory (printed, not asserted).
"""

from __future__ import annotations

import signal
import statistics
import threading
import time
from typing import Any

import pytest
from devstack.client import GraphQLClient
from devstack.stack import Stack
from kit_testing import wait_until

from .event_delivery import (
    EVENT_SECONDS,
    applied_markers,
    dynamodb,
    event_items,
    open_portfolio,
    register,
    wait_for_directory,
)
from .ledger_books import money, record

pytestmark = pytest.mark.e2e

# An instrument no provider lists: the assets consumer then logs, per event it is given, that it has
# nothing to prepare, naming the event: the order of those lines is the order it consumed them in.
UNLISTED = "ZZEVORDER"
NOTHING_TO_PREPARE = "is not a listed instrument"
CONSUMED_BY_ASSETS = ("ActivityRecorded", "ActivityCorrected")  # topology.toml's route


def correct(router: GraphQLClient, activity_id: str, quantity: str) -> None:
    router.mutate("CorrectActivity", {"input": {"activityId": activity_id, "quantity": quantity}})


def test_one_portfolios_events_are_numbered_without_gap_and_consumed_in_order(
    stack: Stack, router: GraphQLClient
) -> None:
    config = stack.config
    customer_id = register(router, "Event Order")
    portfolio_id = open_portfolio(
        router, {"customerId": customer_id, "name": "Order", "kind": "BROKERAGE", "baseCurrency": "USD"}
    )
    buy = {"type": "BUY", "symbol": UNLISTED, "price": money("10")}
    first = record(router, portfolio_id, **buy, quantity="1", occurredAt="2024-01-02")["activity"]["id"]
    correct(router, first, "2")
    second = record(router, portfolio_id, **buy, quantity="1", occurredAt="2024-02-01")["activity"]["id"]
    correct(router, second, "3")
    router.mutate("RemoveActivity", {"input": {"activityId": first}})
    router.mutate("RenamePortfolio", {"input": {"id": portfolio_id, "name": "Order, renamed"}})
    third = record(router, portfolio_id, **buy, quantity="4", occurredAt="2023-12-01")["activity"]["id"]
    correct(router, third, "5")
    correct(router, second, "6")

    events = event_items(config, "portfolios", portfolio_id)
    assert [(e["sequence"], e["type"]) for e in events] == list(
        enumerate(
            [
                "PortfolioOpened",
                "ActivityRecorded",
                "ActivityCorrected",
                "ActivityRecorded",
                "ActivityCorrected",
                "ActivityRemoved",
                "PortfolioRenamed",
                "ActivityRecorded",
                "ActivityCorrected",
                "ActivityCorrected",
            ],
            start=1,
        )
    )
    routed = [e["eventId"] for e in events if e["type"] in CONSUMED_BY_ASSETS]

    def all_applied() -> bool:
        return all(applied_markers(config, "assets", event_id) for event_id in routed)

    assert wait_until(all_applied, timeout=EVENT_SECONDS), "assets did not apply every activity event"
    consumed: list[str] = []
    for line in stack.child("assets").lines:
        if NOTHING_TO_PREPARE in line:
            consumed += [e for e in routed if e in line and e not in consumed]
    assert consumed == routed  # in the order of their sequence


def test_events_written_while_the_relay_is_killed_arrive_after_its_restart(
    stack: Stack, router: GraphQLClient
) -> None:
    config = stack.config
    relay, restarts = stack.process("relay"), stack.restarts("relay")
    before = [register(router, "Before The Kill") for _ in range(3)]
    relay.send_signal(signal.SIGKILL)
    during = [register(router, "Relay Down")]
    # Written while no relay ran: the old one is dead, its replacement not started or not ready yet.
    assert relay.wait(timeout=5) == -signal.SIGKILL
    child = stack.supervisor.children["relay"]
    assert child.process.pid == relay.pid or child.state != "ready"
    during += [register(router, "Relay Down") for _ in range(4)]
    stack.wait_ready("relay")
    assert stack.restarts("relay") == restarts + 1
    after = [register(router, "After The Restart") for _ in range(3)]

    for customer_id in before + during + after:
        assert wait_for_directory(config, customer_id)["sequence"] == 1
        [event] = event_items(config, "customers", customer_id)
        assert len(applied_markers(config, "portfolios", event["eventId"])) == 1


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def test_registration_to_portfolios_directory_delay(
    stack: Stack, router: GraphQLClient, capsys: pytest.CaptureFixture[str]
) -> None:
    """write (registerCustomer answered through the router) -> consumer (portfolios' directory has
    the customer: found by a poller of BatchGetItem on its table, every ~10 ms), for 200 customers."""
    count = 200
    config = stack.config
    written: dict[str, float] = {}
    arrived: dict[str, float] = {}
    done = threading.Event()
    client = dynamodb(config.dynamodb_url)

    def poll() -> None:
        while not done.is_set():
            waiting = [customer for customer in list(written) if customer not in arrived]
            for start in range(0, len(waiting), 100):
                keys = [
                    {"pk": {"S": f"CUSTOMER#{customer}"}, "sk": {"S": "DIRECTORY"}}
                    for customer in waiting[start : start + 100]
                ]
                table = config.table("portfolios")
                response: dict[str, Any] = client.batch_get_item(
                    RequestItems={table: {"Keys": keys, "ConsistentRead": True, "ProjectionExpression": "pk"}}
                )
                now = time.monotonic()
                for found in response["Responses"][table]:
                    arrived.setdefault(found["pk"]["S"].removeprefix("CUSTOMER#"), now)
            time.sleep(0.01)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    started = time.monotonic()
    try:
        for _ in range(count):
            customer_id = register(router, "Delay Probe")
            written[customer_id] = time.monotonic()
        wrote = time.monotonic() - started
        assert wait_until(lambda: len(arrived) == count, timeout=EVENT_SECONDS)
    finally:
        done.set()
        poller.join(timeout=5)
    delays = [(arrived[customer] - written[customer]) * 1000 for customer in written]
    with capsys.disabled():
        print(
            f"\nwrite -> consumer (registerCustomer answered -> portfolios' directory entry), {count} "
            f"customers at {count / wrote:.0f}/s: p50 {statistics.median(delays):.0f} ms, "
            f"p99 {percentile(delays, 0.99):.0f} ms, max {max(delays):.0f} ms"
        )
