"""devstack.dynamodb_local: the command line, and a server that listens on loopback only."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from devstack import dynamodb_local, toolchain
from devstack.net import free_port, wait_for_port


def options(command: list[str]) -> list[str]:
    """DynamoDB Local's own options: what follows `--`."""
    return command[command.index("--") + 1 :]


def test_in_memory_command() -> None:
    command = dynamodb_local.command(8123, None)
    assert command[:3] == [sys.executable, "-m", "devstack.dynamodb_local"]
    assert command[command.index("--host") + 1] == "127.0.0.1"  # loopback unless told otherwise
    own = options(command)
    assert "-inMemory" in own
    assert "-dbPath" not in own
    assert own[own.index("-port") + 1] == "8123"
    assert "-sharedDb" in own
    assert "-disableTelemetry" in own


def test_persistent_command_and_another_host(tmp_path: Path) -> None:
    command = dynamodb_local.command(8000, tmp_path / "dynamodb", host="10.1.2.3")
    own = options(command)
    assert "-inMemory" not in own
    assert own[own.index("-dbPath") + 1] == str(tmp_path / "dynamodb")
    assert own[own.index("-port") + 1] == "8000"
    assert command[command.index("--host") + 1] == "10.1.2.3"
    assert command.index("--host") < command.index("--")


def test_the_jvm_library_and_the_jar_are_installed() -> None:
    assert toolchain.jvm_library().is_file()
    assert toolchain.jvm_library().name.startswith("libjvm.")
    assert (toolchain.dynamodb_local_dir() / "DynamoDBLocal.jar").is_file()


def test_start_creates_the_data_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[tuple[list[str], dict[str, Any]]] = []

    def fake_popen(args: list[str], **kwargs: Any) -> str:
        started.append((args, kwargs))
        return "process"

    monkeypatch.setattr(dynamodb_local.subprocess, "Popen", fake_popen)
    data_dir = tmp_path / "nested" / "dynamodb"
    assert dynamodb_local.start(8001, data_dir, stdout=None) == "process"
    assert data_dir.is_dir()
    [(args, kwargs)] = started
    assert args == dynamodb_local.command(8001, data_dir)
    assert kwargs["cwd"] == toolchain.dynamodb_local_dir()
    assert kwargs["stdout"] is None


# --- the real engine ------------------------------------------------------------------------------


def listening_addresses(port: int) -> set[str]:
    """The local addresses of the TCP sockets listening on `port` (Linux /proc/net/tcp{,6})."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(address)
                # The kernel prints each 32-bit word in host (little-endian) order.
                words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
                assert len(address) == width
                found.add(socket.inet_ntop(socket.AF_INET if width == 8 else socket.AF_INET6, words))
    return found


def outward_address() -> str | None:
    """This machine's address on its default route, if it has one (a UDP connect sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    return None if address.startswith("127.") or address == "0.0.0.0" else address


@pytest.fixture(scope="module")
def dynamodb_port() -> Iterator[int]:
    port = free_port()
    process = dynamodb_local.start(port, None, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, timeout=60)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_it_listens_on_loopback_only(dynamodb_port: int) -> None:
    assert listening_addresses(dynamodb_port) == {"127.0.0.1"}


def test_it_cannot_be_reached_on_the_machines_outward_address(dynamodb_port: int) -> None:
    outward = outward_address()
    assert outward is not None, "this test needs a machine with a non-loopback address"
    with socket.socket() as sock:
        sock.settimeout(2)
        assert sock.connect_ex((outward, dynamodb_port)) != 0
    # and it does answer on loopback (DynamoDB refuses an unsigned request with HTTP 400)
    assert httpx.get(f"http://127.0.0.1:{dynamodb_port}/").status_code == 400


def test_a_taken_port_is_one_line_and_a_non_zero_exit() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            dynamodb_local.command(port, None),
            cwd=toolchain.dynamodb_local_dir(),
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert f"dynamodb-local: cannot listen on 127.0.0.1: Failed to bind to /127.0.0.1:{port}" in output
    assert "Traceback" not in output
    assert "at org.eclipse" not in output


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_it_quietly(stop_signal: signal.Signals) -> None:
    port = free_port()
    process = dynamodb_local.start(port, None, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, timeout=60)
        time.sleep(0.5)  # serving, and waiting in its main thread
        process.send_signal(stop_signal)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 128 + stop_signal
    assert b"Traceback" not in output
    assert b"Exception" not in output
