"""The Dockerfiles, checked without Docker (it does not run here).

Every image: pinned bases, non-root users, nothing copied that the build context lacks. The one
subgraph Dockerfile, built three ways (each subgraph of topology.toml with its SERVICE and PORT):
uv's two-step sync, its port and health check, the entry point that gives each service its settings
prefix. Replayed: the build stage's COPY instructions and `uv sync` commands run in a temporary
directory exactly as written, and the resulting virtualenv, started by the image's CMD, serves its
HEALTHCHECK. What this cannot show: that the base images exist and behave as assumed, BuildKit cache
mounts, file ownership. The router image: tests/contract/test_deploy_router_image.py.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import shlex
import shutil
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest
from devstack import toolchain
from devstack.dockerfile import Copy, Stage, copies, ignored, parse
from devstack.net import free_port
from devstack.topology import SUBGRAPH_NAMES, SUBGRAPHS, Subgraph, subgraph

REPO = toolchain.REPO_ROOT
SUBGRAPH_DOCKERFILE = REPO / "subgraphs" / "Dockerfile"
BUILD_ARGS = {s.name: {"SERVICE": s.name, "PORT": str(s.port)} for s in SUBGRAPHS}
# Every image the repository builds: (Dockerfile, build arguments).
IMAGES = {name: (SUBGRAPH_DOCKERFILE, args) for name, args in BUILD_ARGS.items()} | {
    "router": (REPO / "router" / "Dockerfile", {})
}


def stages_of(image: str) -> list[Stage]:
    dockerfile, args = IMAGES[image]
    return parse(dockerfile, args)


# -- every image -----------------------------------------------------------------------------------
@pytest.mark.parametrize("image", list(IMAGES))
def test_every_base_image_is_pinned_to_a_version(image: str) -> None:
    stages = stages_of(image)
    names = {stage.name for stage in stages}
    for stage in stages:
        if stage.base in names:
            continue
        assert re.search(r":v?\d+\.\d+\.\d+(-[\w.-]+)?$|@sha256:[0-9a-f]{64}$", stage.base), stage.base


@pytest.mark.parametrize("image", list(IMAGES))
def test_every_image_runs_as_a_non_root_user(image: str) -> None:
    final = stages_of(image)[-1]
    users = final.all("USER")
    assert users, "the final stage sets USER"
    user = users[-1].value.split(":")[0]
    assert user not in {"root", "0"}


@pytest.mark.parametrize("image", list(IMAGES))
def test_everything_copied_exists_and_is_in_the_build_context(image: str) -> None:
    for stage in stages_of(image):
        assert not stage.undeclared, f"a stage uses {stage.undeclared} without declaring ARG (empty there)"
        for copy in copies(stage):
            for source in copy.sources:
                # A glob that matches nothing is silently skipped by COPY --parents: each must match.
                assert Copy([source], copy.destination, copy.parents).matches(REPO), source
            for source in copy.matches(REPO):
                assert not ignored(REPO, source), f"{source} is excluded by .dockerignore"


def test_dockerignore_keeps_local_state_out_of_the_context() -> None:
    for path in (
        ".data/dynamodb/shared-local-instance.db",
        ".venv/bin/python",
        ".tools/bin/node",
        "router/node_modules/@graphql-hive/gateway/package.json",
        "infra/node_modules/aws-cdk/package.json",
        "infra/cdk.out/manifest.json",
        "subgraphs/kit/src/kit/__pycache__/app.cpython-311.pyc",
        ".git/HEAD",
    ):
        assert ignored(REPO, path), path
    for path in ("uv.lock", "subgraphs/assets/src/assets/data/instruments.json", "schema/supergraph.graphql"):
        assert not ignored(REPO, path), path


# -- the subgraph image, built for each subgraph ---------------------------------------------------
def _sync_commands(stage: Stage) -> list[list[str]]:
    return [shlex.split(run.value) for run in stage.all("RUN") if "uv sync" in run.value]


def _landed(stage: Stage) -> set[str]:
    """Where each file copied from the context lands, relative to the stage's working directory."""
    landed = set()
    for copy in copies(stage):
        for source in copy.matches(REPO):
            if copy.parents:
                landed.add(posixpath.normpath(posixpath.join(copy.destination, source)))
            elif (REPO / source).is_dir() or not copy.destination.endswith("/"):
                landed.add(posixpath.normpath(copy.destination))
            else:
                landed.add(posixpath.normpath(posixpath.join(copy.destination, posixpath.basename(source))))
    return landed


def test_one_dockerfile_builds_every_subgraph_and_no_other_remains() -> None:
    assert sorted(path.parent.name for path in REPO.glob("subgraphs/*/Dockerfile")) == []
    for name, args in BUILD_ARGS.items():
        assert set(parse(SUBGRAPH_DOCKERFILE, args)[-1].args) == {"SERVICE", "PORT"}, name


def test_a_build_without_its_arguments_stops_at_once_and_says_how() -> None:
    def guard(args: dict[str, str]) -> subprocess.CompletedProcess[str]:
        build = parse(SUBGRAPH_DOCKERFILE, args)[-2]
        (check,) = [run for run in build.all("RUN") if "--build-arg" in run.value]
        first_sync = next(run for run in build.all("RUN") if "uv sync" in run.value)
        assert build.instructions.index(check) < build.instructions.index(first_sync)
        # Docker gives RUN the stage's build arguments as environment variables.
        env = {"PATH": os.environ["PATH"], **build.args}
        return subprocess.run(["sh", "-c", check.value], env=env, capture_output=True, text=True, timeout=10)

    for given in ({}, {"SERVICE": "assets"}, {"PORT": "4003"}):
        refused = guard(given)
        assert refused.returncode != 0, given
        assert "--build-arg SERVICE=<subgraph> --build-arg PORT=<port>" in refused.stderr
    assert guard(BUILD_ARGS["assets"]).returncode == 0


@pytest.mark.parametrize("name", SUBGRAPH_NAMES)
def test_uv_syncs_dependencies_before_the_project_for_layer_caching(name: str) -> None:
    build = stages_of(name)[-2]
    first, second = _sync_commands(build)
    for command in (first, second):
        assert command[:2] == ["uv", "sync"]
        assert {"--frozen", "--no-dev"} <= set(command)
        assert command[command.index("--package") + 1] == name
    assert "--no-install-workspace" in first and "--no-install-workspace" not in second
    assert "--no-editable" in second  # the runtime stage copies a self-contained virtualenv
    # Until the first sync, only the lock and pyproject files are copied: source edits keep that layer.
    before_first_sync = []
    for instruction in build.instructions:
        if instruction.keyword == "RUN" and "uv sync" in instruction.value:
            break
        if instruction.keyword == "COPY" and "from" not in instruction.flags:
            before_first_sync += Copy(instruction.value.split()[:-1], "", False).matches(REPO)
    assert "uv.lock" in before_first_sync
    assert all(source == "uv.lock" or source.endswith("pyproject.toml") for source in before_first_sync)


@pytest.mark.parametrize("name", SUBGRAPH_NAMES)
def test_the_build_copies_every_workspace_members_pyproject_and_only_the_needed_sources(name: str) -> None:
    workspace = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]["members"]
    assert "subgraphs/kit-testing" in workspace  # the dev-only member: its pyproject is needed too
    build = stages_of(name)[-2]
    assert {f"{member}/pyproject.toml" for member in workspace} <= _landed(build)
    copied = {source for copy in copies(build) for source in copy.matches(REPO)}
    sources = {source for source in copied if source.endswith("/src")}
    project = tomllib.loads((REPO / "subgraphs" / name / "pyproject.toml").read_text())
    workspace_dependencies = [
        dep for dep, spec in project["tool"]["uv"]["sources"].items() if spec.get("workspace")
    ]
    assert sources == {f"subgraphs/{dep}/src" for dep in workspace_dependencies} | {f"subgraphs/{name}/src"}


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
            _place(REPO / source, root, copy.destination.lstrip("/"))
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


def test_the_uv_image_is_the_version_the_makefile_installs() -> None:
    version = re.search(r"^UV_VERSION := (\S+)$", (REPO / "Makefile").read_text(), re.MULTILINE)
    assert version is not None
    for name in SUBGRAPH_NAMES:
        bases = [stage.base for stage in stages_of(name)]
        assert f"ghcr.io/astral-sh/uv:{version.group(1)}" in bases


def _uv() -> str:
    candidates = [REPO / ".tools" / "venv" / "bin" / "uv", shutil.which("uv")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return str(candidate)
    raise AssertionError("uv is not installed: run `make bootstrap`")


def _place(source: Path, workdir: Path, destination: str) -> None:
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
    venv = tmp_path / "venv"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("UV_", "VIRTUAL_ENV"))}
    env.update(build.env())
    env["UV_PROJECT_ENVIRONMENT"] = str(venv)  # /app/.venv in the image
    # Speed only, not what gets installed: link from uv's cache, compile bytecode lazily.
    env.update(UV_LINK_MODE="hardlink", UV_COMPILE_BYTECODE="0")
    for instruction in build.instructions:
        if instruction.keyword == "COPY" and "from" not in instruction.flags:
            (copy,) = copies(Stage("", None, [instruction]))
            for source in copy.matches(REPO):
                destination = posixpath.join(copy.destination, source) if copy.parents else copy.destination
                _place(REPO / source, context, destination)
        elif instruction.keyword == "RUN" and "uv sync" in instruction.value:
            command = shlex.split(instruction.value)
            command[0] = _uv()
            done = subprocess.run(command, cwd=context, env=env, capture_output=True, text=True, timeout=240)
            assert done.returncode == 0, done.stderr
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
