"""The router's Dockerfile, checked without Docker (it does not run here): the pinned gateway and
planner, every module the config imports and the files it reads baked in where it looks, its port
and readiness check. What this cannot show: that the Hive Gateway base image behaves as assumed."""

from __future__ import annotations

import json
import posixpath
import re
from pathlib import Path

from devstack import toolchain
from devstack.config import DEFAULT_PORTS
from devstack.dockerfile import Stage, copies, parse

REPO = toolchain.REPO_ROOT
DOCKERFILE = REPO / "router" / "Dockerfile"


def test_router_image_matches_the_pinned_gateway_and_planner() -> None:
    package = json.loads((REPO / "router" / "package.json").read_text())["dependencies"]
    (stage,) = parse(DOCKERFILE)
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
    for copy in copies(stage):
        destination = copy.destination
        for copied in copy.sources:
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
    (stage,) = parse(DOCKERFILE)
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
    (stage,) = parse(DOCKERFILE)
    destinations = {copy.sources[0]: copy.destination for copy in copies(stage)}
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
    (stage,) = parse(DOCKERFILE)
    env = stage.env()
    assert env["ROUTER_HOST"] == "0.0.0.0"
    assert env["ROUTER_PORT"] == str(DEFAULT_PORTS["router"])
    assert "HOST" not in env and "PORT" not in env  # the CLI would let these win over the config
    assert [e.value for e in stage.all("EXPOSE")] == [str(DEFAULT_PORTS["router"])]
    (check,) = stage.all("HEALTHCHECK")
    assert "/readiness" in check.value
    (cmd,) = stage.all("CMD")
    assert cmd.exec_form() == ["supergraph"]
