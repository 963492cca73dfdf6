"""`python -m devstack.queues`, as docker-compose.yml's `queues` runs it against its moto server:
every routed consumer's queue and dead-letter queue, made once and kept on a second run; an address
that is not `http://host:port`, or a server that never answers, is a clear failure."""

from __future__ import annotations

import json
import subprocess
import sys

import boto3
from devstack import queues
from devstack.net import free_port
from devstack.topology import CONSUMERS


def run(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "devstack.queues", *arguments], capture_output=True, text=True, timeout=90
    )


def test_it_makes_every_consumers_queue_and_dead_letter_queue_once(moto_endpoint: str) -> None:
    first = run("--sqs-url", moto_endpoint)
    assert first.returncode == 0, first.stderr
    urls = dict(line.split(": ", 1) for line in first.stdout.splitlines())
    assert set(urls) == set(CONSUMERS)
    sqs = boto3.client(
        "sqs",
        endpoint_url=moto_endpoint,
        region_name=queues.REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    for url in urls.values():
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        redrive = json.loads(attributes["RedrivePolicy"])
        assert int(redrive["maxReceiveCount"]) == queues.MAX_RECEIVE_COUNT
        dead_letters = sqs.get_queue_url(QueueName=redrive["deadLetterTargetArn"].rsplit(":", 1)[1])[
            "QueueUrl"
        ]
        assert dead_letters == f"{url}-dlq"
    again = run("--sqs-url", moto_endpoint)  # a second `docker compose up`
    assert again.returncode == 0, again.stderr
    assert again.stdout == first.stdout


def test_an_address_that_is_not_host_and_port_is_refused_at_once() -> None:
    refused = run("--sqs-url", "sqs:4566")
    assert refused.returncode == 2
    assert "--sqs-url takes http://host:port" in refused.stderr


def test_a_server_that_never_answers_fails_with_a_sentence() -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    failed = run("--sqs-url", nowhere, "--wait-seconds", "1")
    assert failed.returncode == 1
    assert f"the local SQS at {nowhere} did not answer" in failed.stderr
    assert "Traceback" not in failed.stderr
