"""Through the router: the Dashboard's dayChange by the broker convention (the open lots reach the
assets subgraph through @requires), and a manual price cleared with the kept ClearManualPrice."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from .contract_book import money

pytestmark = pytest.mark.e2e


def test_a_lot_bought_today_moves_from_its_purchase_price_on_the_dashboard(router) -> None:
    today = datetime.now(UTC).date().isoformat()  # the pinned prices' session: their setAt's UTC day
    customer = router.mutate(
        "RegisterCustomer", {"input": {"email": "day-change@example.com", "name": "Day"}}
    )
    customer_id = customer["customer"]["id"]
    portfolio = router.mutate(
        "CreatePortfolio",
        {"input": {"customerId": customer_id, "name": "Day", "kind": "BROKERAGE", "baseCurrency": "USD"}},
    )["portfolio"]["id"]
    router.mutate(
        "SetManualPrice",
        {"input": {"symbol": "DAYE2E", "price": money("200.00"), "previousClose": money("195")}},
    )
    router.mutate("SetManualPrice", {"input": {"symbol": "DAYNOPREV", "price": money("11")}})
    for symbol, quantity, price, when in (
        ("DAYE2E", "10", "190", "2024-01-02"),
        ("DAYE2E", "4", "203.10", today),
        ("DAYNOPREV", "7", "10", "2024-01-02"),
    ):
        router.mutate(
            "AddInvestment",
            {
                "input": {
                    "portfolioId": portfolio,
                    "symbol": symbol,
                    "quantity": quantity,
                    "purchasePrice": money(price),
                    "purchasedAt": when,
                }
            },
        )

    [book] = router.run("Dashboard", {"customerId": customer_id})["customer"]["portfolios"]
    valuation = book["valuation"]
    lines = {p["instrument"]["symbol"]: p for p in valuation["positions"]}
    # 10 held x (200 - 195) = 50.00; 4 bought today x (200 - 203.10) = -12.40
    assert lines["DAYE2E"]["dayChange"] == money("37.60")
    assert lines["DAYE2E"]["dayChangeMissing"] is None
    assert lines["DAYNOPREV"]["dayChange"] is None
    assert lines["DAYNOPREV"]["dayChangeMissing"] == "NO_PREVIOUS_CLOSE"
    assert valuation["dayChange"] == money("37.60") and valuation["dayChangeComplete"] is False
    assert valuation["complete"] is True
    assert Decimal(valuation["marketValue"]["amount"]) == Decimal("2877.00")  # 14 x 200 + 7 x 11

    cleared = router.mutate("ClearManualPrice", {"input": {"symbol": "DAYNOPREV"}})
    assert cleared["instrument"]["symbol"] == "DAYNOPREV" and cleared["instrument"]["quote"] is None
    again = router.run("ClearManualPrice", {"input": {"symbol": "DAYNOPREV"}})["clearManualPrice"]
    assert [e["code"] for e in again["userErrors"]] == ["NOT_FOUND"]
    [after] = router.run("Dashboard", {"customerId": customer_id})["customer"]["portfolios"]
    assert {p["instrument"]["symbol"]: p for p in after["valuation"]["positions"]}["DAYNOPREV"][
        "dayChangeMissing"
    ] == "UNPRICED"
