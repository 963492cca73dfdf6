"""GraphiQL as a newcomer opens it, in headless Chromium with no way out of the router's origin: the
Dashboard is in the editor, it runs, and the demo customer's portfolios and valuations are in the
result pane. In production there is no GraphiQL page at all."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from devstack import toolchain
from devstack.client import GraphQLClient
from devstack.stack import Stack

from ..routers import start_production_router
from .conftest import OfflinePage

OPERATIONS = sorted(path.stem for path in (toolchain.SCHEMA_DIR / "operations").glob("*.graphql"))
USABLE_WITHIN_SECONDS = 20.0


@pytest.fixture(scope="module")
def dashboard(stack: Stack) -> dict[str, Any]:
    """The demo customer's Dashboard as the API answers it, to compare the page with."""
    assert stack.demo is not None, "the stack seeds the demo customer"
    token = stack.issuer.customer(stack.demo.customer_id)
    with GraphQLClient(stack.config.router_graphql_url, token=token) as client:
        customer: dict[str, Any] = client.run("Dashboard", {"customerId": stack.demo.customer_id})["customer"]
    return customer


def test_graphiql_runs_the_dashboard_offline(
    stack: Stack, offline_page: OfflinePage, dashboard: dict[str, Any], artifacts: Path
) -> None:
    page = offline_page.page
    url = stack.config.router_graphql_url
    offline_page.origin = stack.config.url("router")

    opened = time.monotonic()
    page.goto(url)
    editor = page.locator(".graphiql-query-editor", has_text="query Dashboard")
    editor.wait_for(timeout=USABLE_WITHIN_SECONDS * 1000)
    run = page.locator(".graphiql-execute-button")
    run.wait_for(state="visible")
    usable_seconds = time.monotonic() - opened

    # One tab per contract operation, the Dashboard first and open.
    tabs = page.locator(".graphiql-tab").all_inner_texts()
    assert [tab.strip() for tab in tabs] == ["Dashboard", *[op for op in OPERATIONS if op != "Dashboard"]]
    assert page.locator(".graphiql-editor-tool", has_text=dashboard["id"]).count() == 1

    with page.expect_response(lambda reply: reply.url == url and reply.request.method == "POST") as sent:
        run.click()
    answer = sent.value.json()
    assert "errors" not in answer, answer
    portfolios = answer["data"]["customer"]["portfolios"]
    assert [p["name"] for p in portfolios] == [p["name"] for p in dashboard["portfolios"]]
    assert all(p["valuation"]["marketValue"]["amount"] for p in portfolios), portfolios

    result = page.locator(".result-window")
    result.filter(has_text=dashboard["name"]).wait_for()
    result.filter(has_text=dashboard["portfolios"][0]["name"]).wait_for()
    # The pane renders only the lines in view: find the first valuation, as a reader would.
    result.locator(".monaco-editor").click()
    page.keyboard.press("Control+f")
    page.keyboard.type('"valuation"')  # the find widget moves to the first match as it is typed
    first = dashboard["portfolios"][0]["valuation"]
    result.filter(has_text="unrealizedGain").wait_for()
    assert first["costBasis"]["amount"] in result.inner_text()
    page.screenshot(path=artifacts / "graphiql-dashboard.png")

    (artifacts / "graphiql-timing.json").write_text(json.dumps({"usable_seconds": round(usable_seconds, 2)}))
    print(f"GraphiQL usable {usable_seconds:.2f} s after navigation")
    assert offline_page.blocked == [], "the page asked for something outside the router"
    assert offline_page.console_errors == []


def test_every_contract_tab_carries_variables_and_a_token(stack: Stack, offline_page: OfflinePage) -> None:
    page = offline_page.page
    offline_page.origin = stack.config.url("router")
    page.goto(stack.config.router_graphql_url)
    page.locator(".graphiql-query-editor", has_text="query Dashboard").wait_for()
    # By keyboard: in headless Chromium a pointer click on a tab starts the tabs' drag-to-reorder
    # gesture instead of a switch; Enter on the focused tab is the same switch a reader makes.
    page.locator(".graphiql-tab-button", has_text="AddInvestment").focus()
    page.keyboard.press("Enter")
    page.locator(".graphiql-query-editor", has_text="mutation AddInvestment").wait_for()
    assert stack.demo is not None
    variables = page.locator(".graphiql-editor-tool")
    variables.filter(has_text=stack.demo.portfolio_ids[0]).wait_for()
    page.get_by_text("Headers", exact=True).click()
    variables.filter(has_text="Bearer ").wait_for()
    assert offline_page.blocked == []


@pytest.fixture(scope="module")
def production_router(stack: Stack) -> Iterator[str]:
    """A second router on the same subgraphs, in its default production profile."""
    process, port = start_production_router(stack)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.stop()


def test_production_serves_no_graphiql(production_router: str, offline_page: OfflinePage) -> None:
    page = offline_page.page
    offline_page.origin = production_router
    response = page.goto(production_router + "/graphql")
    assert response is not None
    assert not response.headers.get("content-type", "").startswith("text/html")
    assert page.locator(".graphiql-container").count() == 0
    assert "graphiql" not in page.content().lower()
    asset = httpx.get(production_router + "/graphiql-assets/yoga-graphiql.umd.js")
    assert asset.status_code == 404


def test_graphiql_assets_are_a_fixed_list(stack: Stack) -> None:
    base = stack.config.url("router")
    script = httpx.get(base + "/graphiql-assets/yoga-graphiql.umd.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    for name in ("../package.json", "..%2Fpackage.json", "monacoeditorwork/json.worker.bundle.js", "x"):
        assert httpx.get(f"{base}/graphiql-assets/{name}").status_code == 404, name
    page = httpx.get(stack.config.router_graphql_url, headers={"Accept": "text/html"})
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "connect-src 'self'" in policy
    assert "unpkg" not in page.text and "https://" not in page.text.split("<script>YogaGraphiQL")[0]
