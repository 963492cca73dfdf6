"""The local SQS: moto's server, one event queue and its dead-letter queue per consumer that
topology.toml routes events to, configured like infra's consumer queues (a message received 5 times
without being deleted moves to the dead-letter queue) but with a short visibility timeout, so that a
failed event comes back within seconds on a laptop.

The launcher creates the queues itself; docker-compose.yml runs `python -m devstack.queues
--sqs-url http://sqs:4566` once its moto server is up (tools/devstack/Dockerfile).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from urllib.parse import urlsplit

from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError
from kit.aws.clients import aws_client

from devstack.config import StackConfig
from devstack.topology import CONSUMERS

REGION = "us-east-1"  # moto keeps queues per region: the relay and every consumer use this one
ACCOUNT = "123456789012"  # moto's default account, part of every queue URL
MAX_RECEIVE_COUNT = 5
VISIBILITY_TIMEOUT_SECONDS = 5
DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600  # SQS's longest: time to look and redrive


def command(config: StackConfig) -> list[str]:
    """moto's server on the stack's address and SQS port (in memory: queues live as long as it)."""
    return [sys.executable, "-m", "moto.server", "-H", config.host, "-p", str(config.ports["sqs"])]


def queue_url(config: StackConfig, consumer: str) -> str:
    """Where a consumer's queue is: moto's URLs are the endpoint, the account and the name."""
    return f"{config.sqs_url}/{ACCOUNT}/{config.queue(consumer)}"


def dead_letter_queue_url(config: StackConfig, consumer: str) -> str:
    return f"{queue_url(config, consumer)}-dlq"


def queue_urls(config: StackConfig) -> dict[str, str]:
    return {consumer: queue_url(config, consumer) for consumer in CONSUMERS}


async def create_queues(config: StackConfig) -> dict[str, str]:
    """Every consumer's queue and dead-letter queue (an existing one is kept); consumer -> URL."""
    async with aws_client("sqs", region=REGION, endpoint_url=config.sqs_url) as sqs:
        for consumer in CONSUMERS:
            name = config.queue(consumer)
            dead_letters = await sqs.create_queue(
                QueueName=f"{name}-dlq",
                Attributes={"MessageRetentionPeriod": str(DEAD_LETTER_RETENTION_SECONDS)},
            )
            arn = (
                await sqs.get_queue_attributes(QueueUrl=dead_letters["QueueUrl"], AttributeNames=["QueueArn"])
            )["Attributes"]["QueueArn"]
            redrive = {"deadLetterTargetArn": arn, "maxReceiveCount": str(MAX_RECEIVE_COUNT)}
            created = await sqs.create_queue(
                QueueName=name,
                Attributes={
                    "VisibilityTimeout": str(VISIBILITY_TIMEOUT_SECONDS),
                    "RedrivePolicy": json.dumps(redrive),
                },
            )
            if created["QueueUrl"] != queue_url(config, consumer):  # the wiring hands out queue_url()
                raise RuntimeError(f"moto answered {created['QueueUrl']} for {name}")
    return queue_urls(config)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devstack.queues",
        description="Creates every routed consumer's event queue and dead-letter queue on a local SQS "
        "(moto) unless they exist, waiting for it to answer.",
    )
    parser.add_argument("--sqs-url", required=True, help="the local SQS (moto) endpoint, http://host:port")
    parser.add_argument("--wait-seconds", type=float, default=60.0, help="how long to wait for it")
    args = parser.parse_args(argv)
    endpoint = urlsplit(args.sqs_url)
    if (
        endpoint.scheme != "http"
        or not endpoint.hostname
        or not endpoint.port
        or endpoint.path not in ("", "/")
    ):
        parser.error(f"--sqs-url takes http://host:port, not {args.sqs_url!r}")
    config = StackConfig(ports={"sqs": endpoint.port}, host=endpoint.hostname)
    deadline = time.monotonic() + args.wait_seconds
    while True:
        try:
            urls = asyncio.run(create_queues(config))
            break
        except (OSError, EndpointConnectionError, ConnectTimeoutError) as error:
            if time.monotonic() >= deadline:
                print(f"the local SQS at {args.sqs_url} did not answer: {error}", file=sys.stderr)
                return 1
            print(f"waiting for the local SQS: {error}", flush=True)
            time.sleep(1)
    for consumer, url in urls.items():
        print(f"{consumer}: {url}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
