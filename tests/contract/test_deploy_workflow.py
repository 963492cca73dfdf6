"""The deploy workflow's image builds, run here with a stand-in for docker: one image per subgraph
of topology.toml, each from subgraphs/Dockerfile with its name and port, then the router's."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml
from devstack import toolchain
from devstack.topology import SUBGRAPHS

WORKFLOW = toolchain.REPO_ROOT / ".github" / "workflows" / "deploy.yml"


def build_step() -> dict[str, Any]:
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["deploy"]["steps"]
    (step,) = [step for step in steps if "docker build" in step.get("run", "")]
    return dict(step)


def test_every_subgraph_image_is_built_from_the_one_dockerfile_with_its_name_and_port(tmp_path: Path) -> None:
    log = tmp_path / "docker.log"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    docker = bin_dir / "docker"
    docker.write_text(f'#!/bin/sh\necho "$*" >> {log}\n')
    docker.chmod(0o755)
    bash = shutil.which("bash")
    assert bash is not None
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "REGISTRY": "registry.test",
        "IMAGE_TAG": "abc123",
    }
    # As GitHub runs a `run:` step on Linux: bash -e -o pipefail, from the repository root.
    done = subprocess.run(
        [bash, "--noprofile", "--norc", "-eo", "pipefail", "-c", build_step()["run"]],
        cwd=toolchain.REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    expected = []
    for subgraph in SUBGRAPHS:
        image = f"registry.test/portfolio-{subgraph.name}:abc123"
        expected += [
            f"build -f subgraphs/Dockerfile --build-arg SERVICE={subgraph.name} "
            f"--build-arg PORT={subgraph.port} -t {image} .",
            f"push {image}",
        ]
    expected += [
        "build -f router/Dockerfile -t registry.test/portfolio-router:abc123 .",
        "push registry.test/portfolio-router:abc123",
    ]
    assert log.read_text().splitlines() == expected


def test_a_failed_subgraph_build_fails_the_step_before_anything_else_is_pushed(tmp_path: Path) -> None:
    log = tmp_path / "docker.log"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    docker = bin_dir / "docker"
    # Fails the first subgraph build only: the loop runs in a pipeline, and must not swallow it.
    docker.write_text(f'#!/bin/sh\necho "$*" >> {log}\ncase "$*" in *subgraphs/Dockerfile*) exit 1;; esac\n')
    docker.chmod(0o755)
    bash = shutil.which("bash")
    assert bash is not None
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "REGISTRY": "r.test", "IMAGE_TAG": "t"}
    done = subprocess.run(
        [bash, "--noprofile", "--norc", "-eo", "pipefail", "-c", build_step()["run"]],
        cwd=toolchain.REPO_ROOT,
        env=env,
        capture_output=True,
        timeout=30,
    )
    assert done.returncode != 0
    (attempted,) = log.read_text().splitlines()
    assert attempted.startswith(f"build -f subgraphs/Dockerfile --build-arg SERVICE={SUBGRAPHS[0].name} ")
