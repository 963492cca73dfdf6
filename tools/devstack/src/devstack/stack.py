"""The whole local system in order: DynamoDB Local, tables, subgraphs, demo data, router.

`make dev`, the end-to-end tests and the benchmarks all start it through `Stack`.
"""

from __future__ import annotations

import asyncio
import importlib
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

from kit.dynamo import ensure_table
from kit.settings import ServiceSettings

from devstack import dynamodb_local, toolchain
from devstack.config import SUBGRAPHS, StackConfig
from devstack.dev_issuer import DevIssuer, IssuerServer
from devstack.net import port_is_open, wait_for_http_ok, wait_for_port
from devstack.processes import ManagedProcess
from devstack.seed import DemoData, seed_demo

STARTUP_TIMEOUT = 90.0
# The operator token preloaded in GraphiQL outlives a working day; a restart mints a new one.
GRAPHIQL_TOKEN_TTL_SECONDS = 12 * 3600


class StackError(RuntimeError):
    pass


class Stack:
    def __init__(self, config: StackConfig, *, echo: bool = True, seed: bool = True) -> None:
        self.config = config
        self.echo = echo
        self.seed = seed
        self.processes: list[ManagedProcess] = []
        self.demo: DemoData | None = None
        # Keys persist with the data (.data/auth/keys); an in-memory stack gets throwaway ones.
        self._scratch: Path | None = None
        if config.data_dir is None:
            self._scratch = Path(tempfile.mkdtemp(prefix="devstack-auth-"))
        self.issuer = DevIssuer.in_data_dir(config.data_dir or self._scratch or Path(), config.issuer_url)
        self._issuer_server: IssuerServer | None = None
        # Signs the events customers pushes to portfolios' /events; new on every start, never printed.
        self.events_push_secret = secrets.token_urlsafe(32)

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
        asyncio.run(self._create_tables())
        # portfolios first: customers pushes its events to portfolios' /events.
        for name in ("portfolios", "assets", "customers"):
            self._start_subgraph(name)
        for name in SUBGRAPHS:
            self._wait_ready(name, self.config.url(name, "/ready"))
        if self.seed:
            self.demo = seed_demo(self.config, self._demo_file(), token=self.issuer.admin())
        self._start_router()
        self._wait_ready("router", self.config.url("router", "/readiness"))
        self.startup_seconds = time.monotonic() - started

    def stop(self) -> None:
        # Reverse order: the router first, DynamoDB Local last.
        for process in reversed(self.processes):
            process.stop()
        self.processes.clear()
        if self._issuer_server is not None:
            self._issuer_server.stop()
            self._issuer_server = None
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def check_alive(self) -> None:
        for process in self.processes:
            if not process.alive():
                raise StackError(
                    f"{process.name} exited with {process.process.returncode}:\n{process.tail()}"
                )

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

    def _spawn(self, name: str, command: list[str], env: dict[str, str], cwd: Path | None = None) -> None:
        self.processes.append(
            ManagedProcess(
                name,
                command,
                env=toolchain.env_with_node({**env, **self.config.extra_env}),
                cwd=cwd,
                echo=self.echo,
            )
        )

    def _start_issuer(self) -> None:
        self.issuer.keys.ensure()
        self._issuer_server = IssuerServer(self.issuer, self.config.host, self.config.ports["issuer"])
        self._issuer_server.start()

    def _start_dynamodb(self) -> None:
        data_dir = None if self.config.data_dir is None else self.config.data_dir / "dynamodb"
        if data_dir is not None:
            data_dir.mkdir(parents=True, exist_ok=True)
        command = dynamodb_local.command(self.config.ports["dynamodb"], data_dir, self.config.host)
        self._spawn("dynamodb", command, {}, cwd=toolchain.dynamodb_local_dir())
        self._wait(lambda: wait_for_port(self.config.ports["dynamodb"], 60, self.config.host), "dynamodb")

    async def _create_tables(self) -> None:
        from kit.dynamo import dynamodb_client

        settings = ServiceSettings(dynamodb_endpoint_url=self.config.dynamodb_url)
        async with dynamodb_client(settings) as client:
            for name in SUBGRAPHS:
                table_module = importlib.import_module(f"{name}.adapters.table")
                table = self.config.table(name)
                await ensure_table(client, table_module.table_definition(table))
                # A table kept in .data/ from an older definition: the service's own upgrade
                # (new indexes, backfilled keys), when it has one.
                upgrade = getattr(table_module, "upgrade_table", None)
                if upgrade is not None:
                    await upgrade(client, table)

    def subgraph_env(self, name: str) -> dict[str, str]:
        prefix = name.upper()
        env = {
            f"{prefix}_HOST": self.config.host,
            f"{prefix}_PORT": str(self.config.ports[name]),
            f"{prefix}_DYNAMODB_ENDPOINT_URL": self.config.dynamodb_url,
            f"{prefix}_TABLE_NAME": self.config.table(name),
            **self.issuer.env(),
        }
        if name == "customers":
            env["CUSTOMERS_EVENT_SUBSCRIBERS"] = self.config.url("portfolios", "/events")
        if name in ("customers", "portfolios"):
            env[f"{prefix}_EVENTS_PUSH_SECRET"] = self.events_push_secret
        return env

    def _start_subgraph(self, name: str) -> None:
        script = Path(sys.executable).parent / f"{name}-subgraph"
        self._spawn(name, [str(script)], self.subgraph_env(name))

    def router_env(self) -> dict[str, str]:
        env = {
            "ROUTER_HOST": self.config.host,
            "ROUTER_PORT": str(self.config.ports["router"]),
            **{f"{name.upper()}_URL": self.config.url(name, "/graphql") for name in SUBGRAPHS},
            **self.issuer.env(),
            # Development relaxes only the IDE (GraphiQL, introspection, ad-hoc documents); the
            # router's default profile is production.
            "ROUTER_PROFILE": "development",
            "ROUTER_GRAPHIQL_TOKEN": self.issuer.operator(ttl=GRAPHIQL_TOKEN_TTL_SECONDS),
        }
        if self.demo is not None:
            env["ROUTER_DEMO_CUSTOMER_ID"] = self.demo.customer_id
        return env

    def _start_router(self) -> None:
        command = [str(toolchain.node_executable()), str(toolchain.router_bin("hive-gateway")), "supergraph"]
        self._spawn("router", command, self.router_env(), cwd=toolchain.ROUTER_DIR)

    def _wait_ready(self, name: str, url: str) -> None:
        self._wait(lambda: wait_for_http_ok(url, STARTUP_TIMEOUT), name)

    def _wait(self, wait: object, name: str) -> None:
        try:
            wait()  # type: ignore[operator]
        except TimeoutError as error:
            tail = next((p.tail() for p in self.processes if p.name == name), "")
            raise StackError(f"{name} did not become ready: {error}\n{tail}") from error

    def _demo_file(self) -> Path | None:
        return None if self.config.data_dir is None else self.config.data_dir / "demo.json"
