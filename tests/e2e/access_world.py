"""The world of the access tests (issue 7), built once per session on the session stack: two customers
and their portfolios, staff tokens, and the numbers each portfolio must show.

Two customers: A signed itself up (its id is its token's `sub`) and opened its own portfolios; B was
registered by an operator and given a portfolio by an admin. Every number is computed by hand from
the lots below and the manual prices and FX rate pinned here on instruments of these tests only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
from devstack.client import GraphQLClient
from devstack.stack import Stack
from devstack.topology import SUBGRAPH_NAMES
from ulid import ULID

from .event_delivery import open_portfolio

D = Decimal
# Manual instruments of these tests only (USD, as priced): nothing else on the stack moves them.
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


@dataclass(frozen=True)
class World:
    router: GraphQLClient
    subgraphs: dict[str, GraphQLClient]  # by name, straight to each
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


@contextmanager
def open_world(stack: Stack) -> Iterator[World]:
    """The world, its clients closed when done."""
    config, issuer = stack.config, stack.issuer
    suffix = str(ULID())
    # Staff subjects of these tests: the router limits mutations per subject, and the session's
    # shared admin token is busy in other modules.
    admin = issuer.token(f"e2e-access-admin-{suffix}", ["admin"])
    operator = issuer.token(f"e2e-access-operator-{suffix}", ["operator"])
    with ExitStack() as clients:
        router = clients.enter_context(GraphQLClient(config.router_graphql_url))
        subgraphs = {
            name: clients.enter_context(GraphQLClient(config.url(name, "/graphql")))
            for name in SUBGRAPH_NAMES
        }
        for symbol, price in PRICES.items():
            router.mutate("SetManualPrice", {"input": {"symbol": symbol, "price": usd(price)}}, token=admin)
        router.mutate(
            "SetManualFxRate",
            {"input": {"fromCurrency": "USD", "toCurrency": "SGD", "rate": USD_SGD}},
            token=admin,
        )

        # A signs itself up: its token's sub (a fresh ULID) becomes its customer id.
        a_id = str(ULID())
        a_token = issuer.customer(a_id)
        a_email = f"ada-{suffix.lower()}@example.com"
        a_registration = router.mutate(
            "RegisterCustomer", {"input": {"email": a_email, "name": f"Ada Access {suffix}"}}, token=a_token
        )

        def portfolio(customer_id: str, name: str, base: str, token: str) -> str:
            return open_portfolio(
                router,
                {"customerId": customer_id, "name": name, "kind": "BROKERAGE", "baseCurrency": base},
                token=token,
            )

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
                token=token,
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
        b = router.mutate("RegisterCustomer", {"input": {"email": b_email, "name": b_name}}, token=operator)
        b_id = b["customer"]["id"]
        b_portfolio_name = f"B nest egg {suffix}"
        b_portfolio = portfolio(b_id, b_portfolio_name, "USD", admin)
        b_lot = lot(b_portfolio, GROWTH, "7", "100", "2024-01-20", admin)

        yield World(
            router=router,
            subgraphs=subgraphs,
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
