"""The local stand-in for the EventBridge Pipes, bus and rules (DESIGN.md decision 12): it reads every
subgraph table's DynamoDB Local stream and sends each event item to the SQS queue (moto) of every
consumer whose route (topology.toml) carries it, as EventBridge would deliver it there.

Only INSERT records of items with kind = "event" are events (kit.aws.outbox); their envelope is
`envelope_from_stream_image(NewImage)`, the same function that documents the Pipe's template. The
relay keeps, per shard, the sequence number of the last record it delivered in a checkpoint file
and resumes AFTER it (TRIM_HORIZON for a shard it has none for): a restart neither loses an event
nor, but for the page that was in flight, repeats one; consumers dedupe by event id anyway. A shard
is read only once its parent shard is done, so one item's events stay in stream order.

Run as `python -m devstack.relay --table customers=customers ... --queue portfolios=<url> ...`; the
launcher (devstack.stack) supervises it like its other processes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import sys
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kit.aws.clients import aws_client, bounded_config
from kit.aws.outbox import EVENT_KIND, MalformedEventImage, envelope_from_stream_image

from devstack.queues import ACCOUNT, REGION
from devstack.topology import ROUTES, Route

log = logging.getLogger("devstack.relay")

SEND_BATCH = 10  # SendMessageBatch's limit
RECORDS_PER_PAGE = 1000  # GetRecords' limit


class DeliveryFailed(RuntimeError):
    """SQS refused some of a page's messages; the page is read and sent again."""


class Checkpoints:
    """The last delivered sequence number per (stream, shard), in one JSON file replaced atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._positions: dict[str, str] = {}
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            loaded = {}
        except ValueError:
            log.warning("checkpoint file %s is unreadable; reading every stream from its start", path)
            loaded = {}
        if isinstance(loaded, dict):
            self._positions = {str(key): str(value) for key, value in loaded.items()}

    @staticmethod
    def _key(stream_arn: str, shard_id: str) -> str:
        return f"{stream_arn} {shard_id}"

    def get(self, stream_arn: str, shard_id: str) -> str | None:
        return self._positions.get(self._key(stream_arn, shard_id))

    def set(self, stream_arn: str, shard_id: str, sequence_number: str) -> None:
        self._positions[self._key(stream_arn, shard_id)] = sequence_number
        self.path.parent.mkdir(parents=True, exist_ok=True)
        scratch = self.path.with_name(f"{self.path.name}.tmp")
        scratch.write_text(json.dumps(self._positions, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(scratch, self.path)  # a crash leaves the old file or the new one, never half of one


@dataclass
class Shard:
    source: str  # the subgraph whose table this stream belongs to
    stream_arn: str
    shard_id: str
    parent_id: str | None
    iterator: str | None = None
    finished: bool = False
    from_horizon: bool = False  # the records after the checkpoint are gone: start at the oldest


def delivered_form(envelope: Mapping[str, Any], *, now: datetime | None = None) -> dict[str, Any]:
    """The envelope as EventBridge hands it to an SQS target: with an id, a time and the account."""
    instant = (now or datetime.now(UTC)).astimezone(UTC)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": envelope["detail-type"],
        "source": envelope["source"],
        "account": ACCOUNT,
        "time": instant.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [],
        "detail": envelope["detail"],
    }


def routed(source: str, event_type: str, routes: Iterable[Route]) -> list[str]:
    return [route.consumer for route in routes if route.carries(source, event_type)]


class Relay:
    def __init__(
        self,
        *,
        dynamodb: Any,
        streams: Any,
        sqs: Any,
        tables: Mapping[str, str],
        queues: Mapping[str, str],
        checkpoints: Checkpoints,
        routes: Iterable[Route] = ROUTES,
        idle_seconds: float = 0.05,
        discover_seconds: float = 1.0,
    ) -> None:
        self._dynamodb = dynamodb
        self._streams = streams
        self._sqs = sqs
        self._tables = dict(tables)  # source subgraph -> table name
        self._queues = dict(queues)  # consumer subgraph -> queue URL
        self._routes = tuple(routes)
        self.checkpoints = checkpoints
        self._idle_seconds = idle_seconds
        self._discover_seconds = discover_seconds
        self._shards: dict[tuple[str, str], Shard] = {}
        self.sent = 0  # messages sent (one event routed to two consumers counts twice)
        self.skipped = 0  # event items that are not well formed: logged, never sent

    # -- the loop --------------------------------------------------------------------------------
    async def run(self, *, started: asyncio.Event | None = None) -> None:
        """Relays until cancelled; every failure is logged and retried after a pause."""
        next_discovery = 0.0
        failures = 0
        while True:
            try:
                if time.monotonic() >= next_discovery:
                    await self.discover()
                    next_discovery = time.monotonic() + self._discover_seconds
                    if started is not None:
                        started.set()
                busy = await self.pump()
                failures = 0
            except Exception as error:
                failures += 1
                delay = min(5.0, 0.1 * 2 ** min(failures, 6))
                log.warning("relay: %s: %s; retrying in %.1f s", type(error).__name__, error, delay)
                await asyncio.sleep(delay)
                continue
            if not busy:
                await asyncio.sleep(self._idle_seconds)

    async def discover(self) -> None:
        """The current stream of every table and its shards (new ones appear as shards roll over,
        and a table created anew, e.g. by a restarted in-memory DynamoDB Local, has a new stream)."""
        for source, table in self._tables.items():
            try:
                description = (await self._dynamodb.describe_table(TableName=table))["Table"]
            except self._dynamodb.exceptions.ResourceNotFoundException:
                continue  # not created yet
            stream_arn = description.get("LatestStreamArn")
            if not stream_arn or not description.get("StreamSpecification", {}).get("StreamEnabled"):
                continue
            for shard in await self._describe_shards(stream_arn):
                key = (stream_arn, shard["ShardId"])
                if key not in self._shards:
                    self._shards[key] = Shard(
                        source, stream_arn, shard["ShardId"], shard.get("ParentShardId")
                    )

    async def _describe_shards(self, stream_arn: str) -> list[dict[str, Any]]:
        shards: list[dict[str, Any]] = []
        request: dict[str, Any] = {"StreamArn": stream_arn}
        while True:
            try:
                description = (await self._streams.describe_stream(**request))["StreamDescription"]
            except self._streams.exceptions.ResourceNotFoundException:
                return shards
            shards.extend(description.get("Shards", []))
            last = description.get("LastEvaluatedShardId")
            if not last:
                return shards
            request["ExclusiveStartShardId"] = last

    async def pump(self) -> bool:
        """One GetRecords on every shard that may be read now; True when any had records."""
        ready = [shard for shard in self._shards.values() if not shard.finished and self._parent_done(shard)]
        results = await asyncio.gather(*(self._pump_shard(shard) for shard in ready))
        return any(results)

    def _parent_done(self, shard: Shard) -> bool:
        parent = self._shards.get((shard.stream_arn, shard.parent_id or ""))
        return parent is None or parent.finished  # no parent, or one trimmed away, or read to its end

    async def _pump_shard(self, shard: Shard) -> bool:
        if shard.iterator is None:
            shard.iterator = await self._iterator(shard)
            if shard.iterator is None:
                return False
        try:
            page = await self._streams.get_records(ShardIterator=shard.iterator, Limit=RECORDS_PER_PAGE)
        except self._streams.exceptions.ExpiredIteratorException:
            shard.iterator = None  # from the checkpoint again
            return False
        except self._streams.exceptions.TrimmedDataAccessException:
            # In AWS: the records at the iterator have expired (24 h), so read on from the oldest.
            # DynamoDB Local also says so for a shard with no record yet once another table's write
            # has moved its (global) sequence numbers on: a new iterator at the horizon reads on.
            shard.iterator = None
            shard.from_horizon = True
            return False
        except self._streams.exceptions.ResourceNotFoundException:
            shard.finished = True  # the table (and so its stream) is gone
            return False
        records = page.get("Records", [])
        shard.from_horizon = False  # reading again: from now on the checkpoint is ahead of the horizon
        if records:
            try:
                await self._deliver(shard.source, records)
            except BaseException:
                shard.iterator = None  # the next attempt reads this page again from the checkpoint
                raise
            self.checkpoints.set(shard.stream_arn, shard.shard_id, records[-1]["dynamodb"]["SequenceNumber"])
        shard.iterator = page.get("NextShardIterator")
        if shard.iterator is None:
            shard.finished = True  # a closed shard read to its end: its children come next
        return bool(records)

    async def _iterator(self, shard: Shard) -> str | None:
        position = None if shard.from_horizon else self.checkpoints.get(shard.stream_arn, shard.shard_id)
        request: dict[str, Any] = {"StreamArn": shard.stream_arn, "ShardId": shard.shard_id}
        if position is None:
            request["ShardIteratorType"] = "TRIM_HORIZON"
        else:
            request |= {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": position}
        try:
            response = await self._streams.get_shard_iterator(**request)
        except self._streams.exceptions.TrimmedDataAccessException:
            log.warning("relay: records after the checkpoint of %s were trimmed; reading on", shard.shard_id)
            response = await self._streams.get_shard_iterator(
                StreamArn=shard.stream_arn, ShardId=shard.shard_id, ShardIteratorType="TRIM_HORIZON"
            )
        except self._streams.exceptions.ResourceNotFoundException:
            shard.finished = True
            return None
        iterator: str | None = response.get("ShardIterator")
        if iterator is None:
            shard.finished = True
        return iterator

    # -- delivery --------------------------------------------------------------------------------
    async def _deliver(self, source: str, records: list[dict[str, Any]]) -> None:
        """Every event of one page onto its consumers' queues, in stream order within each queue."""
        outgoing: dict[str, list[str]] = {}
        for record in records:
            envelope = self._envelope(source, record)
            if envelope is None:
                continue
            body = json.dumps(delivered_form(envelope), separators=(",", ":"))
            for consumer in routed(source, envelope["detail-type"], self._routes):
                url = self._queues.get(consumer)
                if url is None:
                    log.warning(
                        "relay: no queue for consumer %s; its %s events are dropped", consumer, source
                    )
                    continue
                outgoing.setdefault(url, []).append(body)
        await asyncio.gather(*(self._send(url, bodies) for url, bodies in outgoing.items()))

    def _envelope(self, source: str, record: Mapping[str, Any]) -> dict[str, Any] | None:
        if record.get("eventName") != "INSERT":
            return None
        image = record.get("dynamodb", {}).get("NewImage") or {}
        if image.get("kind", {}).get("S") != EVENT_KIND:
            return None
        try:
            envelope = envelope_from_stream_image(image)
        except MalformedEventImage as error:
            self.skipped += 1
            log.error("relay: an event item in the %s table is malformed and not sent: %s", source, error)
            return None
        # As the Pipe does, the table names the source (an item cannot speak for another service).
        return {**envelope, "source": f"portfolio.{source}"}

    async def _send(self, url: str, bodies: list[str]) -> None:
        # Batches one after the other: a queue receives a page's events in stream order.
        for start in range(0, len(bodies), SEND_BATCH):
            batch = bodies[start : start + SEND_BATCH]
            response = await self._sqs.send_message_batch(
                QueueUrl=url,
                Entries=[{"Id": str(index), "MessageBody": body} for index, body in enumerate(batch)],
            )
            failed = response.get("Failed") or []
            if failed:
                raise DeliveryFailed(f"{len(failed)} of {len(batch)} messages refused by {url}: {failed[0]}")
            self.sent += len(batch)


def _pairs(values: list[str], what: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        name, separator, target = value.partition("=")
        if not separator or not name or not target:
            raise SystemExit(f"--{what} takes NAME=VALUE, not {value!r}")
        pairs[name] = target
    return pairs


async def serve(args: argparse.Namespace) -> None:
    tables = _pairs(args.table, "table")
    queues = _pairs(args.queue, "queue")
    if args.ready_file is not None:
        # One left by an earlier relay (a restarted container's, whose pid was 1 too) says nothing yet.
        args.ready_file.unlink(missing_ok=True)
    config = bounded_config(connect_timeout=2, read_timeout=10, max_attempts=3)
    async with contextlib.AsyncExitStack() as stack:
        dynamodb, streams, sqs = [
            await stack.enter_async_context(
                aws_client(service, region=args.region, endpoint_url=url, config=config)
            )
            for service, url in (
                ("dynamodb", args.dynamodb_url),
                ("dynamodbstreams", args.dynamodb_url),
                ("sqs", args.sqs_url),
            )
        ]
        relay = Relay(
            dynamodb=dynamodb,
            streams=streams,
            sqs=sqs,
            tables=tables,
            queues=queues,
            checkpoints=Checkpoints(args.checkpoints),
        )
        started = asyncio.Event()
        task = asyncio.create_task(relay.run(started=started))
        await started.wait()
        if args.ready_file is not None:
            args.ready_file.parent.mkdir(parents=True, exist_ok=True)
            args.ready_file.write_text(str(os.getpid()), encoding="utf-8")
        print(
            f"relaying the events of {', '.join(tables)} to {', '.join(queues) or 'no queue'}",
            flush=True,
        )
        await task


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.relay", description=__doc__)
    parser.add_argument("--dynamodb-url", required=True, help="DynamoDB Local's endpoint")
    parser.add_argument("--sqs-url", required=True, help="the local SQS (moto) endpoint")
    parser.add_argument("--region", default=REGION)
    parser.add_argument("--checkpoints", type=Path, required=True, help="the checkpoint file")
    parser.add_argument("--ready-file", type=Path, help="written with the pid once the streams are found")
    parser.add_argument("--table", action="append", default=[], help="SOURCE=TABLE, once per subgraph")
    parser.add_argument("--queue", action="append", default=[], help="CONSUMER=QUEUE_URL, once per consumer")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
