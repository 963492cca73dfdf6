"""The committed schema files are what the code exports and composes now, and the kept contract
operations validate against the supergraph."""

from __future__ import annotations

from pathlib import Path

import pytest
from devstack import schema_export, toolchain
from devstack.topology import SUBGRAPH_NAMES
from graphql import GraphQLSchema, build_schema, parse, validate

SCHEMA = toolchain.SCHEMA_DIR
KEPT = sorted((SCHEMA / "operations").glob("*.graphql"))


@pytest.mark.parametrize("name", SUBGRAPH_NAMES)
def test_committed_subgraph_sdl_is_what_the_code_exports(name: str) -> None:
    committed = (SCHEMA / f"{name}.graphql").read_text()
    assert committed == schema_export.export_sdl(name), f"schema/{name}.graphql is stale: run `make schema`"


def test_committed_supergraph_is_what_composition_gives() -> None:
    result = schema_export.compose(check=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def supergraph() -> GraphQLSchema:
    return build_schema((SCHEMA / "supergraph.graphql").read_text())


@pytest.mark.parametrize("path", KEPT, ids=lambda p: p.name)
def test_kept_operation_validates_against_the_supergraph(path: Path, supergraph: GraphQLSchema) -> None:
    errors = validate(supergraph, parse(path.read_text()))
    assert errors == [], [e.message for e in errors]


def test_inaccessible_fields_are_not_in_the_kept_operations() -> None:
    # `holdings` is internal plumbing for @requires; a frontend must not depend on it.
    assert all("holdings" not in path.read_text() for path in KEPT)
