"""docker-compose.yml describes the same topology as the dev launcher (Docker cannot run here)."""

from __future__ import annotations

import yaml
from devstack import toolchain
from devstack.config import DEFAULT_PORTS, SUBGRAPHS


def test_compose_file_has_every_service_on_its_design_port() -> None:
    compose = yaml.safe_load((toolchain.REPO_ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"dynamodb", "router", *SUBGRAPHS}
    for name in ("router", *SUBGRAPHS):
        port = DEFAULT_PORTS[name]
        assert services[name]["ports"] == [f"{port}:{port}"], name
    for name in SUBGRAPHS:
        env = services[name]["environment"]
        assert env[f"{name.upper()}_DYNAMODB_ENDPOINT_URL"] == "http://dynamodb:8000"
        assert (
            services["router"]["environment"][f"{name.upper()}_URL"]
            == f"http://{name}:{DEFAULT_PORTS[name]}/graphql"
        )
