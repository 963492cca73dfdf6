"""Keeps the stack's child processes running: one that exits is restarted, with backoff, until it
keeps crashing.

A child is watched from the moment it was first ready. When it exits (by itself, or killed: a
SIGSTOPped child has not exited and is left alone), the supervisor says so in the log, waits
(0.5 s, doubling up to 10 s for a child that keeps failing), starts it again with the same command
and environment, and waits for its readiness as at start-up; the other children are not touched.
A child that stays up for a minute has recovered: its earlier crashes no longer count. The fifth
exit within a minute is final: the supervisor gives up, records why (`failure`) and sets `failed`;
the launcher then stops everything and exits non-zero.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from devstack.processes import ManagedProcess

POLL_SECONDS = 0.1


@dataclass(frozen=True)
class RestartPolicy:
    first_delay: float = 0.5
    max_delay: float = 10.0
    max_crashes: int = 5  # this many exits within `window` seconds: give up
    window: float = 60.0
    # Up this long: the child has recovered, and its next crash starts the count afresh.
    stable_after: float = 60.0

    def delay(self, attempt: int) -> float:
        return float(min(self.first_delay * 2 ** (attempt - 1), self.max_delay))


class CrashCount:
    """The crashes of one child that still count: the recent ones, and those since it last recovered."""

    def __init__(self, policy: RestartPolicy) -> None:
        self.policy = policy
        self.recent: deque[float] = deque()
        self.in_a_row = 0

    def record(self, now: float, uptime: float) -> int | None:
        """The restart attempt this crash calls for (1, 2, ...), or None: too many, give up."""
        if uptime >= self.policy.stable_after:
            self.recent.clear()
            self.in_a_row = 0
        self.recent.append(now)
        while self.recent and self.recent[0] <= now - self.policy.window:
            self.recent.popleft()
        self.in_a_row += 1
        if len(self.recent) >= self.policy.max_crashes:
            return None
        return self.in_a_row


class StartFailed(RuntimeError):
    """A child exited, or was not ready in time, while the stack was starting."""


class Interrupted(StartFailed):
    """The stack was told to stop while it was starting."""


def describe_exit(code: int) -> str:
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"was killed by {signal.Signals(-code).name}"
        return f"was killed by signal {-code}"
    return f"exited with code {code}"


class Child:
    """One supervised process: how to start it, how to tell it is ready, and its current process."""

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        *,
        env: dict[str, str],
        cwd: Path | None = None,
        ready: Callable[[], bool] | None = None,
        after_restart: Callable[[], None] | None = None,
    ) -> None:
        self.name = name
        self.command = list(command)
        self.env = env
        self.cwd = cwd
        self.ready = ready or (lambda: True)
        self.after_restart = after_restart
        self.managed: ManagedProcess | None = None
        self.started_at = 0.0
        self.restarts = 0
        self.state = "stopped"  # starting, ready, restarting, failed, stopped

    @property
    def process(self) -> subprocess.Popen[bytes]:
        if self.managed is None:
            raise LookupError(f"{self.name} has not been started")
        return self.managed.process

    def spawn(self, echo: bool) -> None:
        self.managed = ManagedProcess(self.name, self.command, env=self.env, cwd=self.cwd, echo=echo)
        self.started_at = time.monotonic()
        self.state = "starting"

    def alive(self) -> bool:
        return self.managed is not None and self.managed.alive()

    def tail(self, count: int = 30) -> str:
        return self.managed.tail(count) if self.managed is not None else ""


class Supervisor:
    def __init__(
        self, policy: RestartPolicy | None = None, *, echo: bool = True, ready_timeout: float = 90.0
    ) -> None:
        self.policy = policy or RestartPolicy()
        self.echo = echo
        self.ready_timeout = ready_timeout
        self.children: dict[str, Child] = {}
        self.events: list[str] = []  # everything the supervisor said, in order
        self.failure: str | None = None
        self.failed = threading.Event()
        self._stopping = threading.Event()
        # Held while a child is (re)spawned or while everything stops: a restart that is due when
        # the stack stops either happens before the stop (and is stopped) or not at all.
        self._lock = threading.Lock()
        self._watchers: list[threading.Thread] = []

    # -- start-up --------------------------------------------------------------------------------
    def add(self, child: Child) -> Child:
        with self._lock:
            if self._stopping.is_set():
                raise Interrupted("the stack is stopping")
            self.children[child.name] = child
            child.spawn(self.echo)
        return child

    def wait_ready(self, name: str, timeout: float | None = None) -> None:
        """Waits for a starting child; raises StartFailed if it exits or is not ready in time."""
        child = self.children[name]
        outcome = self._await_ready(child, self.ready_timeout if timeout is None else timeout)
        if outcome == "exited":
            code = child.process.returncode
            raise StartFailed(f"{name} {describe_exit(code)} before it was ready")
        if outcome == "timeout":
            raise StartFailed(f"{name} was not ready after {self.ready_timeout:.0f} s")
        if outcome == "stopping":
            raise Interrupted("the stack is stopping")
        child.state = "ready"

    def watch(self, name: str) -> None:
        """Restarts the child whenever it exits, from now until stop()."""
        watcher = threading.Thread(
            target=self._watch, args=(self.children[name],), name=f"supervise-{name}", daemon=True
        )
        self._watchers.append(watcher)
        watcher.start()

    # -- stop ------------------------------------------------------------------------------------
    def interrupt(self) -> None:
        """From a signal handler: a start-up under way gives up (Interrupted), nothing restarts;
        stop() still has to be called. Only sets a flag, so it is safe at any point."""
        self._stopping.set()

    def stop(self) -> None:
        """Stops every child, the last started first; a pending restart is cancelled."""
        self._stopping.set()
        with self._lock:
            for child in reversed(list(self.children.values())):
                if child.managed is not None:
                    child.managed.stop()
                child.state = "stopped"
        for watcher in self._watchers:
            watcher.join(timeout=5)
        self._watchers.clear()

    # -- supervision -----------------------------------------------------------------------------
    def say(self, message: str) -> None:
        self.events.append(message)
        if self.echo:
            print(f"{'devstack':>10} | {message}", flush=True)

    def _await_ready(self, child: Child, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while True:
            if self._stopping.is_set():
                return "stopping"
            if not child.alive():
                return "exited"
            if child.ready():
                return "ready"
            if time.monotonic() >= deadline:
                return "timeout"
            self._stopping.wait(POLL_SECONDS)

    def _watch(self, child: Child) -> None:
        crashes = CrashCount(self.policy)
        while not self._stopping.wait(POLL_SECONDS):
            code = child.process.poll()  # None while it runs, and while it is stopped (SIGSTOP)
            if code is None:
                continue
            exited_at = time.monotonic()
            reason = describe_exit(code)
            attempt = crashes.record(exited_at, exited_at - child.started_at)
            if attempt is None:
                self._give_up(child, reason, len(crashes.recent))
                return
            if not self._restart(child, reason, attempt, exited_at):
                return

    def _restart(self, child: Child, reason: str, attempt: int, exited_at: float) -> bool:
        """Restarts `child`; False when the stack stops meanwhile."""
        delay = self.policy.delay(attempt)
        child.state = "restarting"
        self.say(f"{child.name} {reason}; restarting in {delay:.1f} s (attempt {attempt})")
        if self._stopping.wait(delay):
            return False
        with self._lock:
            if self._stopping.is_set():
                return False
            assert child.managed is not None
            child.managed.stop()  # whatever it left in its process group goes with it
            child.spawn(self.echo)
            child.state = "restarting"  # until it is ready again
            child.restarts += 1
        outcome = self._await_ready(child, self.ready_timeout)
        if outcome == "stopping":
            return False
        if outcome == "timeout":
            self.say(f"{child.name} was not ready {self.ready_timeout:.0f} s after its restart; stopping it")
            child.managed.stop()  # the watch loop counts this as its next crash
            return True
        if outcome == "ready":
            if child.after_restart is not None:
                try:
                    child.after_restart()
                except Exception as error:  # reported, not fatal: the child itself is up
                    self.say(f"{child.name}: after its restart, {type(error).__name__}: {error}")
            child.state = "ready"
            self.say(f"{child.name} is back, ready {time.monotonic() - exited_at:.1f} s after it exited")
        return True  # "exited": the watch loop sees it and counts it

    def _give_up(self, child: Child, reason: str, crashes: int) -> None:
        child.state = "failed"
        self.failure = (
            f"{child.name} {reason} and keeps crashing ({crashes} exits within "
            f"{self.policy.window:.0f} s); giving up"
        )
        self.say(f"{self.failure}: stopping everything")
        if not self.echo:  # its log was not shown: keep the end of it with the reason
            self.failure += f"\n{child.tail()}"
        self.failed.set()
