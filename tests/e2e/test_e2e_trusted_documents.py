"""Trusted documents through the router: served by id in both modes; in production mode
(ROUTER_TRUSTED_DOCUMENTS_ONLY=true) every other document is refused."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from devstack import toolchain, trusted_documents
from devstack.client import GraphQLClient
from devstack.config import StackConfig
from devstack.stack import Stack

pytestmark = pytest.mark.e2e

INSTRUMENT = (toolchain.SCHEMA_DIR / "operations" / "Instrument.graphql").read_text()
INSTRUMENT_ID = trusted_documents.document_id(INSTRUMENT)
ARBITRARY = '{ instrument(symbol: "AAPL") { symbol name } }'


def by_document_id(router: GraphQLClient, document_id: str) -> dict:
    return router.post({"documentId": document_id, "variables": {"symbol": "AAPL"}}).json()


def by_apollo_hash(router: GraphQLClient, document_id: str) -> dict:
    body = {
        "variables": {"symbol": "AAPL"},
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": document_id}},
    }
    return router.post(body).json()


def operator_client(stack: Stack) -> GraphQLClient:
    """The router's client, as an operator."""
    return GraphQLClient(stack.config.router_graphql_url, token=stack.issuer.operator())


def test_manifest_holds_every_kept_operation_and_nothing_planned() -> None:
    manifest = trusted_documents.build_manifest(toolchain.SCHEMA_DIR / "operations")
    kept = sorted((toolchain.SCHEMA_DIR / "operations").glob("*.graphql"))
    assert sorted(manifest.values()) == sorted(p.read_text() for p in kept)
    committed = (toolchain.SCHEMA_DIR / trusted_documents.MANIFEST_NAME).read_text()
    assert committed == trusted_documents.render(manifest)


def test_default_mode_serves_ids_and_arbitrary_documents(stack) -> None:
    with operator_client(stack) as router:
        for answer in (
            by_document_id(router, INSTRUMENT_ID),
            by_document_id(router, f"sha256:{INSTRUMENT_ID}"),
            by_apollo_hash(router, INSTRUMENT_ID),
        ):
            assert answer["data"]["instrument"]["symbol"] == "AAPL", answer
        arbitrary = router.post({"query": ARBITRARY}).json()
    assert arbitrary["data"]["instrument"]["name"] == "Apple Inc."


@pytest.fixture(scope="module")
def production_router() -> Iterator[GraphQLClient]:
    config = replace(StackConfig.ephemeral(), extra_env={"ROUTER_TRUSTED_DOCUMENTS_ONLY": "true"})
    with Stack(config, echo=False, seed=False) as running, operator_client(running) as router:
        yield router


def test_trusted_only_mode_serves_ids(production_router: GraphQLClient) -> None:
    assert by_document_id(production_router, INSTRUMENT_ID)["data"]["instrument"]["symbol"] == "AAPL"
    assert by_apollo_hash(production_router, INSTRUMENT_ID)["data"]["instrument"]["symbol"] == "AAPL"


def test_trusted_only_mode_refuses_anything_else(production_router: GraphQLClient) -> None:
    arbitrary = production_router.post({"query": ARBITRARY}).json()
    assert "data" not in arbitrary or arbitrary["data"] is None
    assert arbitrary["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_ONLY", arbitrary
    unknown = by_document_id(production_router, "0" * 64)
    assert unknown["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST", unknown
