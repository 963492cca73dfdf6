"""The subgraph image replayed without Docker (it does not run here), for each subgraph of
topology.toml: the build stage's COPY instructions and `uv sync` commands run in a temporary
directory exactly as written, and the image's CMD (the entry point) runs as the image would, on
the resulting virtualenv, until its HEALTHCHECK passes. What this cannot show: that the base images
exist and behave as assumed, BuildKit cache mounts, file ownership.
"""

from __future__ import annotations

import json
import os
import posixpath
import shutil
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest
from devstack import toolchain
from devstack.dockerfile import Stage, copies, parse
from devstack.net import free_port
from devstack.topology import SUBGRAPH_NAMES, SUBGRAPHS, Subgraph, subgraph

from .image_replay import place, replay_build

REPO = toolchain.REPO_ROOT
SUBGRAPH_DOCKERFILE = REPO / "subgraphs" / "Dockerfile"


def stages_of(name: str) -> list[Stage]:
    """The subgraph Dockerfile's stages as `--build-arg SERVICE=<name> --build-arg PORT=<port>` builds it."""
    return parse(SUBGRAPH_DOCKERFILE, {"SERVICE": name, "PORT": str(subgraph(name).port)})


@pytest.mark.parametrize("subgraph", SUBGRAPHS, ids=SUBGRAPH_NAMES)
def test_the_image_runs_the_services_script_on_its_port_with_a_health_check(
    subgraph: Subgraph, tmp_path: Path
) -> None:
    name, prefix = subgraph.name, subgraph.env_prefix
    final = stages_of(name)[-1]
    project = tomllib.loads((REPO / "subgraphs" / name / "pyproject.toml").read_text())
    assert f"{name}-subgraph" in project["project"]["scripts"]
    assert [e.value for e in final.all("EXPOSE")] == [str(subgraph.port)]
    assert {key: final.env()[key] for key in ("SERVICE", "PORT")} == {
        "SERVICE": name,
        "PORT": str(subgraph.port),
    }
    (check,) = final.all("HEALTHCHECK")
    assert "/health" in (REPO / "subgraphs" / "entrypoint.py").read_text()
    # The image's CMD, run as the image would with a stand-in for the service's script on PATH: it
    # becomes that script, listening on every interface on its port, under its own settings prefix.
    root = _replay_final_copies(final, tmp_path / "image")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / f"{name}-subgraph"
    script.write_text(
        f"#!{sys.executable}\nimport json, os, sys\njson.dump([sys.argv[0], dict(os.environ)], sys.stdout)\n"
    )
    script.chmod(0o755)
    (cmd,) = final.all("CMD")
    base = {**final.env(), "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}

    def run(extra: dict[str, str]) -> tuple[str, dict[str, str]]:
        command = _in_image(cmd.exec_form() or [], root)
        done = subprocess.run(command, env={**base, **extra}, capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        argv0, env = json.loads(done.stdout)
        return Path(argv0).name, env

    started, env = run({})
    assert started == f"{name}-subgraph"
    assert env[f"{prefix}HOST"] == "0.0.0.0"
    assert env[f"{prefix}PORT"] == str(subgraph.port)
    # What the container is given wins over the image's defaults.
    _, env = run({f"{prefix}PORT": "8080", f"{prefix}HOST": "127.0.0.1"})
    assert (env[f"{prefix}HOST"], env[f"{prefix}PORT"]) == ("127.0.0.1", "8080")
    probe = check.value[check.value.index("CMD") + 3 :]
    assert json.loads(probe)[1:] == [_image_path_of(final, "subgraphs/entrypoint.py"), "health"]


def _replay_final_copies(final: Stage, root: Path) -> Path:
    """The final stage's COPYs from the context, into `root` standing for the image's /."""
    for copy in copies(final):
        assert not copy.parents
        for source in copy.matches(REPO):
            place(REPO / source, root, copy.destination.lstrip("/"))
    return root


def _image_path_of(stage: Stage, source: str) -> str:
    for copy in copies(stage):
        if source in copy.sources and copy.destination.endswith("/"):
            return posixpath.join(copy.destination, posixpath.basename(source))
    raise AssertionError(f"{source} is not copied into the image")


def _in_image(command: list[str], root: Path) -> list[str]:
    """An exec-form command with the image's python and absolute paths resolved under `root`."""
    assert command[0] == "python"
    return [sys.executable] + [
        str(root / arg.lstrip("/")) if arg.startswith("/") else arg for arg in command[1:]
    ]


# Starting a service costs seconds of bytecode compilation; the three builds differ only in their
# arguments (the tests above check each), so one of them, the one with package data, is also served.
SERVED = "assets"


@pytest.mark.parametrize("name", SUBGRAPH_NAMES)
def test_replaying_the_build_stage_gives_a_virtualenv_that_passes_the_health_check(
    name: str, tmp_path: Path
) -> None:
    stages = stages_of(name)
    build, final = stages[-2], stages[-1]
    context = tmp_path / "src"
    venv = tmp_path / "venv"  # /app/.venv in the image
    replay_build(build, context, venv)
    # Only the virtualenv reaches the final image: the sources may go.
    shutil.rmtree(context)
    script = venv / "bin" / f"{name}-subgraph"
    assert script.is_file()
    site_packages = next((venv / "lib").glob("python3.*/site-packages"))
    installed = list(site_packages.glob(f"{name}/app.py"))
    assert [path.is_symlink() for path in installed] == [False]  # installed, not a link to the sources
    # The kit and this service only: no test helpers, no other subgraph.
    assert (site_packages / "kit").is_dir()
    assert not list(site_packages.glob("kit_testing*"))
    assert not [other for other in SUBGRAPH_NAMES if other != name and (site_packages / other).exists()]
    if name != SERVED:
        return

    root = _replay_final_copies(final, tmp_path / "image")
    port = free_port()
    runtime_env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("VIRTUAL_ENV")},
        **final.env(),
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "PORT": str(port),  # the image's port, moved to a free one; the entry point reads it
        # Loopback only here; in the image the entry point's default (every interface) applies.
        f"{subgraph(name).env_prefix}HOST": "127.0.0.1",
        # A service refuses to start without an issuer to trust; the keys are fetched only when a
        # token arrives, so an address that answers nothing is enough for a health check.
        "AUTH_ISSUER": "https://issuer.invalid",
        "AUTH_AUDIENCE": "portfolio-supergraph",
        "AUTH_JWKS_URL": "https://issuer.invalid/.well-known/jwks.json",
    }

    def in_venv(command: list[str]) -> list[str]:
        resolved = _in_image(command, root)
        return [str(venv / "bin" / "python"), *resolved[1:]]

    (cmd,) = final.all("CMD")
    process = subprocess.Popen(
        in_venv(cmd.exec_form() or []),
        env=runtime_env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except OSError:
                assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
                assert time.monotonic() < deadline, "the service did not start"
                time.sleep(0.2)
        (check,) = final.all("HEALTHCHECK")
        probe = json.loads(check.value[check.value.index("CMD") + 3 :])
        result = subprocess.run(in_venv(probe), env=runtime_env, capture_output=True, text=True, timeout=10)
        assert result.returncode == 0, result.stderr
    finally:
        process.terminate()
        process.wait(timeout=10)
    # and the probe fails once the service is gone
    result = subprocess.run(in_venv(probe), env=runtime_env, capture_output=True, text=True, timeout=10)
    assert result.returncode != 0
