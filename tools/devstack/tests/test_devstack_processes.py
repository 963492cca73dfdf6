"""devstack.processes.ManagedProcess: captured output and a stop that reaches the grandchildren."""

from __future__ import annotations

import os
import signal
import sys
import textwrap
import time
from collections.abc import Callable, Iterator

import pytest
from devstack.processes import ManagedProcess
from kit_testing import running, wait_until

SPAWN_GRANDCHILD = textwrap.dedent(
    """
    import subprocess, sys, time
    grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    print("grandchild", grandchild.pid, flush=True)
    {then}
    """
)


@pytest.fixture
def managed() -> Iterator[Callable[..., ManagedProcess]]:
    """Start ManagedProcesses; whatever a test leaves behind is killed by pid afterwards."""
    started: list[ManagedProcess] = []
    pids: list[int] = []

    def start(code: str, name: str = "demo", echo: bool = False) -> ManagedProcess:
        process = ManagedProcess(name, [sys.executable, "-c", code], env=dict(os.environ), echo=echo)
        started.append(process)
        return process

    start.pids = pids  # type: ignore[attr-defined]
    yield start
    for process in started:
        if process.process.poll() is None:
            process.process.kill()
            process.process.wait(timeout=5)
    for pid in pids:
        if running(pid):
            os.kill(pid, signal.SIGKILL)


def grandchild_pid(process: ManagedProcess) -> int:
    assert wait_until(lambda: any(line.startswith("grandchild ") for line in process.lines)), process.tail()
    line = next(line for line in process.lines if line.startswith("grandchild "))
    return int(line.split()[1])


def test_stop_ends_the_child_and_its_grandchild(managed: Callable[..., ManagedProcess]) -> None:
    process = managed(SPAWN_GRANDCHILD.format(then="time.sleep(60)"))
    pid = grandchild_pid(process)
    managed.pids.append(pid)  # type: ignore[attr-defined]
    assert process.alive()
    assert running(process.process.pid)
    assert running(pid)

    started = time.monotonic()
    process.stop(timeout=5)
    assert time.monotonic() - started < 4  # SIGTERM was enough, no wait for the SIGKILL
    assert not process.alive()
    assert process.process.returncode == -signal.SIGTERM
    assert wait_until(lambda: not running(pid), timeout=5), "the grandchild survived stop()"


def test_stop_escalates_to_sigkill_when_sigterm_is_ignored(managed: Callable[..., ManagedProcess]) -> None:
    code = textwrap.dedent(
        """
        import signal, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("ignoring", flush=True)
        time.sleep(60)
        """
    )
    process = managed(code)
    assert wait_until(lambda: "ignoring" in process.lines)
    process.stop(timeout=0.3)
    assert not process.alive()
    assert process.process.returncode == -signal.SIGKILL


def test_stop_reaches_grandchildren_left_behind_by_an_exited_child(
    managed: Callable[..., ManagedProcess],
) -> None:
    """The child (the group leader) has exited, but its grandchild still runs in its process group.

    stop() promises "a clean stop (the whole process group)"; returning early because the direct
    child is gone leaves the grandchild running.
    """
    process = managed(SPAWN_GRANDCHILD.format(then="sys.exit(0)"))
    pid = grandchild_pid(process)
    managed.pids.append(pid)  # type: ignore[attr-defined]
    process.process.wait(timeout=10)
    assert running(pid)
    process.stop(timeout=5)
    assert wait_until(lambda: not running(pid), timeout=2), "stop() left the grandchild running"


def test_stop_of_a_finished_process_is_harmless(managed: Callable[..., ManagedProcess]) -> None:
    process = managed("print('done')")
    process.process.wait(timeout=10)
    assert not process.alive()
    process.stop()
    assert process.process.returncode == 0


def test_output_lines_are_captured_and_tail_returns_the_last_ones(
    managed: Callable[..., ManagedProcess],
) -> None:
    process = managed(
        "import sys\nfor i in range(1, 51): print(f'line {i}  ')\nprint('err', file=sys.stderr)"
    )
    assert wait_until(lambda: len(process.lines) == 51)
    assert process.lines[0] == "line 1"  # trailing whitespace stripped
    assert "err" in process.lines  # stderr is merged into stdout
    assert process.tail(3) == "line 49\nline 50\nerr"
    assert process.tail().splitlines() == process.lines[-30:]
    assert len(process.tail().splitlines()) == 30


def test_captured_lines_are_bounded(managed: Callable[..., ManagedProcess]) -> None:
    process = managed("for i in range(2500): print(i)")
    assert wait_until(lambda: bool(process.lines) and process.lines[-1] == "2499")
    assert len(process.lines) <= 2000
    assert process.lines[-1500:] == [str(i) for i in range(1000, 2500)]
    assert process.tail(2) == "2498\n2499"


def test_undecodable_output_is_replaced_not_fatal(managed: Callable[..., ManagedProcess]) -> None:
    process = managed("import sys\nsys.stdout.buffer.write(b'bad \\xff byte\\nnext\\n')")
    assert wait_until(lambda: "next" in process.lines)
    assert process.lines[0] == "bad \ufffd byte"


def test_echo_prefixes_lines_with_the_name(
    managed: Callable[..., ManagedProcess], capsys: pytest.CaptureFixture[str]
) -> None:
    managed("print('hello')", name="assets", echo=True)
    out: list[str] = []

    def echoed() -> bool:
        out.append(capsys.readouterr().out)
        return "hello" in "".join(out)

    assert wait_until(echoed, timeout=10)
    assert f"{'assets':>10} | hello" in "".join(out)  # no colour codes: stdout is not a terminal


def test_no_echo_prints_nothing(
    managed: Callable[..., ManagedProcess], capsys: pytest.CaptureFixture[str]
) -> None:
    process = managed("print('quiet')", echo=False)
    assert wait_until(lambda: "quiet" in process.lines)
    process.process.wait(timeout=10)
    time.sleep(0.1)
    assert "quiet" not in capsys.readouterr().out
