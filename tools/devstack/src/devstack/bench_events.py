"""Event relay benchmark: how many events per second the local relay carries, and how long an event
takes from its write to its consumer.

Runs the stack's own pieces on free ports: DynamoDB Local (in memory) with the subgraphs' tables and
their streams, moto's server with the consumers' queues, and the relay as its own process
(`python -m devstack.relay`, as the launcher runs it). Events are written as a producer writes them
(each event item in its own TransactWriteItems) into the customers table; the portfolios queue is
read by concurrent long polls, as the consumer does.

- Backlog: `--backlog` events are written while the relay is stopped; then it starts, and the time
  until the last one is on the queue gives the sustained rate (events/s).
- Steady: `--rate` events/s for `--seconds`; per event, write (commit returned) -> SendMessage (the
  queue's SentTimestamp, in ms) and write -> received by a consumer, as p50/p99.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kit.aws.clients import aws_client, bounded_config
from kit.aws.consumer import IncomingEvent
from kit.aws.outbox import OutgoingEvent, event_item, event_put
from ulid import ULID

from devstack import dynamodb_local, queues, wiring
from devstack.config import StackConfig
from devstack.net import free_ports, wait_for_port
from devstack.tables import create_tables

SOURCE, CONSUMER = "customers", "portfolios"  # a routed pair (topology.toml)
WRITERS = 16
RECEIVERS = 4


@dataclass
class Timings:
    written: dict[str, float] = field(default_factory=dict)  # event id -> epoch seconds at commit
    sent: dict[str, float] = field(default_factory=dict)  # event id -> SentTimestamp (epoch seconds)
    received: dict[str, float] = field(default_factory=dict)  # event id -> epoch seconds at receive
    messages: int = 0  # every message received, a repeated delivery too


@contextlib.contextmanager
def local_services(config: StackConfig) -> Iterator[None]:
    database = dynamodb_local.start(
        config.ports["dynamodb"], None, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    sqs = subprocess.Popen(queues.command(config), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        wait_for_port(config.ports["dynamodb"], timeout=60)
        wait_for_port(config.ports["sqs"], timeout=60)
        yield
    finally:
        for process in (sqs, database):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@contextlib.contextmanager
def relay(config: StackConfig, state_dir: Path) -> Iterator[subprocess.Popen[bytes]]:
    ready = wiring.relay_ready_file(state_dir)
    ready.unlink(missing_ok=True)
    process = subprocess.Popen(  # noqa: S603
        wiring.relay_command(config, state_dir), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while not (ready.exists() and ready.read_text() == str(process.pid)):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the relay did not start")
            time.sleep(0.05)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextlib.asynccontextmanager
async def clients(config: StackConfig) -> AsyncIterator[tuple[Any, Any]]:
    pool = bounded_config(connect_timeout=2, read_timeout=30, max_attempts=3)
    pool = pool.merge(type(pool)(max_pool_connections=WRITERS + RECEIVERS + 4))
    async with (
        aws_client(
            "dynamodb", region=queues.REGION, endpoint_url=config.dynamodb_url, config=pool
        ) as dynamodb,
        aws_client("sqs", region=queues.REGION, endpoint_url=config.sqs_url, config=pool) as sqs,
    ):
        yield dynamodb, sqs


async def write_event(dynamodb: Any, config: StackConfig, timings: Timings, sequence: int) -> None:
    customer = str(ULID())
    item = event_item(
        OutgoingEvent("CustomerUpdated", customer, sequence, {"customerId": customer}),
        source=SOURCE,
        occurred_at=datetime.now(UTC),
    )
    await dynamodb.transact_write_items(TransactItems=[event_put(config.table(SOURCE), item)])
    timings.written[item["eventId"]] = time.time()


async def receive(sqs: Any, url: str, timings: Timings, expected: int, deadline: float) -> None:
    while len(timings.received) < expected and time.monotonic() < deadline:
        response = await sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, AttributeNames=["SentTimestamp"]
        )
        now = time.time()
        messages = response.get("Messages", [])
        timings.messages += len(messages)
        for message in messages:
            event = IncomingEvent.from_envelope(message["Body"])
            timings.received.setdefault(event.event_id, now)
            timings.sent.setdefault(event.event_id, int(message["Attributes"]["SentTimestamp"]) / 1000)
        if messages:
            await sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
            )


async def backlog(config: StackConfig, state_dir: Path, count: int) -> tuple[float, float, float]:
    """For `count` events written before the relay runs, in events/s: the write rate, the relay's
    (until the last SendMessage) and the consumers' (until the last one was received)."""
    timings = Timings()
    async with clients(config) as (dynamodb, sqs):
        started = time.monotonic()
        for first in range(0, count, WRITERS):
            batch = range(first, min(first + WRITERS, count))
            await asyncio.gather(*(write_event(dynamodb, config, timings, n + 1) for n in batch))
        write_rate = count / (time.monotonic() - started)
        url = queues.queue_url(config, CONSUMER)
        with relay(config, state_dir):
            started = time.time()  # the relay has found the streams: it reads from here
            deadline = time.monotonic() + 300
            await asyncio.gather(*(receive(sqs, url, timings, count, deadline) for _ in range(RECEIVERS)))
    if len(timings.received) < count:
        raise RuntimeError(f"only {len(timings.received)} of {count} events arrived")
    relayed = max(timings.sent.values()) - started
    consumed = max(timings.received.values()) - started
    return write_rate, count / relayed, count / consumed


async def steady(config: StackConfig, state_dir: Path, rate: float, seconds: float) -> Timings:
    timings = Timings()
    count = int(rate * seconds)
    async with clients(config) as (dynamodb, sqs):
        url = queues.queue_url(config, CONSUMER)
        with relay(config, state_dir):
            deadline = time.monotonic() + seconds + 60
            receivers = [
                asyncio.create_task(receive(sqs, url, timings, count, deadline)) for _ in range(RECEIVERS)
            ]
            started = time.monotonic()
            writes = []
            for n in range(count):
                # An open loop: each write starts on schedule, whether or not the last one is done.
                await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
                writes.append(asyncio.create_task(write_event(dynamodb, config, timings, n + 1)))
            await asyncio.gather(*writes)
            await asyncio.gather(*receivers)
    return timings


def percentiles(delays: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(delays, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.bench_events", description=__doc__)
    parser.add_argument("--backlog", type=int, default=2000, help="events written before the relay starts")
    parser.add_argument("--rate", type=float, default=100.0, help="steady write rate, events/s")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long the steady phase writes")
    args = parser.parse_args(argv)
    dynamodb_port, sqs_port = free_ports(2)
    config = StackConfig(ports={"dynamodb": dynamodb_port, "sqs": sqs_port}, table_prefix="bench-")
    with local_services(config), tempfile.TemporaryDirectory(prefix="bench-events-") as scratch:
        asyncio.run(create_tables(config))
        asyncio.run(queues.create_queues(config))
        state_dir = Path(scratch)
        write_rate, relay_rate, consumed_rate = asyncio.run(backlog(config, state_dir, args.backlog))
        print("Event relay: DynamoDB Local stream -> relay (own process) -> moto SQS -> consumer polls")
        print(f"backlog of {args.backlog} events (written at {write_rate:.0f}/s, relay stopped), then:")
        print(f"  relay sustained {relay_rate:6.0f} events/s (until the last SendMessage)")
        print(f"  consumers got   {consumed_rate:6.0f} events/s (until the last one was received)")
        timings = asyncio.run(steady(config, state_dir, args.rate, args.seconds))
    expected = int(args.rate * args.seconds)
    arrived = [event for event in timings.written if event in timings.received]
    if len(arrived) < expected:
        print(f"steady: only {len(arrived)} of {expected} events arrived", file=sys.stderr)
        return 1
    to_send = percentiles([max(0.0, timings.sent[e] - timings.written[e]) for e in arrived])
    to_consumer = percentiles([timings.received[e] - timings.written[e] for e in arrived])
    repeated = timings.messages - len(timings.received)
    print(
        f"steady {args.rate:.0f} events/s for {args.seconds:.0f} s: {expected} events, all delivered,"
        f" {repeated} delivered twice"
    )
    print(f"  write -> SendMessage   p50 {to_send[0]:7.1f} ms   p99 {to_send[1]:7.1f} ms")
    print(f"  write -> consumer      p50 {to_consumer[0]:7.1f} ms   p99 {to_consumer[1]:7.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
