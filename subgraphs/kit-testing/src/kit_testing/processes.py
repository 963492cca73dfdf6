"""Waiting for a condition, and asking whether a process runs: for tests of processes and stacks."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path


def wait_until(condition: Callable[[], bool], timeout: float = 15.0) -> bool:
    """Whether `condition` holds within `timeout` seconds, asked every 20 ms and once more at the end."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def process_state(pid: int) -> str | None:
    """The state letter of `pid` in /proc (R, S, T, Z, ...); None when there is no such process."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return None


def running(pid: int) -> bool:
    """True while `pid` is a live process (a zombie waiting to be reaped counts as dead)."""
    return process_state(pid) not in (None, "Z", "X")
