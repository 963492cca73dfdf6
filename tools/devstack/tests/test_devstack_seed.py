"""devstack.seed: the demo data, and how it is written through the contract operations."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from devstack import seed, toolchain
from devstack.config import StackConfig
from kit.money import is_iso_currency, parse_decimal

CATALOG = toolchain.REPO_ROOT / "subgraphs" / "assets" / "src" / "assets" / "data" / "instruments.json"


def catalog_currencies() -> dict[str, str]:
    return {i["symbol"]: i["currency"] for i in json.loads(CATALOG.read_text())["instruments"]}


def catalog_symbols() -> set[str]:
    return set(catalog_currencies())


def schema_enum(name: str) -> set[str]:
    text = (toolchain.SCHEMA_DIR / "portfolios.graphql").read_text()
    match = re.search(rf"enum {name} \{{(.*?)\}}", text, re.S)
    assert match, name
    return {line.strip() for line in match.group(1).splitlines() if line.strip() and '"' not in line}


def test_three_portfolios_of_distinct_kinds() -> None:
    assert len(seed.DEMO_PORTFOLIOS) == 3
    kinds = [kind for _, kind, _, _, _ in seed.DEMO_PORTFOLIOS]
    assert len(set(kinds)) == 3
    assert set(kinds) <= schema_enum("PortfolioKind")
    names = [name for name, *_ in seed.DEMO_PORTFOLIOS]
    assert len(set(names)) == 3


def test_cost_basis_methods_and_currencies_are_valid() -> None:
    methods = schema_enum("CostBasisMethod")
    for _, _, currency, method, lots in seed.DEMO_PORTFOLIOS:
        assert method in methods
        assert is_iso_currency(currency)
        assert lots


def test_every_lot_is_well_formed() -> None:
    for _, _, _, _, lots in seed.DEMO_PORTFOLIOS:
        for symbol, quantity, price, purchased_at, fees in lots:
            assert symbol
            assert parse_decimal(quantity) > 0
            assert parse_decimal(price) > 0
            assert fees is None or parse_decimal(fees) >= 0
            assert date.fromisoformat(purchased_at) <= date.today()


def test_every_lot_is_priced_in_the_portfolio_base_currency() -> None:
    """Lots are sent in the base currency (see the wire test below); that is only honest if the
    instrument itself trades in it (catalog currency, or USD for the seeded manual prices)."""
    currencies = catalog_currencies()
    manual = {symbol for symbol, _, _ in seed.DEMO_MANUAL_PRICES}
    for _, _, base, _, lots in seed.DEMO_PORTFOLIOS:
        for symbol, *_ in lots:
            instrument_currency = "USD" if symbol in manual else currencies[symbol]
            assert instrument_currency == base, symbol


def test_every_symbol_is_in_the_catalog_or_has_a_manual_price() -> None:
    catalog = catalog_symbols()
    manual = {symbol for symbol, _, _ in seed.DEMO_MANUAL_PRICES}
    assert manual
    assert not manual & catalog  # a manual price is for what has no market feed
    for _, _, _, _, lots in seed.DEMO_PORTFOLIOS:
        for symbol, *_ in lots:
            assert symbol in catalog or symbol in manual, symbol
    for _, price, previous_close in seed.DEMO_MANUAL_PRICES:
        assert parse_decimal(price) > 0
        assert parse_decimal(previous_close) > 0


@pytest.mark.parametrize("name", ["RegisterCustomer", "SetManualPrice", "CreatePortfolio", "AddInvestment"])
def test_operations_exist(name: str) -> None:
    assert f"mutation {name}(" in seed.operation(name)


# --- seeding over HTTP, against fake subgraphs ---------------------------------------------------

TOKEN = "admin-token"

CONFIG = StackConfig(
    ports={"router": 14000, "customers": 14001, "portfolios": 14002, "assets": 14003, "dynamodb": 18000},
    host="seed.test",
)


class FakeSubgraphs:
    """Answers the seed's GraphQL calls like the three subgraphs would, recording every call."""

    def __init__(self, known_customer: bool = True) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.authorizations: set[str | None] = set()
        self.known_customer = known_customer
        self.portfolios = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        query, variables = body["query"], body["variables"]
        self.authorizations.add(request.headers.get("authorization"))
        port = request.url.port
        service = {14001: "customers", 14002: "portfolios", 14003: "assets"}[port]
        self.calls.append((service, query, variables))
        if "mutation RegisterCustomer" in query:
            data: dict[str, Any] = {"registerCustomer": {"customer": {"id": "CUST1"}, "userErrors": []}}
        elif "customer(id:" in query:
            data = {"customer": {"id": variables["id"]} if self.known_customer else None}
        elif "mutation SetManualPrice" in query:
            data = {
                "setManualPrice": {"instrument": {"symbol": variables["input"]["symbol"]}, "userErrors": []}
            }
        elif "mutation CreatePortfolio" in query:
            self.portfolios += 1
            data = {"createPortfolio": {"portfolio": {"id": f"P{self.portfolios}"}, "userErrors": []}}
        elif "mutation AddInvestment" in query:
            data = {"addInvestment": {"investment": {"id": "L"}, "userErrors": []}}
        else:
            return httpx.Response(400, json={"errors": [{"message": "unexpected"}]})
        return httpx.Response(200, json={"data": data})

    def named(self, mutation: str) -> list[dict[str, Any]]:
        return [v["input"] for _, q, v in self.calls if f"mutation {mutation}" in q]


@pytest.fixture
def subgraphs() -> Any:
    fake = FakeSubgraphs()
    with respx.mock(assert_all_called=False) as router:
        router.post(url__regex=r"http://seed\.test:1400[123]/graphql").mock(side_effect=fake)
        yield fake


def test_seed_demo_creates_everything_through_the_operations(
    subgraphs: FakeSubgraphs, tmp_path: Path
) -> None:
    state = tmp_path / "demo.json"
    demo = seed.seed_demo(CONFIG, state, token=TOKEN)
    assert demo == seed.DemoData(customer_id="CUST1", portfolio_ids=["P1", "P2", "P3"])
    assert json.loads(state.read_text()) == {"customer_id": "CUST1", "portfolio_ids": ["P1", "P2", "P3"]}

    services = {service for service, _, _ in subgraphs.calls}
    assert services == {"customers", "portfolios", "assets"}
    assert subgraphs.authorizations == {f"Bearer {TOKEN}"}  # every call authenticated
    [customer] = subgraphs.named("RegisterCustomer")
    assert customer["email"] == seed.DEMO_EMAIL
    assert len(subgraphs.named("SetManualPrice")) == len(seed.DEMO_MANUAL_PRICES)

    created = subgraphs.named("CreatePortfolio")
    assert [p["kind"] for p in created] == [kind for _, kind, _, _, _ in seed.DEMO_PORTFOLIOS]
    assert all(p["customerId"] == "CUST1" for p in created)

    lots = subgraphs.named("AddInvestment")
    assert len(lots) == sum(len(p[4]) for p in seed.DEMO_PORTFOLIOS)
    base = {f"P{i + 1}": p[2] for i, p in enumerate(seed.DEMO_PORTFOLIOS)}
    for lot in lots:
        assert lot["purchasePrice"]["currencyCode"] == base[lot["portfolioId"]]
        if "fees" in lot:
            assert lot["fees"]["currencyCode"] == base[lot["portfolioId"]]
        assert isinstance(lot["quantity"], str)  # decimals travel as strings, never floats
        assert isinstance(lot["purchasePrice"]["amount"], str)
    assert len({lot["idempotencyKey"] for lot in lots}) == len(lots)
    assert sum("fees" in lot for lot in lots) == sum(
        fees is not None for p in seed.DEMO_PORTFOLIOS for *_, fees in p[4]
    )
    quantities = sum(Decimal(lot["quantity"]) for lot in lots)
    assert quantities == sum(Decimal(q) for p in seed.DEMO_PORTFOLIOS for _, q, *_ in p[4])


def test_seed_demo_is_idempotent_with_a_state_file(subgraphs: FakeSubgraphs, tmp_path: Path) -> None:
    state = tmp_path / "demo.json"
    first = seed.seed_demo(CONFIG, state, token=TOKEN)
    subgraphs.calls.clear()
    again = seed.seed_demo(CONFIG, state, token=TOKEN)
    assert again == first
    assert [service for service, _, _ in subgraphs.calls] == ["customers"]  # one lookup, no writes
    assert subgraphs.calls[0][2] == {"id": "CUST1"}


def test_seed_demo_recreates_when_the_saved_customer_is_gone(
    subgraphs: FakeSubgraphs, tmp_path: Path
) -> None:
    state = tmp_path / "demo.json"
    state.write_text(json.dumps({"customer_id": "OLD", "portfolio_ids": ["X"]}))
    subgraphs.known_customer = False
    demo = seed.seed_demo(CONFIG, state, token=TOKEN)
    assert demo.customer_id == "CUST1"
    assert len(subgraphs.named("RegisterCustomer")) == 1
    assert json.loads(state.read_text())["customer_id"] == "CUST1"


def test_seed_demo_without_state_file_writes_none(subgraphs: FakeSubgraphs, tmp_path: Path) -> None:
    demo = seed.seed_demo(CONFIG, None, token=TOKEN)
    assert len(demo.portfolio_ids) == 3
    assert list(tmp_path.iterdir()) == []


def test_call_raises_seed_error_on_graphql_errors() -> None:
    with respx.mock() as router:
        router.post("http://x.test/graphql").respond(200, json={"errors": [{"message": "boom"}]})
        with httpx.Client() as client, pytest.raises(seed.SeedError, match="boom"):
            seed.call(client, "http://x.test/graphql", "{ a }", {})


def test_call_raises_on_http_errors() -> None:
    with respx.mock() as router:
        router.post("http://x.test/graphql").respond(502)
        with httpx.Client() as client, pytest.raises(httpx.HTTPStatusError):
            seed.call(client, "http://x.test/graphql", "{ a }", {})


def test_call_sends_query_and_variables_and_returns_data() -> None:
    with respx.mock() as router:
        route = router.post("http://x.test/graphql").respond(200, json={"data": {"a": 1}})
        with httpx.Client() as client:
            assert seed.call(client, "http://x.test/graphql", "{ a }", {"v": "1"}) == {"a": 1}
        assert json.loads(route.calls.last.request.content) == {"query": "{ a }", "variables": {"v": "1"}}


def test_user_errors_in_a_payload_stop_the_seed() -> None:
    data = {"createPortfolio": {"portfolio": None, "userErrors": [{"field": ["input"], "message": "bad"}]}}
    with pytest.raises(seed.SeedError, match="createPortfolio"):
        seed._payload(data, "createPortfolio")
    ok = {"createPortfolio": {"portfolio": {"id": "P"}, "userErrors": []}}
    assert seed._payload(ok, "createPortfolio") == {"portfolio": {"id": "P"}, "userErrors": []}
