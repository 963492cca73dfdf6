"""devstack.supervisor: crashed children come back with backoff, a child that keeps crashing is given
up on, a stopped (SIGSTOP) child is left alone, and stop() leaves nothing behind, a pending restart
included. The children are small Python scripts."""

from __future__ import annotations

import itertools
import os
import signal
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from devstack.supervisor import Child, CrashCount, RestartPolicy, StartFailed, Supervisor, describe_exit
from kit_testing import process_state, running, wait_until

FAST = RestartPolicy(first_delay=0.1, max_delay=0.4, max_crashes=5, window=60.0, stable_after=60.0)

# Appends its start time to `runs`; the first `crashes` runs exit with code 3, later ones stay up.
# After `ready_after` seconds it creates `ready` (its readiness, as a subgraph's /ready).
FLAKY = textwrap.dedent(
    """
    import os, pathlib, sys, time
    runs, crashes = pathlib.Path(sys.argv[1]), int(sys.argv[2])
    ready, ready_after = sys.argv[3], float(sys.argv[4])
    with runs.open("a") as f:
        f.write(f"{time.time()}\\n")
    if len(runs.read_text().splitlines()) <= crashes:
        print("crashing", flush=True)
        sys.exit(3)
    time.sleep(ready_after)
    pathlib.Path(ready).write_text(str(os.getpid()))
    print("up", flush=True)
    time.sleep(600)
    """
)


class Flaky:
    """A FLAKY child with its own files."""

    def __init__(self, directory: Path, name: str, crashes: int, ready_after: float = 0.0) -> None:
        self.runs = directory / f"{name}.runs"
        self.ready_file = directory / f"{name}.ready"
        self.child = Child(
            name,
            [
                sys.executable,
                "-c",
                FLAKY,
                str(self.runs),
                str(crashes),
                str(self.ready_file),
                str(ready_after),
            ],
            env=dict(os.environ),
            ready=self.is_ready,
        )

    def is_ready(self) -> bool:
        # Ready means: *this* process wrote the file (a previous run's file does not count).
        return self.ready_file.exists() and self.ready_file.read_text() == str(self.child.process.pid)

    def starts(self) -> list[float]:
        return [float(line) for line in self.runs.read_text().splitlines()] if self.runs.exists() else []


@pytest.fixture
def supervisor() -> Iterator[Supervisor]:
    started = Supervisor(FAST, echo=False, ready_timeout=30)
    yield started
    started.stop()
    for child in started.children.values():
        assert child.managed is None or not running(child.process.pid), f"{child.name} was left running"


def test_the_backoff_doubles_from_half_a_second_to_ten() -> None:
    policy = RestartPolicy()
    assert [policy.delay(attempt) for attempt in range(1, 8)] == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_the_fifth_crash_within_a_minute_gives_up() -> None:
    count = CrashCount(RestartPolicy())
    assert [count.record(now, uptime=1.0) for now in (0.0, 1.0, 3.0, 6.0)] == [1, 2, 3, 4]
    assert count.record(11.0, uptime=1.0) is None


def test_crashes_spread_over_more_than_a_minute_keep_restarting_with_the_longest_delay() -> None:
    count = CrashCount(RestartPolicy())
    attempts = [count.record(now, uptime=15.0) for now in (0.0, 25.0, 50.0, 75.0, 100.0, 125.0)]
    assert attempts == [1, 2, 3, 4, 5, 6]  # never five within 60 s
    assert RestartPolicy().delay(attempts[-1]) == 10.0


def test_a_child_that_stayed_up_a_minute_starts_its_count_afresh() -> None:
    count = CrashCount(RestartPolicy())
    assert [count.record(now, uptime=1.0) for now in (0.0, 1.0, 2.0, 3.0)] == [1, 2, 3, 4]
    assert count.record(70.0, uptime=65.0) == 1
    assert count.record(71.0, uptime=1.0) == 2


def test_exits_are_described_for_people() -> None:
    assert describe_exit(1) == "exited with code 1"
    assert describe_exit(-signal.SIGKILL) == "was killed by SIGKILL"
    assert describe_exit(-signal.SIGSEGV) == "was killed by SIGSEGV"


def test_a_child_that_exits_before_it_is_ready_fails_the_start(
    supervisor: Supervisor, tmp_path: Path
) -> None:
    supervisor.add(Flaky(tmp_path, "portfolios", crashes=99).child)
    started = time.monotonic()
    with pytest.raises(StartFailed, match=r"^portfolios exited with code 3 before it was ready$"):
        supervisor.wait_ready("portfolios")
    assert time.monotonic() - started < 10  # at once, not after the readiness timeout


def test_a_child_that_always_crashes_is_restarted_with_backoff_then_given_up_on(
    supervisor: Supervisor, tmp_path: Path
) -> None:
    flaky = Flaky(tmp_path, "portfolios", crashes=99)
    supervisor.add(flaky.child)
    supervisor.watch("portfolios")
    assert supervisor.failed.wait(20), supervisor.events
    assert supervisor.events[:4] == [
        "portfolios exited with code 3; restarting in 0.1 s (attempt 1)",
        "portfolios exited with code 3; restarting in 0.2 s (attempt 2)",
        "portfolios exited with code 3; restarting in 0.4 s (attempt 3)",
        "portfolios exited with code 3; restarting in 0.4 s (attempt 4)",
    ]
    assert supervisor.events[4] == (
        "portfolios exited with code 3 and keeps crashing (5 exits within 60 s); "
        "giving up: stopping everything"
    )
    assert supervisor.failure is not None
    assert supervisor.failure.startswith("portfolios exited with code 3 and keeps crashing")
    assert "crashing" in supervisor.failure.splitlines()[-1]  # the end of its log, as it was not echoed
    assert flaky.child.state == "failed"
    assert flaky.child.restarts == 4
    starts = flaky.starts()
    assert len(starts) == 5
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    for gap, delay in zip(gaps, (0.1, 0.2, 0.4, 0.4), strict=True):
        assert gap >= delay, gaps
    time.sleep(0.6)
    assert len(flaky.starts()) == 5  # nothing after giving up


def test_a_child_that_crashes_twice_comes_back_ready_without_touching_the_others(
    supervisor: Supervisor, tmp_path: Path
) -> None:
    steady = Flaky(tmp_path, "assets", crashes=0)
    supervisor.add(steady.child)
    supervisor.wait_ready("assets")
    supervisor.watch("assets")
    steady_pid = steady.child.process.pid

    flaky = Flaky(tmp_path, "portfolios", crashes=0, ready_after=0.5)
    supervisor.add(flaky.child)
    supervisor.wait_ready("portfolios")
    supervisor.watch("portfolios")
    first_pid = flaky.child.process.pid
    # From now on its next two runs crash; the third stays up, and is ready 0.5 s after it starts.
    flaky.child.command[4] = "3"
    killed_at = time.monotonic()
    os.kill(first_pid, signal.SIGKILL)

    assert wait_until(lambda: any(e.startswith("portfolios is back") for e in supervisor.events), 20)
    assert flaky.child.state == "ready"
    assert flaky.is_ready()
    assert time.monotonic() - killed_at >= 0.1 + 0.2 + 0.4 + 0.5  # three delays, then its readiness
    assert supervisor.events[:3] == [
        "portfolios was killed by SIGKILL; restarting in 0.1 s (attempt 1)",
        "portfolios exited with code 3; restarting in 0.2 s (attempt 2)",
        "portfolios exited with code 3; restarting in 0.4 s (attempt 3)",
    ]
    assert flaky.child.restarts == 3
    assert flaky.child.process.pid != first_pid
    assert running(flaky.child.process.pid)
    assert supervisor.failure is None
    # the other child was not restarted
    assert steady.child.process.pid == steady_pid
    assert steady.child.restarts == 0
    assert not any(event.startswith("assets") for event in supervisor.events)


def test_a_stopped_child_is_not_restarted_and_stop_still_ends_it(
    supervisor: Supervisor, tmp_path: Path
) -> None:
    hung = Flaky(tmp_path, "assets", crashes=0)
    supervisor.add(hung.child)
    supervisor.wait_ready("assets")
    supervisor.watch("assets")
    pid = hung.child.process.pid
    hung.child.process.send_signal(signal.SIGSTOP)
    assert wait_until(lambda: process_state(pid) == "T")
    time.sleep(1.0)  # ten supervision rounds
    assert supervisor.events == []
    assert hung.child.process.pid == pid
    assert hung.child.restarts == 0
    assert len(hung.starts()) == 1

    started = time.monotonic()
    supervisor.stop()  # while it is still stopped: SIGTERM alone would wait for a SIGCONT
    assert time.monotonic() - started < 3
    assert not running(pid)
    assert hung.child.process.returncode == -signal.SIGTERM


def test_stop_during_a_pending_restart_cancels_it(tmp_path: Path) -> None:
    supervisor = Supervisor(RestartPolicy(first_delay=5.0), echo=False)
    flaky = Flaky(tmp_path, "router", crashes=0)
    supervisor.add(flaky.child)
    supervisor.wait_ready("router")
    supervisor.watch("router")
    os.kill(flaky.child.process.pid, signal.SIGKILL)
    assert wait_until(
        lambda: supervisor.events == ["router was killed by SIGKILL; restarting in 5.0 s (attempt 1)"]
    )

    started = time.monotonic()
    supervisor.stop()
    assert time.monotonic() - started < 3  # it did not wait for the restart
    time.sleep(0.3)
    assert len(flaky.starts()) == 1  # and the restart never happened
    assert flaky.child.restarts == 0
    assert not running(flaky.child.process.pid)


def test_a_restart_waits_for_readiness_like_the_start(supervisor: Supervisor, tmp_path: Path) -> None:
    slow = Flaky(tmp_path, "customers", crashes=0, ready_after=1.0)
    supervisor.add(slow.child)
    supervisor.wait_ready("customers")
    supervisor.watch("customers")
    os.kill(slow.child.process.pid, signal.SIGKILL)
    assert wait_until(lambda: slow.child.restarts == 1)
    restarted = time.monotonic()
    assert slow.child.state == "restarting"
    assert wait_until(lambda: slow.child.state == "ready")
    assert time.monotonic() - restarted >= 0.8
    assert slow.is_ready()
    [back] = [event for event in supervisor.events if "is back" in event]
    assert back.startswith("customers is back, ready ")


def test_echo_prints_what_the_supervisor_does(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    supervisor = Supervisor(FAST, echo=True)
    try:
        flaky = Flaky(tmp_path, "assets", crashes=0)
        supervisor.add(flaky.child)
        supervisor.wait_ready("assets")
        supervisor.watch("assets")
        os.kill(flaky.child.process.pid, signal.SIGKILL)
        assert wait_until(lambda: flaky.child.state == "ready" and flaky.child.restarts == 1)
    finally:
        supervisor.stop()
    out = capsys.readouterr().out
    assert f"{'devstack':>10} | assets was killed by SIGKILL; restarting in 0.1 s (attempt 1)" in out
