"""ROUTER_PROFILE: production (the default) serves trusted documents only and hides the schema (no
introspection, no field suggestions, no GraphiQL); development relaxes exactly those, with an operator
token preloaded in GraphiQL. The explicit ROUTER_TRUSTED_DOCUMENTS_ONLY override still works."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from devstack import schema_gate, toolchain, trusted_documents
from graphql import OperationDefinitionNode, parse, validate
from graphql.execution.values import get_variable_values
from kit_testing import TestIssuer

from .gateway import INSTRUMENT_ID, Gateway

ARBITRARY = '{ instrument(symbol: "AAPL") { symbol } }'
INTROSPECTION = [
    "{ __schema { queryType { name } } }",
    '{ __type(name: "Instrument") { fields { name } } }',
]
MISSPELT = '{ instrment(symbol: "AAPL") { symbol } }'


def test_production_serves_trusted_documents_only(production: Gateway, issuer: TestIssuer) -> None:
    token = issuer.token()
    arbitrary = production.query(ARBITRARY, token=token).json()
    assert arbitrary.get("data") is None
    assert [e["extensions"]["code"] for e in arbitrary["errors"]] == ["PERSISTED_QUERY_ONLY"], arbitrary
    unknown = production.post({"documentId": "0" * 64}, token=token).json()
    assert [e["extensions"]["code"] for e in unknown["errors"]] == ["PERSISTED_QUERY_NOT_IN_LIST"], unknown
    known = production.post({"documentId": INSTRUMENT_ID, "variables": {"symbol": "AAPL"}}, token=token)
    assert known.json()["data"]["instrument"]["name"] == "Apple Inc.", known.text


@pytest.mark.parametrize("document", INTROSPECTION)
def test_production_refuses_introspection(
    production_open: Gateway, issuer: TestIssuer, document: str
) -> None:
    body = production_open.query(document, token=issuer.token()).json()
    assert body.get("data") is None, body
    assert "introspection has been disabled" in body["errors"][0]["message"], body


def test_production_hides_field_suggestions(production_open: Gateway, issuer: TestIssuer) -> None:
    (error,) = production_open.query(MISSPELT, token=issuer.token()).json()["errors"]
    assert error["message"] == 'Cannot query field "instrment" on type "Query". [Suggestion hidden]'


CREATE_PORTFOLIO_ID = trusted_documents.document_id(
    (toolchain.SCHEMA_DIR / "operations" / "CreatePortfolio.graphql").read_text()
)
MISSPELT_KIND = {
    "documentId": CREATE_PORTFOLIO_ID,
    "variables": {"input": {"customerId": "c-1", "name": "P", "kind": "BROKERAG", "baseCurrency": "USD"}},
}


def test_production_hides_enum_suggestions_even_in_trusted_documents(
    production: Gateway, issuer: TestIssuer
) -> None:
    body = production.post(MISSPELT_KIND, token=issuer.token()).json()
    messages = " ".join(error["message"] for error in body["errors"])
    assert 'Value "BROKERAG" does not exist in "PortfolioKind" enum. [Suggestion hidden]' in messages, body
    assert "BROKERAGE" not in messages


def test_development_suggests_enum_values(development: Gateway, issuer: TestIssuer) -> None:
    # The development fixture's cost limit (5) is below CreatePortfolio's: ask for the payload's
    # __typename alone, which costs 1.
    cheap = "mutation($input: CreatePortfolioInput!) { createPortfolio(input: $input) { __typename } }"
    body = development.post(
        {"query": cheap, "variables": MISSPELT_KIND["variables"]}, token=issuer.token()
    ).json()
    messages = " ".join(error["message"] for error in body["errors"])
    assert 'Did you mean the enum value "BROKERAGE"?' in messages, body


def test_production_has_no_graphiql_and_no_landing_page(production: Gateway) -> None:
    for url in (production.url, production.base_url + "/"):
        page = httpx.get(url, headers={"Accept": "text/html"})
        assert "text/html" not in page.headers.get("content-type", ""), (url, page.text[:200])
        assert "graphiql" not in page.text.lower()


def test_production_can_be_told_to_serve_graphiql_without_a_token(production_open: Gateway) -> None:
    page = httpx.get(production_open.url, headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Authorization" not in page.text


def test_production_can_be_told_to_take_arbitrary_documents(
    production_open: Gateway, issuer: TestIssuer
) -> None:
    body = production_open.query(ARBITRARY, token=issuer.token()).json()
    assert body == {"data": {"instrument": {"symbol": "AAPL"}}}


def test_development_takes_arbitrary_and_trusted_documents(development: Gateway, issuer: TestIssuer) -> None:
    token = issuer.token()
    assert development.query(ARBITRARY, token=token).json()["data"] == {"instrument": {"symbol": "AAPL"}}
    known = development.post({"documentId": INSTRUMENT_ID, "variables": {"symbol": "AAPL"}}, token=token)
    assert known.json()["data"]["instrument"]["symbol"] == "AAPL", known.text


def test_development_answers_introspection(development: Gateway, issuer: TestIssuer) -> None:
    token = issuer.token()
    schema = development.query(INTROSPECTION[0], token=token).json()
    assert schema["data"] == {"__schema": {"queryType": {"name": "Query"}}}, schema
    fields = development.query(INTROSPECTION[1], token=token).json()["data"]["__type"]["fields"]
    assert {"symbol", "name", "quote"} <= {field["name"] for field in fields}


def test_development_suggests_fields(development: Gateway, issuer: TestIssuer) -> None:
    (error,) = development.query(MISSPELT, token=issuer.token()).json()["errors"]
    assert error["message"] == 'Cannot query field "instrment" on type "Query". Did you mean "instrument"?'


def test_development_graphiql_carries_the_operator_token(development: Gateway, graphiql_token: str) -> None:
    page = httpx.get(development.url, headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    # The options are JSON in the page: the headers editor holds {"Authorization": "Bearer <token>"}.
    assert f'\\"Authorization\\": \\"Bearer {graphiql_token}\\"' in page.text
    assert '"shouldPersistHeaders":false' in page.text


def test_no_token_reaches_the_logs(
    production: Gateway, development: Gateway, issuer: TestIssuer, graphiql_token: str
) -> None:
    sent = [issuer.token(), issuer.token(ttl=-120), issuer.token(aud="another-api")]
    for token in sent:
        production.post({"documentId": INSTRUMENT_ID, "variables": {"symbol": "AAPL"}}, token=token)
        development.query(ARBITRARY, token=token)
    logs = "\n".join(production.process.lines + development.process.lines)
    assert "Failed to verify authentication token" in logs  # the refusals are logged, without the token
    for token in [*sent, graphiql_token]:
        assert token not in logs
        assert token.split(".")[2] not in logs


def _graphiql_options(page: str) -> dict[str, Any]:
    start = page.index("renderYogaGraphiQL(document.getElementById('root'), ") + len(
        "renderYogaGraphiQL(document.getElementById('root'), "
    )
    options, _ = json.JSONDecoder().raw_decode(page[start:])
    assert isinstance(options, dict)
    return options


def test_development_graphiql_opens_a_valid_tab_per_contract_operation(
    development: Gateway, graphiql_token: str
) -> None:
    page = httpx.get(development.url, headers={"Accept": "text/html"}).text
    tabs = _graphiql_options(page)["defaultTabs"]
    operations = sorted((toolchain.SCHEMA_DIR / "operations").glob("*.graphql"))
    dashboard = (toolchain.SCHEMA_DIR / "operations" / "Dashboard.graphql").read_text()
    assert tabs[0]["query"] == dashboard
    assert sorted(tab["query"] for tab in tabs) == sorted(path.read_text() for path in operations)
    api = schema_gate.load_schema(
        schema_gate.api_schema_sdl((toolchain.SCHEMA_DIR / "supergraph.graphql").read_text())
    )
    for tab in tabs:
        document = parse(tab["query"])
        assert validate(api, document) == [], tab["query"][:80]
        (operation,) = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        coerced = get_variable_values(api, operation.variable_definitions, json.loads(tab["variables"]))
        assert not isinstance(coerced, list), (operation.name, coerced)  # a list holds coercion errors
        assert json.loads(tab["headers"]) == {"Authorization": f"Bearer {graphiql_token}"}


def test_graphiql_page_loads_nothing_from_elsewhere(development: Gateway) -> None:
    page = httpx.get(development.url, headers={"Accept": "text/html"})
    assert "default-src 'none'" in page.headers["content-security-policy"]
    before_options = page.text.split("renderYogaGraphiQL(")[0]
    assert "://" not in before_options, "every asset is served by the router itself"
    assets = re.findall(r'(?:href|src)="(/graphiql-assets/[^"]+)"', before_options)
    assert len(assets) == 2
    for path in [*assets, "/graphiql-assets/editor.worker.js", "/graphiql-assets/graphql.worker.js"]:
        assert httpx.get(development.base_url + path).status_code == 200, path
    assert httpx.get(development.base_url + "/graphiql-assets/../package.json").status_code == 404
