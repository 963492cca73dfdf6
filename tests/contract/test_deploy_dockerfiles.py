"""The Dockerfiles, read without Docker (it does not run here).

Every image: pinned bases, non-root users, nothing copied that the build context lacks. The one
subgraph Dockerfile, built three ways (each subgraph of topology.toml with its SERVICE and PORT):
its arguments, uv's two-step sync, what it copies. Replayed (the build, the entry point, the health
check): test_deploy_subgraph_image.py; the router image: test_deploy_router_image.py; devstack's
image (docker-compose.yml's local SQS, its queues and the relay): test_deploy_devstack_image.py.
"""

from __future__ import annotations

import os
import posixpath
import re
import shlex
import subprocess
import tomllib

import pytest
from devstack import toolchain
from devstack.dockerfile import Copy, Stage, copies, ignored, parse
from devstack.topology import SUBGRAPH_NAMES, SUBGRAPHS

REPO = toolchain.REPO_ROOT
SUBGRAPH_DOCKERFILE = REPO / "subgraphs" / "Dockerfile"
BUILD_ARGS = {s.name: {"SERVICE": s.name, "PORT": str(s.port)} for s in SUBGRAPHS}
# Every image the repository builds: (Dockerfile, build arguments). devstack's is docker-compose.yml's
# local SQS and relay (test_deploy_devstack_image.py).
IMAGES = {name: (SUBGRAPH_DOCKERFILE, args) for name, args in BUILD_ARGS.items()} | {
    "router": (REPO / "router" / "Dockerfile", {}),
    "devstack": (REPO / "tools" / "devstack" / "Dockerfile", {}),
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


def test_the_uv_image_is_the_version_the_makefile_installs() -> None:
    version = re.search(r"^UV_VERSION := (\S+)$", (REPO / "Makefile").read_text(), re.MULTILINE)
    assert version is not None
    for name in (*SUBGRAPH_NAMES, "devstack"):
        bases = [stage.base for stage in stages_of(name)]
        assert f"ghcr.io/astral-sh/uv:{version.group(1)}" in bases
