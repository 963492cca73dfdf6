"""The Dockerfiles, checked without Docker (it does not run here).

Parsed: pinned bases, non-root users, health checks, uv's two-step sync, what the router bakes in.
Replayed: the subgraph build stage's COPY instructions and `uv sync` commands run in a temporary
directory exactly as written, and the resulting virtualenv serves the image's HEALTHCHECK. What
this cannot show: that the base images exist and behave as assumed, BuildKit cache mounts, file
ownership, and the router image (it needs the Hive Gateway base image).
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import shlex
import shutil
import subprocess
import time
import tomllib
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from devstack import toolchain
from devstack.config import DEFAULT_PORTS, SUBGRAPHS
from devstack.net import free_port

REPO = toolchain.REPO_ROOT
DOCKERFILES = {name: REPO / "subgraphs" / name / "Dockerfile" for name in SUBGRAPHS} | {
    "router": REPO / "router" / "Dockerfile"
}


# -- a small Dockerfile reader ---------------------------------------------------------------------
@dataclass
class Instruction:
    keyword: str
    flags: dict[str, str]
    value: str

    def exec_form(self) -> list[str] | None:
        try:
            parsed = json.loads(self.value)
        except json.JSONDecodeError:
            return None
        return parsed if isinstance(parsed, list) else None


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for instruction in self.all("ENV"):
            for pair in shlex.split(instruction.value):
                key, _, value = pair.partition("=")
                values[key] = value
        return values


def parse(path: Path) -> list[Stage]:
    lines: list[str] = []
    pending = ""
    for raw in path.read_text().splitlines():
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append(pending + stripped)
        pending = ""
    stages: list[Stage] = []
    for line in lines:
        keyword, _, rest = line.partition(" ")
        flags: dict[str, str] = {}
        while rest.startswith("--"):
            flag, _, rest = rest.partition(" ")
            name, _, value = flag[2:].partition("=")
            flags[name] = value
            rest = rest.lstrip()
        keyword = keyword.upper()
        if keyword == "FROM":
            parts = rest.split()
            stages.append(Stage(base=parts[0], name=parts[2] if len(parts) == 3 else None))
        else:
            stages[-1].instructions.append(Instruction(keyword, flags, rest.strip()))
    return stages


def copies(stage: Stage) -> list[tuple[list[str], str]]:
    """(sources, destination) of each COPY from the build context (not --from another stage)."""
    result = []
    for instruction in stage.all("COPY"):
        if "from" in instruction.flags:
            continue
        *sources, destination = instruction.value.split()
        result.append((sources, destination))
    return result


def dockerignore_patterns() -> list[re.Pattern[str]]:
    patterns = []
    for line in (REPO / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        assert not line.startswith("!"), "exceptions are not modelled by this test"
        regex = re.escape(line.rstrip("/")).replace(r"\*\*/", "(?:.*/)?").replace(r"\*", "[^/]*")
        patterns.append(re.compile(regex))
    return patterns


def ignored(relative: str) -> bool:
    """As Docker does: a path is excluded when it or one of its parent directories matches."""
    parts = relative.strip("/").split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(pattern.fullmatch(prefix) for pattern in dockerignore_patterns() for prefix in prefixes)


# -- every image -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(DOCKERFILES))
def test_every_base_image_is_pinned_to_a_version(name: str) -> None:
    stages = parse(DOCKERFILES[name])
    names = {stage.name for stage in stages}
    for stage in stages:
        if stage.base in names:
            continue
        assert re.search(r":v?\d+\.\d+\.\d+(-[\w.-]+)?$|@sha256:[0-9a-f]{64}$", stage.base), stage.base


@pytest.mark.parametrize("name", list(DOCKERFILES))
def test_every_image_runs_as_a_non_root_user(name: str) -> None:
    final = parse(DOCKERFILES[name])[-1]
    users = final.all("USER")
    assert users, "the final stage sets USER"
    user = users[-1].value.split(":")[0]
    assert user not in {"root", "0"}


@pytest.mark.parametrize("name", list(DOCKERFILES))
def test_everything_copied_exists_and_is_in_the_build_context(name: str) -> None:
    for stage in parse(DOCKERFILES[name]):
        for sources, _ in copies(stage):
            for source in sources:
                assert (REPO / source).exists(), source
                assert not ignored(source), f"{source} is excluded by .dockerignore"


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
        assert ignored(path), path
    for path in ("uv.lock", "subgraphs/assets/src/assets/data/instruments.json", "schema/supergraph.graphql"):
        assert not ignored(path), path


# -- the subgraphs ---------------------------------------------------------------------------------
def _sync_commands(stage: Stage) -> list[list[str]]:
    return [shlex.split(run.value) for run in stage.all("RUN") if "uv sync" in run.value]


@pytest.mark.parametrize("name", SUBGRAPHS)
def test_uv_syncs_dependencies_before_the_project_for_layer_caching(name: str) -> None:
    build = parse(DOCKERFILES[name])[-2]
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
            before_first_sync += instruction.value.split()[:-1]
    assert "uv.lock" in before_first_sync
    assert all(source == "uv.lock" or source.endswith("pyproject.toml") for source in before_first_sync)


@pytest.mark.parametrize("name", SUBGRAPHS)
def test_the_build_copies_every_workspace_members_pyproject_and_only_the_needed_sources(name: str) -> None:
    workspace = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]["members"]
    build = parse(DOCKERFILES[name])[-2]
    copied = {source for sources, _ in copies(build) for source in sources}
    assert {f"{member}/pyproject.toml" for member in workspace} <= copied
    sources = {source for source in copied if source.endswith("/src")}
    project = tomllib.loads((REPO / "subgraphs" / name / "pyproject.toml").read_text())
    workspace_dependencies = [
        dep for dep, spec in project["tool"]["uv"]["sources"].items() if spec.get("workspace")
    ]
    assert sources == {f"subgraphs/{dep}/src" for dep in workspace_dependencies} | {f"subgraphs/{name}/src"}


@pytest.mark.parametrize("name", SUBGRAPHS)
def test_the_image_runs_the_services_script_on_its_port_with_a_health_check(name: str) -> None:
    final = parse(DOCKERFILES[name])[-1]
    project = tomllib.loads((REPO / "subgraphs" / name / "pyproject.toml").read_text())
    (cmd,) = final.all("CMD")
    assert cmd.exec_form() == [f"{name}-subgraph"]
    assert f"{name}-subgraph" in project["project"]["scripts"]
    port = DEFAULT_PORTS[name]
    assert [e.value for e in final.all("EXPOSE")] == [str(port)]
    env = final.env()
    assert env[f"{name.upper()}_HOST"] == "0.0.0.0"
    assert env[f"{name.upper()}_PORT"] == str(port)
    (check,) = final.all("HEALTHCHECK")
    assert "/health" in check.value and f"{name.upper()}_PORT" in check.value


def test_the_uv_image_is_the_version_the_makefile_installs() -> None:
    version = re.search(r"^UV_VERSION := (\S+)$", (REPO / "Makefile").read_text(), re.MULTILINE)
    assert version is not None
    for name in SUBGRAPHS:
        bases = [stage.base for stage in parse(DOCKERFILES[name])]
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


# Starting a service costs seconds of bytecode compilation; the three Dockerfiles share one shape
# (the tests above check each), so one of them, the one with package data, is also served.
SERVED = "assets"


@pytest.mark.parametrize("name", SUBGRAPHS)
def test_replaying_the_build_stage_gives_a_virtualenv_that_passes_the_health_check(
    name: str, tmp_path: Path
) -> None:
    stages = parse(DOCKERFILES[name])
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
            *sources, destination = instruction.value.split()
            for source in sources:
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
    installed = (venv / "lib").glob(f"python3.*/site-packages/{name}/app.py")
    assert [path.is_symlink() for path in installed] == [False]  # installed, not a link to the sources
    if name != SERVED:
        return

    port = free_port()
    runtime_env = {
        **os.environ,
        **final.env(),
        f"{name.upper()}_PORT": str(port),
        f"{name.upper()}_HOST": "127.0.0.1",
        # A service refuses to start without an issuer to trust; the keys are fetched only when a
        # token arrives, so an address that answers nothing is enough for a health check.
        "AUTH_ISSUER": "https://issuer.invalid",
        "AUTH_AUDIENCE": "portfolio-supergraph",
        "AUTH_JWKS_URL": "https://issuer.invalid/.well-known/jwks.json",
    }
    runtime_env["PATH"] = f"{venv / 'bin'}{os.pathsep}{runtime_env['PATH']}"
    for key in [k for k in runtime_env if k.startswith("VIRTUAL_ENV")]:
        del runtime_env[key]
    process = subprocess.Popen(
        [str(script)], env=runtime_env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
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
        assert probe[0] == "python"
        probe[0] = str(venv / "bin" / "python")
        result = subprocess.run(probe, env=runtime_env, capture_output=True, text=True, timeout=10)
        assert result.returncode == 0, result.stderr
    finally:
        process.terminate()
        process.wait(timeout=10)


# -- the router ------------------------------------------------------------------------------------
def test_router_image_matches_the_pinned_gateway_and_planner() -> None:
    package = json.loads((REPO / "router" / "package.json").read_text())["dependencies"]
    (stage,) = parse(DOCKERFILES["router"])
    assert stage.base == f"ghcr.io/graphql-hive/gateway:{package['@graphql-hive/gateway']}"
    installs = " ".join(run.value for run in stage.all("RUN") if "npm install" in run.value)
    assert f"@graphql-hive/router-runtime@{package['@graphql-hive/router-runtime']}" in installs
    for name in (
        "@opentelemetry/exporter-trace-otlp-proto",
        "@opentelemetry/propagator-aws-xray",
        "@opentelemetry/id-generator-aws-xray",
        # the security plugins (router/src/plugins/); the base image lacks some
        # and has the others at its own versions
        "@escape.tech/graphql-armor-max-aliases",
        "@escape.tech/graphql-armor-max-depth",
        "@escape.tech/graphql-armor-max-tokens",
        "@envelop/rate-limiter",
        # GraphiQL's assets, served by the router itself (router/src/graphiql/)
        "@graphql-yoga/graphiql",
    ):
        assert f"{name}@{package[name]}" in installs, name


def _image_path(stage: Stage, source: str) -> str | None:
    """Where a file of the build context lands in the image: copied itself, or with its directory."""
    for sources, destination in copies(stage):
        for copied in sources:
            if copied == source:
                return destination
            if copied.endswith("/") and source.startswith(copied):
                return posixpath.join(destination, source.removeprefix(copied))
    return None


def _local_imports(module: Path) -> list[Path]:
    """The TypeScript modules `module` imports by relative path (`./x.js` names `./x.ts`)."""
    return [
        (module.parent / relative).with_suffix(".ts").resolve()
        for relative in re.findall(r"from '(\.{1,2}/[\w./-]+)\.js'", module.read_text())
    ]


def test_router_image_holds_every_local_module_the_config_imports() -> None:
    (stage,) = parse(DOCKERFILES["router"])
    router = (REPO / "router").resolve()
    config = router / "gateway.config.ts"
    assert _local_imports(config), "the config imports its plugins from modules beside it"
    seen: set[Path] = set()
    pending = [config]
    while pending:  # the config's imports, their imports, and so on
        module = pending.pop()
        if module in seen:
            continue
        seen.add(module)
        relative = module.relative_to(router).as_posix()
        assert _image_path(stage, f"router/{relative}") == f"/gateway/{relative}", relative
        pending.extend(_local_imports(module))
    assert len(seen) > 2, seen


def test_router_bakes_in_the_config_and_the_supergraph_where_the_config_looks() -> None:
    (stage,) = parse(DOCKERFILES["router"])
    destinations = {sources[0]: destination for sources, destination in copies(stage)}
    config_at = destinations["router/gateway.config.ts"]
    config = (REPO / "router" / "gateway.config.ts").read_text()
    relative = re.search(r"fromHere\('(\.\./schema/supergraph\.graphql)'\)", config)
    assert relative is not None
    expected = posixpath.normpath(posixpath.join(posixpath.dirname(config_at), relative.group(1)))
    assert destinations["schema/supergraph.graphql"] == expected
    operations = re.search(r"fromHere\('(\.\./schema/operations)'\)", config)
    assert operations is not None
    assert destinations["schema/operations/"].rstrip("/") == posixpath.normpath(
        posixpath.join(posixpath.dirname(config_at), operations.group(1))
    )
    trusted = re.search(r"fromHere\('(\.\./schema/trusted-documents\.json)'\)", config)
    assert trusted is not None  # the config refuses to start without its manifest
    assert destinations["schema/trusted-documents.json"] == posixpath.normpath(
        posixpath.join(posixpath.dirname(config_at), trusted.group(1))
    )
    assert posixpath.dirname(config_at) == "/gateway"  # the base image's working directory


def test_router_listens_on_its_port_and_checks_readiness() -> None:
    (stage,) = parse(DOCKERFILES["router"])
    env = stage.env()
    assert env["ROUTER_HOST"] == "0.0.0.0"
    assert env["ROUTER_PORT"] == str(DEFAULT_PORTS["router"])
    assert "HOST" not in env and "PORT" not in env  # the CLI would let these win over the config
    assert [e.value for e in stage.all("EXPOSE")] == [str(DEFAULT_PORTS["router"])]
    (check,) = stage.all("HEALTHCHECK")
    assert "/readiness" in check.value
    (cmd,) = stage.all("CMD")
    assert cmd.exec_form() == ["supergraph"]
