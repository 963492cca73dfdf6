"""Child processes with prefixed, streamed logs and a clean stop (the whole process group)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from devstack.topology import SUBGRAPH_NAMES

# ANSI colours of the log prefixes: the launcher's own processes, then one per subgraph in
# topology.toml's order (cyan, magenta, green, then round again).
_SUBGRAPH_COLOURS = (36, 35, 32, 91, 96, 95, 92, 31, 90)
COLOURS = {"dynamodb": 33, "router": 34, "sqs": 93, "relay": 94} | {
    name: _SUBGRAPH_COLOURS[index % len(_SUBGRAPH_COLOURS)] for index, name in enumerate(SUBGRAPH_NAMES)
}


class ManagedProcess:
    def __init__(
        self,
        name: str,
        command: Sequence[str],
        *,
        env: dict[str, str],
        cwd: Path | None = None,
        echo: bool = True,
    ) -> None:
        self.name = name
        self.lines: list[str] = []
        self._echo = echo
        self.process = subprocess.Popen(  # noqa: S603 - commands are built by the launcher, not from input
            list(command),
            env=env,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: a stop reaches the grandchildren too
        )
        assert self.process.stdout is not None
        self._reader = threading.Thread(target=self._pump, args=(self.process.stdout,), daemon=True)
        self._reader.start()

    def _pump(self, stream: IO[bytes]) -> None:
        colour = COLOURS.get(self.name, 37)
        prefix = f"\033[{colour}m{self.name:>10}\033[0m | " if sys.stdout.isatty() else f"{self.name:>10} | "
        for raw in iter(stream.readline, b""):
            line = raw.decode(errors="replace").rstrip()
            self.lines.append(line)
            if len(self.lines) > 2000:
                del self.lines[:1000]
            if self._echo:
                print(prefix + line, flush=True)

    def alive(self) -> bool:
        return self.process.poll() is None

    def tail(self, count: int = 30) -> str:
        return "\n".join(self.lines[-count:])

    def stop(self, timeout: float = 8.0) -> None:
        # The group is signalled even when the child itself has exited: a grandchild it left
        # behind (a JVM, a Node worker) is still in the group.
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        # A stopped process (SIGSTOP, as an outage test does) acts on SIGTERM only once resumed.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGCONT)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
