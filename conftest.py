"""Fixtures shared by every test in the repository.

`dynamodb_endpoint` starts one in-memory DynamoDB Local for the whole test session (the real engine,
DESIGN.md decision 4); tests isolate themselves by creating tables with unique names.
`moto_endpoint` does the same for the AWS services with no local engine (EventBridge, SQS, Secrets
Manager): moto's server, since its in-process mock does not work with aiobotocore. Tests name
their resources uniquely.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import pytest
from devstack import dynamodb_local
from devstack.net import free_port, wait_for_port
from moto.server import ThreadedMotoServer


@pytest.fixture(scope="session")
def dynamodb_endpoint() -> Iterator[str]:
    external = os.environ.get("TEST_DYNAMODB_ENDPOINT")
    if external:
        yield external
        return
    port = free_port()
    process = dynamodb_local.start(port, None, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, timeout=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
