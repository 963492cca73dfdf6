"""The hostile suite: one whole stack (as tests/e2e starts it) attacked as an attacker would, issue 11.

Every answer, whatever was sent, must be clean: an HTTP status below 500, no stack trace, no file
path, no exception class name, every GraphQL error with an `extensions.code` that is not an internal
error; and every process keeps serving (checked after each test, with a real Dashboard).

Besides the development router the launcher starts, a second Hive Gateway runs the production
profile over the same subgraphs, for the malformed HTTP that both profiles must survive.

Hypothesis runs the `hostile` profile: derandomized (the same examples on every run, as CI needs)
with a small number of examples. `HOSTILE_EXAMPLES=500` runs that many examples per property test,
randomized, for a longer manual hunt.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from devstack import toolchain
from devstack.client import operation
from devstack.config import StackConfig
from devstack.schema_gate import api_schema_sdl
from devstack.stack import Stack
from devstack.topology import SUBGRAPH_NAMES
from graphql import GraphQLSchema, build_ast_schema, parse
from hypothesis import HealthCheck, Phase, settings

from ..routers import start_production_router
from .extremes import Extremes
from .suite import REQUESTS, CappedStack, Hostile, Target, make_target

# -- Hypothesis ----------------------------------------------------------------------------------
_EXAMPLES = os.environ.get("HOSTILE_EXAMPLES")
settings.register_profile(
    "hostile",
    max_examples=int(_EXAMPLES) if _EXAMPLES else 25,
    derandomize=not _EXAMPLES,
    database=None,
    # CI reports the first failing example as generated; shrinking it costs hundreds of requests
    # per failing test. A manual run (HOSTILE_EXAMPLES) shrinks to the smallest reproduction.
    phases=list(Phase) if _EXAMPLES else [Phase.explicit, Phase.generate],
    # Each example is a request over loopback; a slow answer is a finding, not noise, but the
    # machine is shared, so the bound is generous. The HTTP client's own timeout is the same.
    deadline=timedelta(seconds=20),
    print_blob=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not REQUESTS.sent:
        return
    total = sum(REQUESTS.sent.values())
    bad = sum(REQUESTS.unclean.values())
    terminalreporter.write_sep("-", "hostile suite")
    terminalreporter.write_line(f"requests sent: {total}, answered cleanly: {total - bad}, not clean: {bad}")
    for where, count in sorted(REQUESTS.sent.items()):
        terminalreporter.write_line(f"  {where:<24} {count:>6} sent {REQUESTS.unclean[where]:>6} not clean")


@pytest.fixture(scope="session")
def extremes() -> Extremes:
    """The extreme values (extremes.py)."""
    return Extremes()


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    # The mutation rate limit (60 a minute per subject) is not what this suite is about: it sends
    # hundreds of refused mutations with one admin token.
    config = dataclasses.replace(StackConfig.ephemeral(), extra_env={"ROUTER_MUTATION_RATE_LIMIT": "1000000"})
    with CappedStack(config, echo=False) as running:
        yield running


@pytest.fixture(scope="session")
def hostile(stack: Stack) -> Iterator[Hostile]:
    production, port = start_production_router(stack)
    try:
        documents: dict[str, str] = json.loads((toolchain.SCHEMA_DIR / "trusted-documents.json").read_text())
        dashboard = operation("Dashboard")
        document_id = next(key for key, text in documents.items() if text == dashboard)
        assert document_id == hashlib.sha256(dashboard.encode()).hexdigest()
        suite = Hostile(stack, production, port, stack.issuer.admin(ttl=4 * 3600), document_id)
        # The launcher's stack runs the development profile: ad-hoc documents are allowed there,
        # which the generated documents need; production refuses them.
        adhoc = json.dumps({"query": "{ __typename }"}).encode()
        assert suite.post("development", adhoc, token=suite.admin).json()["data"] == {"__typename": "Query"}
        assert suite.post("production", adhoc, token=suite.admin).json().get("data") is None
        suite.assert_serving()
        yield suite
        suite.close()
    finally:
        production.stop()


@pytest.fixture(autouse=True)
def still_serving(request: pytest.FixtureRequest) -> Iterator[None]:
    """After every test: every process is alive and the router answers the whole Dashboard."""
    yield
    if "hostile" in request.fixturenames:
        suite: Hostile = request.getfixturevalue("hostile")
        suite.assert_serving(full=False)


@pytest.fixture(autouse=True, scope="module")
def still_serving_fully(hostile: Hostile) -> Iterator[None]:
    """After every module: each subgraph's /health too, and both profiles' Dashboard."""
    yield
    hostile.assert_serving(full=True)


# -- schemas -------------------------------------------------------------------------------------
_FEDERATION_DEFINITIONS = """
scalar link__Import
scalar federation__FieldSet
directive @link(url: String, import: [link__Import]) repeatable on SCHEMA
directive @key(fields: federation__FieldSet!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
directive @requires(fields: federation__FieldSet!) on FIELD_DEFINITION
directive @provides(fields: federation__FieldSet!) on FIELD_DEFINITION
directive @external on OBJECT | FIELD_DEFINITION
directive @shareable repeatable on OBJECT | FIELD_DEFINITION
directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION
  | OBJECT | SCALAR
directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!],
  requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR
  | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION
"""


@pytest.fixture(scope="session")
def api_schema() -> GraphQLSchema:
    """What clients of the router can ask: the supergraph without federation machinery."""
    sdl = api_schema_sdl((toolchain.SCHEMA_DIR / "supergraph.graphql").read_text())
    return build_ast_schema(parse(sdl))


@pytest.fixture(scope="session")
def subgraph_schemas() -> dict[str, GraphQLSchema]:
    """Each subgraph's own SDL (with `_entities` and `_Any`), the federation directives declared."""
    return {
        name: build_ast_schema(
            parse(_FEDERATION_DEFINITIONS + (toolchain.SCHEMA_DIR / f"{name}.graphql").read_text())
        )
        for name in SUBGRAPH_NAMES
    }


@pytest.fixture
def fresh_target(hostile: Hostile) -> Target:
    """New data of its own for one test."""
    return make_target(hostile)


@pytest.fixture(scope="session")
def pool_target(hostile: Hostile) -> Target:
    """The data the generated documents aim at (they may close or change it)."""
    return make_target(hostile)
