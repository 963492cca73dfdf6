"""Issue 7 end to end, as users see it: who reads and changes what, through the router and straight
to each subgraph, on the session stack.

Two customers: A signed itself up (its id is its token's `sub`) and opened its own portfolios; B was
registered by an operator and given a portfolio by an admin. A customer reads and changes only its
own data; operators read everyone and manage prices but change no investor data; admins do
everything. Someone else's object is null with a FORBIDDEN error and nothing of it in the response;
a refused change writes nothing. Every number is computed by hand from the lots below and the
manual prices and FX rate this module pins on instruments of its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest
from devstack.client import bearer, operation
from devstack.stack import Stack
from ulid import ULID

pytestmark = pytest.mark.e2e

D = Decimal
# Manual instruments of this module only (USD, as priced): nothing else on the stack moves them.
GROWTH, INCOME, OPERATOR_PRICED, ADMIN_PRICED = "ZZACCA", "ZZACCB", "ZZACCOP", "ZZACCAD"
PRICES = {GROWTH: "120", INCOME: "60"}
USD_SGD = "1.25"  # pinned by the admin: 1 USD = 1.25 SGD

SNAPSHOT = """
query Snapshot($customerId: ID!, $portfolioId: ID!) {
  customer(id: $customerId) { id name email phone version status portfolios { id name } }
  portfolio(id: $portfolioId) {
    id name status
    investments { id quantity remainingQuantity }
    activities(first: 100) { edges { node { id type quantity } } }
  }
}"""

PORTFOLIO = """
query Portfolio($id: ID!) {
  portfolio(id: $id) {
    id name owner { id }
    positions { instrument { symbol } quantity costBasis { amount } }
    investments { id quantity }
    valuation { marketValue { amount currencyCode } }
  }
}"""


def usd(amount: str) -> dict[str, str]:
    return {"amount": amount, "currencyCode": "USD"}


class Api:
    """GraphQL over HTTP to one URL; every call names its token."""

    def __init__(self, http: httpx.Client, url: str) -> None:
        self.http, self.url = http, url

    def post(self, document: str, variables: dict[str, Any] | None, token: str) -> httpx.Response:
        return self.http.post(
            self.url,
            json={"query": document, "variables": variables or {}},
            headers=bearer(token),
        )

    def body(self, document: str, variables: dict[str, Any] | None, token: str) -> dict[str, Any]:
        response = self.post(document, variables, token)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def data(self, document: str, variables: dict[str, Any] | None, token: str) -> dict[str, Any]:
        body = self.body(document, variables, token)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    def run(self, name: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
        """`data` of a kept contract operation."""
        return self.data(operation(name), variables, token)

    def mutate(self, name: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
        """The payload of a contract mutation, which must report no userErrors."""
        data = self.run(name, variables, token)
        [payload] = data.values()
        assert payload["userErrors"] == [], payload["userErrors"]
        result: dict[str, Any] = payload
        return result


@dataclass(frozen=True)
class World:
    router: Api
    customers: Api
    portfolios: Api
    assets: Api
    admin: str
    operator: str
    a_token: str
    a_id: str
    a_registration: dict[str, Any]
    a_usd: str  # "A growth": GROWTH and INCOME, USD
    a_sgd: str  # "A abroad": GROWTH, SGD
    a_lot: str
    a_email: str
    b_id: str
    b_name: str
    b_email: str
    b_portfolio: str
    b_portfolio_name: str
    b_lot: str

    def b_secrets(self, sent: object = None) -> list[str]:
        """B's data that must never reach A, less what the request itself named (a refusal names
        the id it refuses)."""
        named = json.dumps(sent)
        values = [self.b_name, self.b_email, self.b_portfolio_name, self.b_portfolio, self.b_lot, self.b_id]
        return [value for value in values if value not in named]


def refused(response: httpx.Response, path: list[Any], world: World, sent: object) -> dict[str, Any]:
    """A FORBIDDEN error at `path` (the only error) and nothing of B in the raw response."""
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    errors = body.get("errors", [])
    assert [(error["path"], error["extensions"]["code"]) for error in errors] == [(path, "FORBIDDEN")], errors
    leaked = [secret for secret in world.b_secrets(sent) if secret in response.text]
    assert leaked == [], f"{leaked} leaked in {response.text}"
    return body


@pytest.fixture(scope="module")
def world(stack: Stack) -> Iterator[World]:
    config, issuer = stack.config, stack.issuer
    suffix = str(ULID())
    # Staff subjects of this module: the router limits mutations per subject, and the session's
    # shared admin token is busy in other modules.
    admin = issuer.token(f"e2e-access-admin-{suffix}", ["admin"])
    operator = issuer.token(f"e2e-access-operator-{suffix}", ["operator"])
    with httpx.Client(timeout=30.0) as http:
        router = Api(http, config.router_graphql_url)
        for symbol, price in PRICES.items():
            router.mutate("SetManualPrice", {"input": {"symbol": symbol, "price": usd(price)}}, admin)
        router.mutate(
            "SetManualFxRate", {"input": {"fromCurrency": "USD", "toCurrency": "SGD", "rate": USD_SGD}}, admin
        )

        # A signs itself up: its token's sub (a fresh ULID) becomes its customer id.
        a_id = str(ULID())
        a_token = issuer.customer(a_id)
        a_email = f"ada-{suffix.lower()}@example.com"
        a_registration = router.mutate(
            "RegisterCustomer", {"input": {"email": a_email, "name": f"Ada Access {suffix}"}}, a_token
        )

        def portfolio(customer_id: str, name: str, base: str, token: str) -> str:
            created = router.mutate(
                "CreatePortfolio",
                {
                    "input": {
                        "customerId": customer_id,
                        "name": name,
                        "kind": "BROKERAGE",
                        "baseCurrency": base,
                    }
                },
                token,
            )
            portfolio_id: str = created["portfolio"]["id"]
            return portfolio_id

        def lot(
            portfolio_id: str, symbol: str, quantity: str, price: str, when: str, token: str, **extra: Any
        ) -> str:
            added = router.mutate(
                "AddInvestment",
                {
                    "input": {
                        "portfolioId": portfolio_id,
                        "symbol": symbol,
                        "quantity": quantity,
                        "purchasePrice": usd(price),
                        "purchasedAt": when,
                        **extra,
                    }
                },
                token,
            )
            lot_id: str = added["investment"]["id"]
            return lot_id

        a_usd = portfolio(a_id, "A growth", "USD", a_token)
        a_lot = lot(a_usd, GROWTH, "10", "90", "2024-01-10", a_token)
        lot(a_usd, GROWTH, "5", "120", "2024-02-10", a_token)
        lot(a_usd, INCOME, "20", "45", "2024-01-15", a_token)
        a_sgd = portfolio(a_id, "A abroad", "SGD", a_token)
        lot(a_sgd, GROWTH, "10", "100", "2024-03-01", a_token, fxRate="1.2")

        # B: registered by an operator (a new ULID), given a portfolio and a lot by an admin.
        b_name, b_email = f"Bob Beta {suffix}", f"bob-{suffix.lower()}@example.com"
        b = router.mutate("RegisterCustomer", {"input": {"email": b_email, "name": b_name}}, operator)
        b_id = b["customer"]["id"]
        b_portfolio_name = f"B nest egg {suffix}"
        b_portfolio = portfolio(b_id, b_portfolio_name, "USD", admin)
        b_lot = lot(b_portfolio, GROWTH, "7", "100", "2024-01-20", admin)

        yield World(
            router=router,
            customers=Api(http, config.url("customers", "/graphql")),
            portfolios=Api(http, config.url("portfolios", "/graphql")),
            assets=Api(http, config.url("assets", "/graphql")),
            admin=admin,
            operator=operator,
            a_token=a_token,
            a_id=a_id,
            a_registration=a_registration,
            a_usd=a_usd,
            a_sgd=a_sgd,
            a_lot=a_lot,
            a_email=a_email,
            b_id=b_id,
            b_name=b_name,
            b_email=b_email,
            b_portfolio=b_portfolio,
            b_portfolio_name=b_portfolio_name,
            b_lot=b_lot,
        )


def by_id(customer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {portfolio["id"]: portfolio for portfolio in customer["portfolios"]}


def check_a_growth(portfolio: dict[str, Any]) -> None:
    """A growth: GROWTH 10 @ 90 + 5 @ 120 = 1500 for 15, INCOME 20 @ 45 = 900 for 20. At 120 and 60:
    1800 + 1200 = 3000 on a cost of 2400, a gain of 600 (25 %); weights 1800/3000 and 1200/3000."""
    positions = {p["instrument"]["symbol"]: p for p in portfolio["positions"]}
    assert {s: (D(p["quantity"]), D(p["costBasis"]["amount"])) for s, p in positions.items()} == {
        GROWTH: (D(15), D(1500)),
        INCOME: (D(20), D(900)),
    }
    valuation = portfolio["valuation"]
    assert valuation["marketValue"]["currencyCode"] == "USD"
    assert D(valuation["marketValue"]["amount"]) == D(3000)
    assert D(valuation["costBasis"]["amount"]) == D(2400)
    assert D(valuation["unrealizedGain"]["amount"]) == D(600)
    assert D(valuation["unrealizedGainPercent"]) == D(25)
    assert valuation["complete"] is True
    weights = {p["instrument"]["symbol"]: D(p["weight"]) for p in valuation["positions"]}
    assert weights == {GROWTH: D("0.6"), INCOME: D("0.4")}


def check_a_abroad(portfolio: dict[str, Any]) -> None:
    """A abroad (SGD): GROWTH 10 @ 100 USD at 1.2 = 1200 SGD; at 120 USD and 1.25 SGD per USD it is
    worth 10 x 120 x 1.25 = 1500 SGD: a gain of 300 (25 %)."""
    valuation = portfolio["valuation"]
    assert valuation["marketValue"]["currencyCode"] == "SGD"
    assert D(valuation["marketValue"]["amount"]) == D(1500)
    assert D(valuation["costBasis"]["amount"]) == D(1200)
    assert D(valuation["unrealizedGain"]["amount"]) == D(300)


def check_b_nest_egg(portfolio: dict[str, Any], world: World) -> None:
    """B nest egg: GROWTH 7 @ 100 = 700; at 120 it is worth 840, a gain of 140 (20 %)."""
    assert portfolio["name"] == world.b_portfolio_name
    valuation = portfolio["valuation"]
    assert D(valuation["marketValue"]["amount"]) == D(840)
    assert D(valuation["costBasis"]["amount"]) == D(700)
    assert D(valuation["unrealizedGainPercent"]) == D(20)


# -- self-registration -------------------------------------------------------------------------------


def test_a_customer_registers_itself_once_under_its_token_subject(world: World) -> None:
    assert world.a_registration["customer"]["id"] == world.a_id
    assert world.a_registration["customer"]["email"] == world.a_email
    again = world.router.run(
        "RegisterCustomer",
        {"input": {"email": f"second-{ULID()}@example.com".lower(), "name": "Again"}},
        world.a_token,
    )["registerCustomer"]
    assert again["customer"] is None
    assert [(e["code"], e["message"]) for e in again["userErrors"]] == [
        ("ALREADY_REGISTERED", f"You are registered already, as customer {world.a_id}.")
    ]
    # Still the one customer, as registered.
    [edge] = world.router.run("Customers", {"first": 100}, world.a_token)["customers"]["edges"]
    assert (edge["node"]["id"], edge["node"]["email"]) == (world.a_id, world.a_email)


# -- a customer through the router -------------------------------------------------------------------


def test_a_customer_sees_its_own_dashboard_with_every_number(world: World) -> None:
    customer = world.router.run("Dashboard", {"customerId": world.a_id}, world.a_token)["customer"]
    assert (customer["id"], customer["email"]) == (world.a_id, world.a_email)
    portfolios = by_id(customer)
    assert set(portfolios) == {world.a_usd, world.a_sgd}
    check_a_growth(portfolios[world.a_usd])
    check_a_abroad(portfolios[world.a_sgd])


def test_a_customer_gets_nothing_of_another_customers_dashboard(world: World) -> None:
    variables = {"customerId": world.b_id}
    response = world.router.post(operation("Dashboard"), variables, world.a_token)
    body = refused(response, ["customer"], world, variables)
    assert body["data"] == {"customer": None}
    assert body["errors"][0]["message"] == f"You may not see customer {world.b_id}."
    # The same answer for a customer that does not exist: no existence oracle.
    missing = str(ULID())
    other = world.router.body(operation("Dashboard"), {"customerId": missing}, world.a_token)
    assert other["data"] == {"customer": None}
    assert other["errors"][0]["message"] == f"You may not see customer {missing}."


def test_a_customer_cannot_read_another_customers_portfolio(world: World) -> None:
    variables = {"id": world.b_portfolio}
    body = refused(world.router.post(PORTFOLIO, variables, world.a_token), ["portfolio"], world, variables)
    assert body["data"] == {"portfolio": None}
    # Its own portfolio, the same way, in full.
    own = world.router.data(PORTFOLIO, {"id": world.a_usd}, world.a_token)["portfolio"]
    assert (own["name"], own["owner"], D(own["valuation"]["marketValue"]["amount"])) == (
        "A growth",
        {"id": world.a_id},
        D(3000),
    )


def test_a_customer_lists_only_itself(world: World) -> None:
    response = world.router.post(operation("Customers"), {"first": 100}, world.a_token)
    assert response.status_code == 200
    page = response.json()["data"]["customers"]
    assert [edge["node"]["id"] for edge in page["edges"]] == [world.a_id]
    assert page["pageInfo"]["hasNextPage"] is False
    assert [secret for secret in world.b_secrets() if secret in response.text] == []


# The investor-data mutations beyond the contract operations, as sent straight to their subgraph.
RENAME_PORTFOLIO = """mutation($input: RenamePortfolioInput!) {
  renamePortfolio(input: $input) { portfolio { id name } userErrors { code } } }"""
CLOSE_PORTFOLIO = """mutation($input: ClosePortfolioInput!) {
  closePortfolio(input: $input) { portfolio { id name } userErrors { code } } }"""
UPDATE_INVESTMENT = """mutation($input: UpdateInvestmentInput!) {
  updateInvestment(input: $input) { investment { id quantity } userErrors { code } } }"""
REMOVE_INVESTMENT = """mutation($input: RemoveInvestmentInput!) {
  removeInvestment(input: $input) { removedInvestmentId portfolio { id name } userErrors { code } } }"""
CLOSE_CUSTOMER = """mutation($input: CloseCustomerInput!) {
  closeCustomer(input: $input) { customer { id name email } userErrors { code } } }"""


def changes_to_b(world: World) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(owning subgraph, mutation field, document, variables): every change A could try on B's data."""
    lot = {
        "portfolioId": world.b_portfolio,
        "symbol": GROWTH,
        "quantity": "1000",
        "purchasePrice": usd("1"),
        "purchasedAt": "2024-05-01",
    }
    sale = {
        "portfolioId": world.b_portfolio,
        "symbol": GROWTH,
        "quantity": "7",
        "price": usd("1"),
        "soldAt": "2024-05-01",
    }
    new_portfolio = {"customerId": world.b_id, "name": "Mine now", "kind": "IRA", "baseCurrency": "USD"}
    return [
        ("portfolios", "addInvestment", operation("AddInvestment"), {"input": lot}),
        ("portfolios", "sellInvestment", operation("SellInvestment"), {"input": sale}),
        ("portfolios", "createPortfolio", operation("CreatePortfolio"), {"input": new_portfolio}),
        (
            "portfolios",
            "renamePortfolio",
            RENAME_PORTFOLIO,
            {"input": {"id": world.b_portfolio, "name": "Mine"}},
        ),
        ("portfolios", "closePortfolio", CLOSE_PORTFOLIO, {"input": {"id": world.b_portfolio}}),
        (
            "portfolios",
            "updateInvestment",
            UPDATE_INVESTMENT,
            {"input": {"id": world.b_lot, "quantity": "1"}},
        ),
        ("portfolios", "removeInvestment", REMOVE_INVESTMENT, {"input": {"id": world.b_lot}}),
        (
            "customers",
            "updateCustomer",
            operation("UpdateCustomer"),
            {"input": {"id": world.b_id, "expectedVersion": 1, "name": "Hacked"}},
        ),
        ("customers", "closeCustomer", CLOSE_CUSTOMER, {"input": {"id": world.b_id}}),
    ]


@pytest.mark.parametrize("route", ["router", "subgraph"])
def test_a_customer_changes_nothing_of_another_customer(world: World, route: str) -> None:
    snapshot = {"customerId": world.b_id, "portfolioId": world.b_portfolio}
    before = world.router.data(SNAPSHOT, snapshot, world.admin)
    assert [i["id"] for i in before["portfolio"]["investments"]] == [world.b_lot]
    for subgraph, field, document, variables in changes_to_b(world):
        api: Api = world.router if route == "router" else getattr(world, subgraph)
        body = refused(api.post(document, variables, world.a_token), [field], world, variables)
        # No payload, so nothing of the target (the router leaves out a null `data`).
        assert body.get("data") is None, field
    assert world.router.data(SNAPSHOT, snapshot, world.admin) == before


def test_a_customer_cannot_set_manual_prices_or_fx_rates(world: World) -> None:
    price = {"input": {"symbol": GROWTH, "price": usd("1.00")}}
    body = refused(
        world.router.post(operation("SetManualPrice"), price, world.a_token), ["setManualPrice"], world, {}
    )
    assert body.get("data") is None
    fx = {"input": {"fromCurrency": "USD", "toCurrency": "SGD", "rate": "9"}}
    body = refused(
        world.router.post(operation("SetManualFxRate"), fx, world.a_token), ["setManualFxRate"], world, {}
    )
    assert body.get("data") is None

    quote = world.router.run("Instrument", {"symbol": GROWTH}, world.operator)["instrument"]["quote"]
    assert (quote["price"], quote["source"]) == (usd("120"), "manual")
    # Had 9 SGD per USD been stored, A abroad would be worth 10 x 120 x 9 = 10800 SGD.
    customer = world.router.run("Dashboard", {"customerId": world.a_id}, world.a_token)["customer"]
    check_a_abroad(by_id(customer)[world.a_sgd])


# -- operators and admins through the router -----------------------------------------------------------


def everyone(world: World, token: str) -> set[str]:
    """Every customer id in `customers`, page after page (the session stack has others too)."""
    ids: set[str] = set()
    after = None
    while True:
        page = world.router.run("Customers", {"first": 100, "after": after}, token)["customers"]
        ids |= {edge["node"]["id"] for edge in page["edges"]}
        if not page["pageInfo"]["hasNextPage"]:
            return ids
        after = page["pageInfo"]["endCursor"]


def test_an_operator_reads_everyone_and_sets_prices_but_changes_no_portfolio(world: World) -> None:
    assert {world.a_id, world.b_id} <= everyone(world, world.operator)
    a = world.router.run("Dashboard", {"customerId": world.a_id}, world.operator)["customer"]
    check_a_growth(by_id(a)[world.a_usd])
    check_a_abroad(by_id(a)[world.a_sgd])
    b = world.router.run("Dashboard", {"customerId": world.b_id}, world.operator)["customer"]
    assert (b["name"], b["email"]) == (world.b_name, world.b_email)
    check_b_nest_egg(by_id(b)[world.b_portfolio], world)

    priced = world.router.mutate(
        "SetManualPrice",
        {"input": {"symbol": OPERATOR_PRICED, "price": usd("33.30"), "previousClose": usd("30.00")}},
        world.operator,
    )
    assert priced["instrument"]["quote"]["price"] == usd("33.3")  # a unit price, trailing zeros trimmed
    assert priced["instrument"]["quote"]["source"] == "manual"
    rated = world.router.mutate(
        "SetManualFxRate",
        {"input": {"fromCurrency": "GBP", "toCurrency": "NOK", "rate": "13.5"}},
        world.operator,
    )
    assert (rated["fxRate"]["rate"], rated["fxRate"]["source"]) == ("13.5", "manual")

    snapshot = {"customerId": world.a_id, "portfolioId": world.a_usd}
    before = world.router.data(SNAPSHOT, snapshot, world.admin)
    lot = {
        "input": {
            "portfolioId": world.a_usd,
            "symbol": GROWTH,
            "quantity": "1",
            "purchasePrice": usd("1"),
            "purchasedAt": "2024-05-01",
        }
    }
    response = world.router.post(operation("AddInvestment"), lot, world.operator)
    assert response.json().get("data") is None
    assert [(e["path"], e["extensions"]["code"]) for e in response.json()["errors"]] == [
        (["addInvestment"], "FORBIDDEN")
    ]
    change = {"input": {"id": world.a_id, "expectedVersion": 1, "phone": "+14155550123"}}
    response = world.router.post(operation("UpdateCustomer"), change, world.operator)
    assert response.json().get("data") is None
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["FORBIDDEN"]
    assert world.router.data(SNAPSHOT, snapshot, world.admin) == before


def test_an_admin_does_everything(world: World) -> None:
    a = world.router.run("Dashboard", {"customerId": world.a_id}, world.admin)["customer"]
    check_a_growth(by_id(a)[world.a_usd])
    b = world.router.run("Dashboard", {"customerId": world.b_id}, world.admin)["customer"]
    check_b_nest_egg(by_id(b)[world.b_portfolio], world)
    assert {world.a_id, world.b_id} <= everyone(world, world.admin)

    # Changes B's data: a new portfolio, a lot, a sale, a phone number; and a price of its own.
    priced = world.router.mutate(
        "SetManualPrice", {"input": {"symbol": ADMIN_PRICED, "price": usd("50")}}, world.admin
    )
    assert priced["instrument"]["quote"]["price"] == usd("50")
    created = world.router.mutate(
        "CreatePortfolio",
        {
            "input": {
                "customerId": world.b_id,
                "name": "Opened by an admin",
                "kind": "IRA",
                "baseCurrency": "USD",
            }
        },
        world.admin,
    )
    portfolio_id = created["portfolio"]["id"]
    world.router.mutate(
        "AddInvestment",
        {
            "input": {
                "portfolioId": portfolio_id,
                "symbol": ADMIN_PRICED,
                "quantity": "4",
                "purchasePrice": usd("40"),
                "purchasedAt": "2024-01-02",
            }
        },
        world.admin,
    )
    sold = world.router.mutate(
        "SellInvestment",
        {
            "input": {
                "portfolioId": portfolio_id,
                "symbol": ADMIN_PRICED,
                "quantity": "1",
                "price": usd("55"),
                "soldAt": "2024-02-02",
            }
        },
        world.admin,
    )
    assert sold["realizedGain"] == usd("15.00")  # 1 x 55 - 1 x 40, to the cent (decision 6)
    version = world.router.data(
        SNAPSHOT, {"customerId": world.b_id, "portfolioId": portfolio_id}, world.admin
    )["customer"]["version"]
    updated = world.router.mutate(
        "UpdateCustomer",
        {"input": {"id": world.b_id, "expectedVersion": version, "phone": "+14155550123"}},
        world.admin,
    )
    assert (updated["customer"]["phone"], updated["customer"]["version"]) == ("+14155550123", version + 1)

    b = world.router.run("Dashboard", {"customerId": world.b_id}, world.admin)["customer"]
    opened = by_id(b)[portfolio_id]
    # 3 left of 4 @ 40 = 120, at 50: 150.
    assert D(opened["valuation"]["marketValue"]["amount"]) == D(150)
    assert D(opened["valuation"]["costBasis"]["amount"]) == D(120)
    check_b_nest_egg(by_id(b)[world.b_portfolio], world)


# -- straight to each subgraph with A's token ----------------------------------------------------------

PORTFOLIO_ENTITIES = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Portfolio {
      id name baseCurrency positions { quantity } investments { id } holdings { symbol quantity }
    }
  }
}"""
INVESTMENT_ENTITIES = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Investment { id quantity purchasePrice { amount } portfolio { id name } }
  }
}"""
CUSTOMER_ENTITIES = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Customer { id name email phone version } }
}"""
CUSTOMER_PORTFOLIOS_ENTITIES = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Customer { id portfolios { id name investments { id } } }
  }
}"""
VALUATION_ENTITIES = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Portfolio { id valuation { marketValue { amount currencyCode } costBasis { amount } } }
  }
}"""


def holdings(world: World, owner: str) -> tuple[str, list[dict[str, str]]]:
    """The Portfolio representation's holdings, as the router would send them to assets."""
    if owner == "A":
        return world.a_usd, [
            {"symbol": GROWTH, "quantity": "15", "costBasis": "1500"},
            {"symbol": INCOME, "quantity": "20", "costBasis": "900"},
        ]
    return world.b_portfolio, [{"symbol": GROWTH, "quantity": "7", "costBasis": "700"}]


def representation(world: World, kind: str, owner: str) -> dict[str, Any]:
    a, b = owner == "A", owner == "B"
    assert a or b
    if kind == "portfolio":
        return {"__typename": "Portfolio", "id": world.a_usd if a else world.b_portfolio}
    if kind == "investment":
        return {"__typename": "Investment", "id": world.a_lot if a else world.b_lot}
    if kind in ("customer", "customer portfolios"):
        return {"__typename": "Customer", "id": world.a_id if a else world.b_id}
    portfolio_id, held = holdings(world, owner)
    return {
        "__typename": "Portfolio",
        "id": portfolio_id,
        "baseCurrency": "USD",
        "holdings": held,
        "owner": {"id": world.a_id if a else world.b_id},
    }


ENTITY_CASES = {
    # kind: (the subgraph that resolves it, the document)
    "portfolio": ("portfolios", PORTFOLIO_ENTITIES),
    "investment": ("portfolios", INVESTMENT_ENTITIES),
    "customer": ("customers", CUSTOMER_ENTITIES),
    "customer portfolios": ("portfolios", CUSTOMER_PORTFOLIOS_ENTITIES),
    "valuation": ("assets", VALUATION_ENTITIES),
}


def check_own_entity(world: World, kind: str, entity: dict[str, Any]) -> None:
    if kind == "portfolio":
        assert (entity["id"], entity["name"], entity["baseCurrency"]) == (world.a_usd, "A growth", "USD")
        assert sorted((h["symbol"], D(h["quantity"])) for h in entity["holdings"]) == [
            (GROWTH, D(15)),
            (INCOME, D(20)),
        ]
        assert len(entity["investments"]) == 3
    elif kind == "investment":
        assert (entity["id"], D(entity["quantity"]), D(entity["purchasePrice"]["amount"])) == (
            world.a_lot,
            D(10),
            D(90),
        )
        assert entity["portfolio"] == {"id": world.a_usd, "name": "A growth"}
    elif kind == "customer":
        assert (entity["id"], entity["email"]) == (world.a_id, world.a_email)
    elif kind == "customer portfolios":
        assert entity["id"] == world.a_id
        assert sorted(p["name"] for p in entity["portfolios"]) == ["A abroad", "A growth"]
    else:
        # 15 x 120 + 20 x 60 = 3000 on a cost of 1500 + 900 = 2400
        assert entity["id"] == world.a_usd
        assert entity["valuation"]["marketValue"]["currencyCode"] == "USD"
        assert D(entity["valuation"]["marketValue"]["amount"]) == D(3000)
        assert D(entity["valuation"]["costBasis"]["amount"]) == D(2400)


@pytest.mark.parametrize("kind", list(ENTITY_CASES))
def test_a_subgraph_resolves_a_customers_own_entities(world: World, kind: str) -> None:
    subgraph, document = ENTITY_CASES[kind]
    api: Api = getattr(world, subgraph)
    data = api.data(document, {"representations": [representation(world, kind, "A")]}, world.a_token)
    [entity] = data["_entities"]
    check_own_entity(world, kind, entity)


@pytest.mark.parametrize("kind", list(ENTITY_CASES))
def test_a_subgraph_refuses_another_customers_entity_beside_its_own(world: World, kind: str) -> None:
    subgraph, document = ENTITY_CASES[kind]
    api: Api = getattr(world, subgraph)
    variables = {"representations": [representation(world, kind, "B"), representation(world, kind, "A")]}
    body = refused(api.post(document, variables, world.a_token), ["_entities", 0], world, variables)
    other, own = body["data"]["_entities"]
    assert other is None
    check_own_entity(world, kind, own)
    if kind == "valuation":
        # B's holdings (sent by the caller) valued at 7 x 120 = 840: not in the response either.
        assert "840" not in json.dumps(body)


PORTFOLIO_QUERY = "query($id: ID!) { portfolio(id: $id) { id name owner { id } investments { id } } }"
CUSTOMER_QUERY = "query($id: ID!) { customer(id: $id) { id name email } }"


@pytest.mark.parametrize("field", ["portfolio", "customer"])
def test_a_subgraph_refuses_a_direct_query_for_another_customers_data(world: World, field: str) -> None:
    api, document, sent = (
        (world.portfolios, PORTFOLIO_QUERY, {"id": world.b_portfolio})
        if field == "portfolio"
        else (world.customers, CUSTOMER_QUERY, {"id": world.b_id})
    )
    body = refused(api.post(document, sent, world.a_token), [field], world, sent)
    assert body["data"] == {field: None}
    own = api.data(document, {"id": world.a_usd if field == "portfolio" else world.a_id}, world.a_token)
    assert own[field]["id"] == (world.a_usd if field == "portfolio" else world.a_id)
