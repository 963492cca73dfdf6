"""Sales through the router, with the kept SellInvestment contract operation (a SELL of the activity
ledger under its older name): realized gains computed by hand for a FIFO and an AVERAGE portfolio,
money to the cent (DESIGN.md decision 6), a back-dated sale replayed into its place, INSUFFICIENT_QUANTITY
naming the day, and the valuation (assets, through @requires on the holdings) following what the
sales left."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from devstack.client import GraphQLClient
from ulid import ULID

from .event_delivery import create_portfolio

pytestmark = pytest.mark.e2e

SYMBOL = "ZZSELLS"


def usd(amount: str) -> dict[str, str]:
    return {"amount": amount, "currencyCode": "USD"}


@pytest.fixture(scope="module")
def sells_router(router: GraphQLClient) -> GraphQLClient:
    """The shared stack's router, as an admin: this module's customer and symbol are its own."""
    return router


@pytest.fixture(scope="module")
def book(sells_router: GraphQLClient) -> dict[str, str]:
    """A customer with a FIFO, an AVERAGE and a second FIFO portfolio (for back-dated sales) holding
    the same three lots of ZZSELLS:
    10 @ 100 + 5 fees = 1005 (10 Jan), 10 @ 120 = 1200 (10 Feb), 5 @ 150 = 750 (10 Mar)."""
    registered = sells_router.run(
        "RegisterCustomer", {"input": {"email": f"sells-{ULID()}@example.com", "name": "Seller"}}
    )["registerCustomer"]
    assert registered["userErrors"] == []
    customer_id = registered["customer"]["id"]
    ids = {"customer": customer_id}
    for method in ("FIFO", "AVERAGE", "BACKDATED"):
        created = create_portfolio(
            sells_router,
            {
                "customerId": customer_id,
                "name": f"{method} book",
                "kind": "BROKERAGE",
                "baseCurrency": "USD",
                "costBasisMethod": "FIFO" if method == "BACKDATED" else method,
            },
        )
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
        ("FIFO", "335.00", "1350.00"),
        # AVERAGE: 25 shares cost 2955, 15 at 2955 / 25 = 118.2 -> 1773; 1940 - 1773 = 167.
        # Left: 10 shares, 2955 - 1773 = 1182.
        ("AVERAGE", "167.00", "1182.00"),
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
    assert position["costBasis"] == usd(cost_left)

    # The valuation (assets, from the holdings passed along by @requires) follows the sale:
    # 10 left at the manual price 140 = 1400.
    valuation = valuation_of(sells_router, book["customer"], book[method])
    assert valuation["marketValue"] == usd("1400.00")
    assert valuation["costBasis"] == usd(cost_left)
    assert valuation["unrealizedGain"] == usd(str(Decimal("1400.00") - Decimal(cost_left)))

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
    assert "2024-04-01" in payload["userErrors"][0]["message"]  # the day that would sell too much
    assert valuation_of(sells_router, book["customer"], book[method]) == before


def test_a_back_dated_sale_is_replayed_into_its_place(sells_router, book) -> None:
    """Entered after the sale of Apr 1, a sale of 5 @ 110 dated Jan 20 (when only the Jan 10 lot
    existed) takes half of it: cost 1005 / 2 = 502.50, proceeds 550, gain 47.50. The Apr 1 sale then
    takes the other half (502.50) and the Feb 10 lot (1200): 1940 - 1702.50 = 237.50. Left: 5 @ 150."""
    portfolio_id = book["BACKDATED"]
    first = sell(sells_router, portfolio_id, "15", fees=usd("10"))
    assert first["userErrors"] == [] and first["realizedGain"] == usd("335.00")
    late = sell(sells_router, portfolio_id, "5", price=usd("110"), soldAt="2024-01-20")
    assert late["userErrors"] == []
    assert late["realizedGain"] == usd("47.50")
    (position,) = late["portfolio"]["positions"]
    assert (Decimal(position["quantity"]), position["costBasis"]) == (5, usd("750.00"))

    books = sells_router.run(
        "PortfolioLedger", {"id": portfolio_id, "first": 10, "after": None, "from": None, "to": None}
    )["portfolio"]
    gains = books["realizedGains"]
    assert sorted(
        (r["acquiredOn"], r["soldOn"], r["quantity"], r["proceeds"]["amount"], r["costBasis"]["amount"])
        for r in gains["lots"]
    ) == [
        ("2024-01-10", "2024-01-20", "5", "550.00", "502.50"),
        ("2024-01-10", "2024-04-01", "5", "646.67", "502.50"),  # 1940 split by quantity: 5/15
        ("2024-02-10", "2024-04-01", "10", "1293.33", "1200.00"),
    ]
    assert gains["total"] == usd("285.00")  # 47.50 + 237.50
    assert [
        e["node"]["realizedGain"] for e in books["activities"]["edges"] if e["node"]["type"] == "SELL"
    ] == [
        usd("237.50"),
        usd("47.50"),
    ]

    # A second sale of 6 that day would sell 11 of the 10 held then: refused, naming the day.
    before = valuation_of(sells_router, book["customer"], portfolio_id)
    refused = sell(sells_router, portfolio_id, "6", price=usd("110"), soldAt="2024-01-20")
    assert refused["realizedGain"] is None
    assert [e["code"] for e in refused["userErrors"]] == ["INSUFFICIENT_QUANTITY"]
    assert "2024-01-20" in refused["userErrors"][0]["message"]
    assert valuation_of(sells_router, book["customer"], portfolio_id) == before
    assert before["marketValue"] == usd("700.00")  # 5 x 140
    assert before["unrealizedGain"] == usd("-50.00")
