"""Sales through the router, with the kept SellInvestment contract operation, on a stack of its own:
realized gains computed by hand for a FIFO and an AVERAGE portfolio, INSUFFICIENT_QUANTITY, and the
valuation (assets, through @requires on the holdings) following what the sales left."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from devstack.client import GraphQLClient
from devstack.config import StackConfig
from devstack.stack import Stack
from ulid import ULID

pytestmark = pytest.mark.e2e

SYMBOL = "ZZSELLS"


def usd(amount: str) -> dict[str, str]:
    return {"amount": amount, "currencyCode": "USD"}


@pytest.fixture(scope="module")
def sells_router() -> Iterator[GraphQLClient]:
    with Stack(StackConfig.ephemeral(), echo=False, seed=False) as stack:
        yield GraphQLClient(stack.config.router_graphql_url, token=stack.issuer.admin())


@pytest.fixture(scope="module")
def book(sells_router: GraphQLClient) -> dict[str, str]:
    """A customer with a FIFO and an AVERAGE portfolio holding the same three lots of ZZSELLS:
    10 @ 100 + 5 fees = 1005 (10 Jan), 10 @ 120 = 1200 (10 Feb), 5 @ 150 = 750 (10 Mar)."""
    registered = sells_router.run(
        "RegisterCustomer", {"input": {"email": f"sells-{ULID()}@example.com", "name": "Seller"}}
    )["registerCustomer"]
    assert registered["userErrors"] == []
    customer_id = registered["customer"]["id"]
    ids = {"customer": customer_id}
    for method in ("FIFO", "AVERAGE"):
        created = sells_router.run(
            "CreatePortfolio",
            {
                "input": {
                    "customerId": customer_id,
                    "name": f"{method} book",
                    "kind": "BROKERAGE",
                    "baseCurrency": "USD",
                    "costBasisMethod": method,
                }
            },
        )["createPortfolio"]
        assert created["userErrors"] == [], created
        ids[method] = created["portfolio"]["id"]
        for quantity, price, when, fees in (
            ("5", "150", "2024-03-10", None),
            ("10", "120", "2024-02-10", None),
            ("10", "100", "2024-01-10", "5"),
        ):
            lot: dict[str, Any] = {
                "portfolioId": ids[method],
                "symbol": SYMBOL,
                "quantity": quantity,
                "purchasePrice": usd(price),
                "purchasedAt": when,
            }
            if fees:
                lot["fees"] = usd(fees)
            added = sells_router.run("AddInvestment", {"input": lot})["addInvestment"]
            assert added["userErrors"] == [], added
    manual = sells_router.run("SetManualPrice", {"input": {"symbol": SYMBOL, "price": usd("140")}})
    assert manual["setManualPrice"]["userErrors"] == []
    return ids


def sell(router: GraphQLClient, portfolio_id: str, quantity: str, **extra: Any) -> dict[str, Any]:
    sale = {
        "portfolioId": portfolio_id,
        "symbol": SYMBOL,
        "quantity": quantity,
        "price": usd("130"),
        "soldAt": "2024-04-01",
        **extra,
    }
    payload: dict[str, Any] = router.run("SellInvestment", {"input": sale})["sellInvestment"]
    return payload


def valuation_of(router: GraphQLClient, customer_id: str, portfolio_id: str) -> dict[str, Any]:
    dashboard = router.run("Dashboard", {"customerId": customer_id})
    portfolio = next(p for p in dashboard["customer"]["portfolios"] if p["id"] == portfolio_id)
    valuation: dict[str, Any] = portfolio["valuation"]
    return valuation


@pytest.mark.parametrize(
    ("method", "gain", "cost_left"),
    [
        # FIFO: 10 Jan lot whole (1005) + half the 10 Feb lot (600) = 1605; 15 * 130 - 10 = 1940;
        # 1940 - 1605 = 335. Left: 5 @ 120 (600) + 5 @ 150 (750) = 1350.
        ("FIFO", "335", Decimal("1350")),
        # AVERAGE: 25 shares cost 2955, 15 at 2955 / 25 = 118.2 -> 1773; 1940 - 1773 = 167.
        # Left: 10 shares, 2955 - 1773 = 1182.
        ("AVERAGE", "167", Decimal("1182")),
    ],
)
def test_sale_realizes_the_hand_computed_gain(sells_router, book, method, gain, cost_left) -> None:
    payload = sell(sells_router, book[method], "15", fees=usd("10"), idempotencyKey=f"e2e-{method}")
    assert payload["userErrors"] == []
    assert payload["realizedGain"] == usd(gain)
    assert payload["portfolio"]["id"] == book[method]
    (position,) = payload["portfolio"]["positions"]
    assert position["instrument"] == {"symbol": SYMBOL}
    assert Decimal(position["quantity"]) == 10
    assert Decimal(position["costBasis"]["amount"]) == cost_left
    assert position["costBasis"]["currencyCode"] == "USD"

    # The valuation (assets, from the holdings passed along by @requires) follows the sale:
    # 10 left at the manual price 140 = 1400.
    valuation = valuation_of(sells_router, book["customer"], book[method])
    assert Decimal(valuation["marketValue"]["amount"]) == Decimal(1400)
    assert Decimal(valuation["costBasis"]["amount"]) == cost_left
    assert Decimal(valuation["unrealizedGain"]["amount"]) == Decimal(1400) - cost_left

    # The same sale sent again (same idempotencyKey) is the first one, not a second sale.
    again = sell(sells_router, book[method], "15", fees=usd("10"), idempotencyKey=f"e2e-{method}")
    assert again["realizedGain"] == usd(gain)
    assert Decimal(again["portfolio"]["positions"][0]["quantity"]) == 10


@pytest.mark.parametrize("method", ["FIFO", "AVERAGE"])
def test_selling_more_than_is_held_changes_nothing(sells_router, book, method) -> None:
    before = valuation_of(sells_router, book["customer"], book[method])
    held = Decimal(before["positions"][0]["quantity"])
    payload = sell(sells_router, book[method], str(held + Decimal("0.00000001")))
    assert payload["realizedGain"] is None and payload["portfolio"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["input", "quantity"], "INSUFFICIENT_QUANTITY")
    ]
    assert valuation_of(sells_router, book["customer"], book[method]) == before
