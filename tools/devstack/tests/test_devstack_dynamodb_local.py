"""devstack.dynamodb_local: the java command line and how it is started."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from devstack import dynamodb_local, toolchain


def test_in_memory_command() -> None:
    command = dynamodb_local.command(8123, None)
    assert "-inMemory" in command
    assert "-dbPath" not in command
    assert command[command.index("-port") + 1] == "8123"
    assert "-sharedDb" in command
    jar = Path(command[command.index("-jar") + 1])
    assert jar.name == "DynamoDBLocal.jar"
    assert jar.is_file()
    assert Path(command[0]) == toolchain.java_executable()
    assert Path(command[0]).exists()


def test_persistent_command(tmp_path: Path) -> None:
    command = dynamodb_local.command(8000, tmp_path / "dynamodb")
    assert "-inMemory" not in command
    assert command[command.index("-dbPath") + 1] == str(tmp_path / "dynamodb")
    assert command[command.index("-port") + 1] == "8000"
    # The storage option comes after -jar: it is an argument of DynamoDB Local, not of the JVM.
    assert command.index("-dbPath") > command.index("-jar")


def test_start_creates_the_data_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[tuple[list[str], dict[str, Any]]] = []

    def fake_popen(args: list[str], **kwargs: Any) -> str:
        started.append((args, kwargs))
        return "process"

    monkeypatch.setattr(dynamodb_local.subprocess, "Popen", fake_popen)
    data_dir = tmp_path / "nested" / "dynamodb"
    assert dynamodb_local.start(8001, data_dir, stdout=None) == "process"
    assert data_dir.is_dir()
    [(args, kwargs)] = started
    assert args == dynamodb_local.command(8001, data_dir)
    assert kwargs["cwd"] == toolchain.dynamodb_local_dir()
    assert kwargs["stdout"] is None
