"""docker-compose.yml's event path is the launcher's (DESIGN.md decision 12, Docker cannot run here):
moto's server as the local SQS (`sqs`), devstack.queues making every routed consumer's queue and
dead-letter queue (`queues`), devstack.relay from every table's stream to those queues (`relay`), all
three from devstack's own image (tools/devstack/Dockerfile), each with the launcher's own command
(devstack.queues.command, devstack.wiring.relay_command) translated to container addresses. The
image built and these commands run: test_deploy_devstack_image.py.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from devstack import queues, wiring
from devstack.stack import Stack
from devstack.topology import CONSUMERS, SUBGRAPH_NAMES, subgraph

from .compose_support import COMPOSE_FILE, in_containers, launcher_stack, load_compose

DEVSTACK_IMAGE = {
    "image": "portfolio-supergraph/devstack:local",
    "build": {"context": ".", "dockerfile": "tools/devstack/Dockerfile"},
}
EVENT_PATH = ("sqs", "queues", "relay")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


@pytest.fixture(scope="module")
def launcher() -> Stack:
    return launcher_stack()


def in_container(command: list[str]) -> list[str]:
    """A launcher command line as a container of the devstack image runs it."""
    assert command[0] == sys.executable  # the launcher's own interpreter; the image's is `python`
    return ["python", *(in_containers(argument) for argument in command[1:])]


def relay_state_dir(compose: dict[str, Any]) -> Path:
    """Where the relay keeps its files: the one volume of the relay, a named one (it outlives the
    container, so a recreated relay resumes from its checkpoints)."""
    (volume,) = compose["services"]["relay"]["volumes"]
    name, target = volume.split(":")
    assert name in compose["volumes"]
    return Path(target)


def relay_pairs(compose: dict[str, Any], flag: str) -> dict[str, str]:
    prefix = f"--{flag}="
    arguments = [
        a.removeprefix(prefix) for a in compose["services"]["relay"]["command"] if a.startswith(prefix)
    ]
    return {name: value for name, _, value in (argument.partition("=") for argument in arguments)}


@pytest.mark.parametrize("name", EVENT_PATH)
def test_the_event_path_runs_in_devstacks_image(name: str, compose: dict[str, Any]) -> None:
    service = compose["services"][name]
    assert {"image": service["image"], "build": service["build"]} == DEVSTACK_IMAGE


def test_sqs_is_the_launchers_moto_server(compose: dict[str, Any], launcher: Stack) -> None:
    sqs = compose["services"]["sqs"]
    assert sqs["command"] == in_container(queues.command(launcher.config))
    assert sqs["command"][sqs["command"].index("-H") + 1] == "0.0.0.0"
    # healthy once moto answers on the port it listens on (the queues are made only then)
    port = str(launcher.config.ports["sqs"])
    assert f"http://127.0.0.1:{port}/" in " ".join(sqs["healthcheck"]["test"])


def test_the_queues_are_made_by_devstack_queues_once_sqs_answers(
    compose: dict[str, Any], launcher: Stack
) -> None:
    made = compose["services"]["queues"]
    assert made["command"] == [
        "python",
        "-m",
        "devstack.queues",
        "--sqs-url",
        in_containers(launcher.config.sqs_url),
    ]
    assert made["restart"] == "no"
    assert made["depends_on"] == {"sqs": {"condition": "service_healthy"}}


def test_the_relay_runs_with_the_launchers_arguments(compose: dict[str, Any], launcher: Stack) -> None:
    relay = compose["services"]["relay"]
    state = relay_state_dir(compose)
    assert relay["command"] == in_container(wiring.relay_command(launcher.config, state))
    # healthy once it has found the streams (it writes its ready file then, and removes an old one first)
    assert relay["healthcheck"]["test"] == ["CMD", "test", "-s", str(wiring.relay_ready_file(state))]
    assert relay["restart"] == "unless-stopped"  # the launcher restarts it too (devstack.supervisor)


def test_every_table_and_every_consumers_queue_is_the_one_its_service_uses(
    compose: dict[str, Any], launcher: Stack
) -> None:
    services = compose["services"]
    tables = relay_pairs(compose, "table")
    targets = relay_pairs(compose, "queue")
    assert tables == {
        name: services[name]["environment"][f"{subgraph(name).env_prefix}TABLE_NAME"]
        for name in SUBGRAPH_NAMES
    }
    assert set(targets) == set(CONSUMERS)
    for consumer in CONSUMERS:
        environment = services[consumer]["environment"]
        prefix = subgraph(consumer).env_prefix
        assert environment[f"{prefix}EVENT_QUEUE_URL"] == targets[consumer]
        assert environment[f"{prefix}SQS_ENDPOINT_URL"] == in_containers(launcher.config.sqs_url)
    for name in set(SUBGRAPH_NAMES) - set(CONSUMERS):  # no queue: no consumer task
        assert f"{subgraph(name).env_prefix}EVENT_QUEUE_URL" not in services[name]["environment"]


def test_the_event_path_uses_the_local_credentials_and_one_region(compose: dict[str, Any]) -> None:
    services = compose["services"]
    region = f"--region={queues.REGION}"
    assert region in services["relay"]["command"]
    for name in ("queues", "relay"):
        assert services[name]["environment"] == compose["x-aws-local"]
    for name in SUBGRAPH_NAMES:
        assert services[name]["environment"][f"{subgraph(name).env_prefix}AWS_REGION"] == queues.REGION


def test_nothing_is_left_of_the_http_push() -> None:
    text = COMPOSE_FILE.read_text()
    for gone in ("EVENT_SUBSCRIBERS", "EVENTS_PUSH_SECRET", "PUSH_SECRET", ":4002/events"):
        assert gone not in text, gone
