"""devstack up: a stack the supervisor gave up on, an expected failure and Ctrl-C during the start-up
each end in one line (no traceback), with everything stopped and the right exit code."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import Any

import pytest
from devstack import cli
from devstack.stack import StackError, StackInterrupted


class FakeStack:
    """Stands in for devstack.stack.Stack; `behaviour` says how it fails."""

    instances: list[FakeStack] = []

    def __init__(self, config: Any, behaviour: str) -> None:
        self.config = config
        self.behaviour = behaviour
        self.stopped = 0
        self.interrupted = threading.Event()
        self.demo = None
        self.startup_seconds = 1.0
        FakeStack.instances.append(self)

    def start(self) -> None:
        if self.behaviour == "busy":
            raise StackError(
                "ports already in use: router :4000 (another `make dev`? set e.g. ROUTER_PORT to move)"
            )
        if self.behaviour == "interrupt":
            # SIGINT arrives while the start-up waits, as a Ctrl-C in the terminal would.
            threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT)).start()
            assert self.interrupted.wait(10)
            raise StackInterrupted("the stack is stopping")

    def stop_requested(self) -> None:
        self.interrupted.set()

    def check_alive(self) -> None:
        if self.behaviour == "gives up":
            raise StackError(
                "portfolios exited with code 1 and keeps crashing (5 exits within 60 s); giving up"
            )

    def stop(self) -> None:
        self.stopped += 1


@pytest.fixture
def fake_stack(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    FakeStack.instances.clear()
    monkeypatch.setattr(cli.toolchain, "DATA_DIR", tmp_path)
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def use(behaviour: str) -> None:
        monkeypatch.setattr(cli, "Stack", lambda config: FakeStack(config, behaviour))

    yield use
    for sig, handler in previous.items():
        signal.signal(sig, handler)


@pytest.mark.parametrize(
    ("behaviour", "message"),
    [
        (
            "gives up",
            "devstack: portfolios exited with code 1 and keeps crashing (5 exits within 60 s); giving up",
        ),
        ("busy", "devstack: ports already in use: router :4000"),
    ],
)
def test_a_failure_is_one_line_a_non_zero_exit_and_a_full_stop(
    fake_stack: Any, capsys: pytest.CaptureFixture[str], behaviour: str, message: str
) -> None:
    fake_stack(behaviour)
    assert cli.main(["up"]) == 1
    [stack] = FakeStack.instances
    assert stack.stopped == 1
    out, err = capsys.readouterr()
    assert err.startswith(message)
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in out + err
    assert out.strip().splitlines()[-2:] == ["devstack: stopping...", "devstack: stopped"]


def test_ctrl_c_during_the_start_up_stops_everything_quietly(
    fake_stack: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_stack("interrupt")
    assert cli.main(["up"]) == 0
    [stack] = FakeStack.instances
    assert stack.interrupted.is_set()
    assert stack.stopped == 1
    out, err = capsys.readouterr()
    assert err == ""
    assert "Traceback" not in out
    assert "devstack: stopped" in out
