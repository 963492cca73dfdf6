"""The whole local system in order: DynamoDB Local and its tables, the local SQS (moto) and its
queues, the subgraphs, the event relay, demo data, router.

`make dev`, the end-to-end tests and the benchmarks all start it through `Stack`. Every child process
is supervised once it is ready (devstack.supervisor): one that exits is restarted with backoff, and
the stack fails (`check_alive` raises) only when a child keeps crashing.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

import httpx

from devstack import dynamodb_local, queues, toolchain, wiring
from devstack.config import StackConfig
from devstack.dev_issuer import DevIssuer, IssuerServer
from devstack.net import http_ok, port_is_open
from devstack.processes import ManagedProcess
from devstack.seed import DemoData, SeedError, seed_demo
from devstack.supervisor import Child, Interrupted, RestartPolicy, StartFailed, Supervisor
from devstack.tables import create_tables
from devstack.topology import SUBGRAPH_NAMES

STARTUP_TIMEOUT = 90.0
# The operator token preloaded in GraphiQL outlives a working day; a restart mints a new one.
GRAPHIQL_TOKEN_TTL_SECONDS = 12 * 3600


class StackError(RuntimeError):
    pass


class StackInterrupted(StackError):
    """stop_requested() was called while the stack was starting."""


class Stack:
    def __init__(
        self,
        config: StackConfig,
        *,
        echo: bool = True,
        seed: bool = True,
        supervise: bool = True,
        restart_policy: RestartPolicy | None = None,
    ) -> None:
        self.config = config
        self.echo = echo
        self.seed = seed
        self.supervise = supervise
        self.supervisor = Supervisor(restart_policy, echo=echo, ready_timeout=STARTUP_TIMEOUT)
        self.demo: DemoData | None = None
        # Keys persist with the data (.data/auth/keys); an in-memory stack gets throwaway ones.
        self._scratch: Path | None = None
        if config.data_dir is None:
            self._scratch = Path(tempfile.mkdtemp(prefix="devstack-auth-"))
        self.issuer = DevIssuer.in_data_dir(config.data_dir or self._scratch or Path(), config.issuer_url)
        self._issuer_server: IssuerServer | None = None
        # The relay's checkpoints live with the data they point into (.data/relay), or in scratch.
        self.relay_dir = (config.data_dir or self._scratch or Path()) / "relay"

    # -- lifecycle -------------------------------------------------------------------------------
    def __enter__(self) -> Stack:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()

    def start(self) -> None:
        started = time.monotonic()
        self._refuse_busy_ports()
        self._start_issuer()
        self._start_dynamodb()
        asyncio.run(create_tables(self.config))
        self._start_sqs()
        for name in SUBGRAPH_NAMES:
            self._start_subgraph(name)
        for name in SUBGRAPH_NAMES:
            self._ready(name)
        self._start_relay()
        if self.seed:
            self.demo = self._seed()
        self._start_router()
        self._ready("router")
        self.startup_seconds = time.monotonic() - started

    def stop(self) -> None:
        # Reverse order: the router first, DynamoDB Local last; a pending restart is cancelled.
        self.supervisor.stop()
        if self._issuer_server is not None:
            self._issuer_server.stop()
            self._issuer_server = None
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def stop_requested(self) -> None:
        """Safe in a signal handler: a start() under way raises StackInterrupted at its next wait,
        and nothing is restarted any more. stop() still stops everything."""
        self.supervisor.interrupt()

    def check_alive(self) -> None:
        """Raises StackError once the stack is broken: a child the supervisor gave up on, or, without
        supervision, any child that exited."""
        if self.supervisor.failure is not None:
            raise StackError(self.supervisor.failure)
        if self.supervise:
            return
        for child in self.supervisor.children.values():
            code = child.process.poll()
            if code is not None:
                raise StackError(f"{child.name} exited with {code}:\n{child.tail()}")

    # -- the children, for operators and outage tests --------------------------------------------
    @property
    def processes(self) -> list[ManagedProcess]:
        """The current process of every child, in start order."""
        return [child.managed for child in self.supervisor.children.values() if child.managed is not None]

    def process(self, name: str) -> subprocess.Popen[bytes]:
        """The running process of one child: "dynamodb", "sqs", a subgraph (topology.toml's name), "relay"
        or "router".

        Use its `pid` and `send_signal()`: SIGKILL it and the supervisor restarts it (ask again for
        the new process); SIGSTOP it and it hangs, and stays hung, since a stopped process has not
        exited, until SIGCONT. Each child leads a process group of its own, so
        `os.killpg(stack.process(name).pid, signal.SIGSTOP)` reaches anything it started too.
        """
        return self.supervisor.children[name].process

    def restarts(self, name: str) -> int:
        """How many times the supervisor has restarted this child."""
        return self.supervisor.children[name].restarts

    def wait_ready(self, name: str, timeout: float = STARTUP_TIMEOUT) -> float:
        """Waits until the child is running and ready (after a restart, say); the seconds it took."""
        child = self.supervisor.children[name]
        started = time.monotonic()
        while not (child.state == "ready" and child.alive() and child.ready()):
            if child.state == "failed" or time.monotonic() - started > timeout:
                raise StackError(f"{name} is not ready ({child.state}) after {timeout:.0f} s")
            time.sleep(0.1)
        return time.monotonic() - started

    def child(self, name: str) -> ManagedProcess:
        """The running child called `name` ("customers", "router", ...), e.g. for a test to signal."""
        for process in self.processes:
            if process.name == name:
                return process
        raise StackError(f"no child process called {name!r}")

    # -- steps -----------------------------------------------------------------------------------
    def _refuse_busy_ports(self) -> None:
        busy = [
            f"{name} :{port}"
            for name, port in self.config.ports.items()
            if port_is_open(port, self.config.host)
        ]
        if busy:
            raise StackError(
                "ports already in use: "
                + ", ".join(busy)
                + " (another `make dev`? set e.g. ROUTER_PORT to move)"
            )

    def _spawn(
        self,
        name: str,
        command: list[str],
        env: dict[str, str],
        *,
        ready: Callable[[], bool],
        cwd: Path | None = None,
        after_restart: Callable[[], None] | None = None,
    ) -> None:
        child = Child(
            name,
            command,
            env=toolchain.env_with_node({**env, **self.config.extra_env}),
            cwd=cwd,
            ready=ready,
            after_restart=after_restart,
        )
        try:
            self.supervisor.add(child)
        except Interrupted as error:
            raise StackInterrupted(str(error)) from error

    def _ready(self, name: str) -> None:
        """Waits for a starting child; from then on the supervisor restarts it when it exits."""
        try:
            self.supervisor.wait_ready(name)
        except Interrupted as error:
            raise StackInterrupted(str(error)) from error
        except StartFailed as error:
            # With echo its log is on screen already; otherwise the end of it says why.
            tail = "" if self.echo else f"\n{self.supervisor.children[name].tail()}"
            raise StackError(f"{error}{tail}") from error
        if self.supervise:
            self.supervisor.watch(name)

    def _start_issuer(self) -> None:
        self.issuer.keys.ensure()
        self._issuer_server = IssuerServer(self.issuer, self.config.host, self.config.ports["issuer"])
        self._issuer_server.start()

    def _start_dynamodb(self) -> None:
        data_dir = None if self.config.data_dir is None else self.config.data_dir / "dynamodb"
        if data_dir is not None:
            data_dir.mkdir(parents=True, exist_ok=True)
        command = dynamodb_local.command(self.config.ports["dynamodb"], data_dir, self.config.host)
        self._spawn(
            "dynamodb",
            command,
            {},
            cwd=toolchain.dynamodb_local_dir(),
            ready=lambda: port_is_open(self.config.ports["dynamodb"], self.config.host),
            after_restart=self._after_dynamodb_restart,
        )
        self._ready("dynamodb")

    def _after_dynamodb_restart(self) -> None:
        # In memory, a restarted DynamoDB Local is empty: the tables again, and the demo data.
        asyncio.run(create_tables(self.config))
        if self.seed:
            self._seed()

    def _start_sqs(self) -> None:
        self._spawn(
            "sqs",
            queues.command(self.config),
            {},
            ready=lambda: port_is_open(self.config.ports["sqs"], self.config.host),
            after_restart=self._create_queues,  # moto keeps queues in memory
        )
        self._ready("sqs")
        self._create_queues()

    def _create_queues(self) -> None:
        asyncio.run(queues.create_queues(self.config))

    def _start_relay(self) -> None:
        ready_file = wiring.relay_ready_file(self.relay_dir)

        def ready() -> bool:
            # Written by the relay with its pid once it has found the streams: a file left by an
            # earlier relay process does not count.
            try:
                written = ready_file.read_text(encoding="utf-8")
            except FileNotFoundError:
                return False
            return written == str(self.supervisor.children["relay"].process.pid)

        self._spawn("relay", wiring.relay_command(self.config, self.relay_dir), {}, ready=ready)
        self._ready("relay")

    def subgraph_env(self, name: str) -> dict[str, str]:
        return wiring.subgraph_env(self.config, name, auth=self.issuer.env())

    def subgraph_command(self, name: str) -> list[str]:
        """The command that runs one subgraph (a test may wrap it, e.g. under resource limits)."""
        return [str(Path(sys.executable).parent / f"{name}-subgraph")]

    def _start_subgraph(self, name: str) -> None:
        ready_url = self.config.url(name, "/ready")
        self._spawn(
            name, self.subgraph_command(name), self.subgraph_env(name), ready=lambda: http_ok(ready_url)
        )

    def router_env(self) -> dict[str, str]:
        env = {
            "ROUTER_HOST": self.config.host,
            "ROUTER_PORT": str(self.config.ports["router"]),
            **wiring.subgraph_urls(self.config),
            **self.issuer.env(),
            # Development relaxes only the IDE (GraphiQL, introspection, ad-hoc documents); the
            # router's default profile is production.
            "ROUTER_PROFILE": "development",
            "ROUTER_GRAPHIQL_TOKEN": self.issuer.operator(ttl=GRAPHIQL_TOKEN_TTL_SECONDS),
        }
        if self.demo is not None:
            # GraphiQL's tabs run as the demo customer on its own data, and as the operator otherwise.
            env["ROUTER_DEMO_CUSTOMER_ID"] = self.demo.customer_id
            env["ROUTER_GRAPHIQL_CUSTOMER_TOKEN"] = self.issuer.customer(
                self.demo.customer_id, ttl=GRAPHIQL_TOKEN_TTL_SECONDS
            )
            if self.demo.portfolio_ids:
                env["ROUTER_DEMO_PORTFOLIO_ID"] = self.demo.portfolio_ids[0]
        return env

    def _start_router(self) -> None:
        command = [str(toolchain.node_executable()), str(toolchain.router_bin("hive-gateway")), "supergraph"]
        ready_url = self.config.url("router", "/readiness")
        self._spawn(
            "router", command, self.router_env(), cwd=toolchain.ROUTER_DIR, ready=lambda: http_ok(ready_url)
        )

    def _seed(self) -> DemoData:
        try:
            return seed_demo(self.config, token=self.issuer.admin())
        except (SeedError, httpx.HTTPError) as error:
            raise StackError(f"seeding the demo data failed: {error}") from error
