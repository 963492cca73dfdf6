"""For the relay's tests: the subgraphs' real tables (streams on, as the launcher creates them) and
the consumers' real queues on the session's DynamoDB Local and moto, event items written as a
producer writes them, the relay as its own process, and the queues read back."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from devstack import queues, wiring
from devstack.config import StackConfig
from devstack.tables import create_tables
from kit.aws.outbox import OutgoingEvent, event_item, event_put
from ulid import ULID


def boto(service: str, endpoint: str) -> Any:
    return boto3.client(
        service,
        region_name=queues.REGION,
        endpoint_url=endpoint,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


@dataclass
class World:
    """One isolated set of tables and queues (a unique prefix) and the relay over them."""

    config: StackConfig
    state_dir: Path
    dynamodb: Any
    sqs: Any
    relay: subprocess.Popen[bytes] | None = None
    received: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @classmethod
    async def create(cls, dynamodb_endpoint: str, moto_endpoint: str, state_dir: Path) -> World:
        host, port = moto_endpoint.removeprefix("http://").split(":")
        dynamodb_port = int(dynamodb_endpoint.rsplit(":", 1)[1])
        config = StackConfig(
            ports={"sqs": int(port), "dynamodb": dynamodb_port},
            host=host,
            table_prefix=f"r{str(ULID()).lower()}-",
        )
        await create_tables(config)
        await queues.create_queues(config)
        return cls(config, state_dir, boto("dynamodb", dynamodb_endpoint), boto("sqs", moto_endpoint))

    # -- the relay process -----------------------------------------------------------------------
    def start_relay(self) -> None:
        ready = wiring.relay_ready_file(self.state_dir)
        ready.unlink(missing_ok=True)
        self.relay = subprocess.Popen(
            [sys.executable, *wiring.relay_command(self.config, self.state_dir)[1:]],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while not (ready.exists() and ready.read_text() == str(self.relay.pid)):
            assert self.relay.poll() is None, self.relay.communicate()[0].decode()
            assert time.monotonic() < deadline, "the relay did not start"
            time.sleep(0.05)

    def kill_relay(self) -> None:
        assert self.relay is not None
        self.relay.kill()
        self.relay.communicate(timeout=10)
        self.relay = None

    def stop(self) -> None:
        if self.relay is not None:
            self.relay.terminate()
            self.relay.communicate(timeout=10)
            self.relay = None

    # -- producing -------------------------------------------------------------------------------
    def write(self, source: str, event: OutgoingEvent, **extra: Any) -> str:
        """The event item alone in a transaction, as a producer adds it to its own; its id."""
        item = event_item(event, source=source, occurred_at=datetime.now(UTC))
        put = event_put(self.config.table(source), {**item, **extra})
        self.dynamodb.transact_write_items(TransactItems=[put])
        return str(item["eventId"])

    def write_item(self, source: str, item: dict[str, Any]) -> None:
        self.dynamodb.put_item(TableName=self.config.table(source), Item=item)

    # -- consuming -------------------------------------------------------------------------------
    def receive(self, consumer: str, count: int, within: float = 20.0) -> list[dict[str, Any]]:
        """Reads `consumer`'s queue until `count` messages came (deleting them); their bodies' details
        in the order received."""
        url = queues.queue_url(self.config, consumer)
        got = self.received.setdefault(consumer, [])
        deadline = time.monotonic() + within
        while len(got) < count and time.monotonic() < deadline:
            response = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            for message in response.get("Messages", []):
                got.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return got

    def quiet(self, consumer: str, seconds: float = 1.5) -> bool:
        """Nothing (more) arrives on `consumer`'s queue for `seconds`."""
        before = len(self.received.get(consumer, []))
        return len(self.receive(consumer, before + 1, within=seconds)) == before
