"""devstack.seed: the demo data written through the contract operations, idempotently."""

from __future__ import annotations

import json
import re
from collections import Counter
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx
from devstack import demo_data, seed
from devstack.client import bearer, operation
from devstack.config import StackConfig
from devstack.stack import Stack
from ulid import ULID

# --- seeding a real stack, interrupted at every step -----------------------------------------------


class LoseAnswer(httpx.BaseTransport):
    """Sends every request; the answer to the `lose_at`-th one is lost after the server acted on it
    (the strictest interruption: the write happened, the seed never learnt of it)."""

    def __init__(self, lose_at: int | None = None) -> None:
        self.inner = httpx.HTTPTransport()
        self.lose_at = lose_at
        self.sent: list[dict[str, Any]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if _customer_not_known_yet(response):
            return response  # asked again once the customer's event arrived: not a step of its own
        self.sent.append(
            {"authorization": request.headers.get("authorization"), **json.loads(request.content)}
        )
        if len(self.sent) == self.lose_at:
            response.read()
            response.close()
            raise httpx.ReadError("the answer was lost", request=request)
        return response

    def mutations(self) -> list[str]:
        named = (re.search(r"^mutation (\w+)", body["query"], re.M) for body in self.sent)
        return [match.group(1) for match in named if match]


def _customer_not_known_yet(response: httpx.Response) -> bool:
    """createPortfolio refused because portfolios has not yet received the new customer's event."""
    response.read()
    if response.status_code != 200:
        return False
    payload = (response.json().get("data") or {}).get("createPortfolio") or {}
    errors = payload.get("userErrors") or []
    return bool(errors) and all(e.get("code") == "NOT_FOUND" and "customerId" in e["field"] for e in errors)


def fresh_demo(label: str) -> demo_data.Demo:
    customer_id = str(ULID())
    return demo_data.Demo(
        customer_id=customer_id,
        email=f"seed-{label}-{customer_id.lower()}@example.com",
        manual_prices=((f"ZZSEED{customer_id[-8:]}", "12.40", "12.10"),),
    )


def admin_query(stack: Stack, subgraph: str, document: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(
        stack.config.url(subgraph, "/graphql"),
        json={"query": document, "variables": variables},
        headers=bearer(stack.issuer.admin()),
        timeout=15,
    )
    body = response.json()
    assert not body.get("errors"), body
    data: dict[str, Any] = body["data"]
    return data


def customers_with_email(stack: Stack, email: str) -> list[str]:
    found, after = [], None
    while True:
        page = admin_query(
            stack,
            "customers",
            "query($after: String) { customers(first: 100, after: $after) {"
            " edges { node { id email } } pageInfo { hasNextPage endCursor } } }",
            {"after": after},
        )["customers"]
        found += [e["node"]["id"] for e in page["edges"] if e["node"]["email"].casefold() == email.casefold()]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


def assert_complete(stack: Stack, demo: demo_data.Demo, data: seed.DemoData) -> None:
    """Exactly one demo customer, its three portfolios once each, each lot once, the manual price."""
    assert customers_with_email(stack, demo.email) == [data.customer_id]
    portfolios = admin_query(
        stack,
        "portfolios",
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { portfolios {"
        " id name kind baseCurrency costBasisMethod investments { instrument { symbol } quantity"
        " purchasePrice { amount currencyCode } purchasedAt fees { amount } } } } } }",
        {"r": [{"__typename": "Customer", "id": data.customer_id}]},
    )["_entities"][0]["portfolios"]
    assert [p["name"] for p in portfolios] == [name for name, *_ in demo_data.DEMO_PORTFOLIOS]
    assert [p["id"] for p in portfolios] == data.portfolio_ids
    for portfolio, (_, kind, currency, method, lots) in zip(
        portfolios, demo_data.DEMO_PORTFOLIOS, strict=True
    ):
        assert (portfolio["kind"], portfolio["baseCurrency"], portfolio["costBasisMethod"]) == (
            kind,
            currency,
            method,
        )
        held = Counter(
            (
                i["instrument"]["symbol"],
                Decimal(i["quantity"]),
                Decimal(i["purchasePrice"]["amount"]),
                i["purchasePrice"]["currencyCode"],
                i["purchasedAt"],
                None if i["fees"] is None else Decimal(i["fees"]["amount"]),
            )
            for i in portfolio["investments"]
        )
        wanted = Counter(
            (symbol, Decimal(q), Decimal(price), currency, at, None if fees is None else Decimal(fees))
            for symbol, q, price, at, fees in lots
        )
        assert held == wanted, portfolio["name"]
    for symbol, price, _ in demo.manual_prices:
        quote = admin_query(
            stack,
            "assets",
            "query($s: String!) { instrument(symbol: $s) { quote { source price { amount } } } }",
            {"s": symbol},
        )["instrument"]["quote"]
        assert quote["source"] == "manual"
        assert Decimal(quote["price"]["amount"]) == Decimal(price)


def test_a_seed_writes_everything_through_the_operations_and_a_second_one_only_reads(
    bare_stack: Stack,
) -> None:
    demo = fresh_demo("wire")
    first = LoseAnswer()
    token = bare_stack.issuer.admin()
    data = seed.seed_demo(bare_stack.config, token, demo, transport=first)
    assert data.customer_id == demo.customer_id  # the fixed id, on fresh data
    assert_complete(bare_stack, demo, data)
    lots = sum(len(p[4]) for p in demo_data.DEMO_PORTFOLIOS)
    assert first.mutations() == ["RegisterCustomer", "SetManualPrice"] + [
        mutation
        for name, *_, portfolio_lots in demo_data.DEMO_PORTFOLIOS
        for mutation in ["CreatePortfolio"]
        + ["AddInvestment"] * len(portfolio_lots)
        + ["RecordActivity"] * len(demo_data.DEMO_ACTIVITIES.get(name, []))
    ]
    assert {body["authorization"] for body in first.sent} == {f"Bearer {token}"}  # every call
    added = [body["variables"]["input"] for body in first.sent if "mutation AddInvestment" in body["query"]]
    assert all(isinstance(lot["quantity"], str) for lot in added)  # decimals travel as strings
    assert all(isinstance(lot["purchasePrice"]["amount"], str) for lot in added)
    assert len({lot["idempotencyKey"] for lot in added}) == lots

    again = LoseAnswer()
    assert seed.seed_demo(bare_stack.config, bare_stack.issuer.admin(), demo, transport=again) == data
    assert again.mutations() == []  # complete data: nothing is written
    assert len(again.sent) <= 4  # the customer, the price, the portfolios with their lots


def test_a_seed_interrupted_at_any_step_is_completed_by_the_next_one(bare_stack: Stack) -> None:
    steps = len(_full_seed_requests(bare_stack))
    assert steps >= 20
    for lose_at in range(1, steps + 1):
        demo = fresh_demo(f"lost{lose_at}")
        interrupted = LoseAnswer(lose_at)
        with pytest.raises(httpx.ReadError):
            seed.seed_demo(bare_stack.config, bare_stack.issuer.admin(), demo, transport=interrupted)
        assert len(interrupted.sent) == lose_at
        data = seed.seed_demo(bare_stack.config, bare_stack.issuer.admin(), demo)
        assert data.customer_id == demo.customer_id
        assert_complete(bare_stack, demo, data)


def _full_seed_requests(stack: Stack) -> list[dict[str, Any]]:
    counting = LoseAnswer()
    seed.seed_demo(stack.config, stack.issuer.admin(), fresh_demo("count"), transport=counting)
    return counting.sent


def test_data_seeded_before_the_id_was_fixed_is_found_by_its_email(bare_stack: Stack) -> None:
    """The reported failure: the email is registered (under a generated id) and demo.json is gone."""
    demo = fresh_demo("legacy")
    registered = admin_query(
        bare_stack,
        "customers",
        operation("RegisterCustomer"),
        {"input": {"email": demo.email.upper(), "name": "Ada Investor"}},
    )["registerCustomer"]
    assert registered["userErrors"] == []
    legacy_id = registered["customer"]["id"]
    assert legacy_id != demo.customer_id

    data = seed.seed_demo(bare_stack.config, bare_stack.issuer.admin(), demo)
    assert data.customer_id == legacy_id
    assert_complete(bare_stack, demo, data)


def test_a_demo_lot_someone_removed_stays_removed(bare_stack: Stack) -> None:
    demo = fresh_demo("removed")
    data = seed.seed_demo(bare_stack.config, bare_stack.issuer.admin(), demo)
    lots = admin_query(
        bare_stack,
        "portfolios",
        "query($id: ID!) { portfolio(id: $id) { investments { id } } }",
        {"id": data.portfolio_ids[1]},
    )["portfolio"]["investments"]
    removed = admin_query(
        bare_stack,
        "portfolios",
        "mutation($input: RemoveInvestmentInput!) { removeInvestment(input: $input) {"
        " removedInvestmentId userErrors { code } } }",
        {"input": {"id": lots[0]["id"]}},
    )["removeInvestment"]
    assert removed == {"removedInvestmentId": lots[0]["id"], "userErrors": []}

    assert seed.seed_demo(bare_stack.config, bare_stack.issuer.admin(), demo) == data
    left = admin_query(
        bare_stack,
        "portfolios",
        "query($id: ID!) { portfolio(id: $id) { investments { id } } }",
        {"id": data.portfolio_ids[1]},
    )["portfolio"]["investments"]
    assert [lot["id"] for lot in left] == [lot["id"] for lot in lots[1:]]


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


def test_create_portfolio_waits_for_the_new_customers_event_and_nothing_else() -> None:
    unknown = {"field": ["input", "customerId"], "message": "No customer has this id.", "code": "NOT_FOUND"}
    refused = {"data": {"createPortfolio": {"portfolio": None, "userErrors": [unknown]}}}
    created = {"data": {"createPortfolio": {"portfolio": {"id": "P"}, "userErrors": []}}}
    invalid = {
        "data": {"createPortfolio": {"portfolio": None, "userErrors": [{**unknown, "field": ["input"]}]}}
    }
    config = StackConfig(ports={"customers": 1, "portfolios": 2, "assets": 3}, host="x.test")
    with respx.mock() as router, httpx.Client() as client:
        route = router.post("http://x.test:2/graphql")
        route.side_effect = [httpx.Response(200, json=body) for body in (refused, refused, created)]
        assert seed._Seed(client, config, demo_data.Demo())._create_portfolio({}) == created["data"]
        assert route.call_count == 3
        route.side_effect = [httpx.Response(200, json=invalid)]
        assert seed._Seed(client, config, demo_data.Demo())._create_portfolio({}) == invalid["data"]
        assert route.call_count == 4  # another refusal is not waited on
