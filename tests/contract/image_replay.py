"""Replaying an image's build stage without Docker (it does not run here): its COPY instructions
from the build context and its `uv sync` commands run in a temporary directory exactly as written,
into a virtualenv standing for the image's. Used by the image tests (test_deploy_*_image.py)."""

from __future__ import annotations

import os
import posixpath
import shlex
import shutil
import subprocess
from pathlib import Path

from devstack import toolchain
from devstack.dockerfile import Stage, copies

REPO = toolchain.REPO_ROOT


def uv() -> str:
    candidates = [REPO / ".tools" / "venv" / "bin" / "uv", shutil.which("uv")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return str(candidate)
    raise AssertionError("uv is not installed: run `make bootstrap`")


def place(source: Path, workdir: Path, destination: str) -> None:
    """COPY semantics: a directory's contents go into the destination; a file goes into a
    destination ending in "/" under its own name, or becomes the destination."""
    target = workdir / destination
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True)
    elif destination.endswith("/"):
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / source.name)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def replay_build(build: Stage, context: Path, venv: Path) -> None:
    """The build stage's COPYs into `context` (its working directory) and its `uv sync` commands
    there, installing into `venv` (the stage's UV_PROJECT_ENVIRONMENT)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("UV_", "VIRTUAL_ENV"))}
    env.update(build.env())
    env["UV_PROJECT_ENVIRONMENT"] = str(venv)
    # Speed only, not what gets installed: link from uv's cache, compile bytecode lazily.
    env.update(UV_LINK_MODE="hardlink", UV_COMPILE_BYTECODE="0")
    for instruction in build.instructions:
        if instruction.keyword == "COPY" and "from" not in instruction.flags:
            (copy,) = copies(Stage("", None, [instruction]))
            for source in copy.matches(REPO):
                destination = posixpath.join(copy.destination, source) if copy.parents else copy.destination
                place(REPO / source, context, destination)
        elif instruction.keyword == "RUN" and "uv sync" in instruction.value:
            command = shlex.split(instruction.value)
            command[0] = uv()
            done = subprocess.run(command, cwd=context, env=env, capture_output=True, text=True, timeout=240)
            assert done.returncode == 0, done.stderr
