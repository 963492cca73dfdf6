"""Through the router: the Dashboard's dayChange (a position without a previous close says so, the
total says what it covers), its instruments on every answer, and a manual price cleared with the kept
ClearManualPrice.

Why not the open lots through @requires on `positions` (for the day change of a lot bought today):
the router fetches a @requires selection in parallel with the instruments of `positions`, and merging
the required `positions` replaces the list's objects, so an instrument fetched into the old ones is
lost and the Dashboard answers `instrument: null` with no error, on some requests. The portfolios
subgraph has to send the lots inside its @inaccessible `Holding` instead (see issue 15's report)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from .contract_book import money

pytestmark = pytest.mark.e2e


def test_day_change_without_previous_close_and_clearing_on_the_dashboard(router) -> None:
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
        ("DAYE2E", "4", "203.10", "2024-06-03"),
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

    for _ in range(8):  # the race described above showed on about one answer in three
        [book] = router.run("DashboardDayChange", {"customerId": customer_id})["customer"]["portfolios"]
        assert all(p["instrument"] is not None for p in book["positions"]), book["positions"]
    valuation = book["valuation"]
    lines = {p["instrument"]["symbol"]: p for p in valuation["positions"]}
    assert lines["DAYE2E"]["dayChange"] == money("70.00")  # 14 x (200 - 195)
    assert lines["DAYE2E"]["dayChangeMissing"] is None
    assert lines["DAYNOPREV"]["dayChange"] is None
    assert lines["DAYNOPREV"]["dayChangeMissing"] == "NO_PREVIOUS_CLOSE"
    assert valuation["dayChange"] == money("70.00") and valuation["dayChangeComplete"] is False
    assert valuation["complete"] is True
    assert Decimal(valuation["marketValue"]["amount"]) == Decimal("2877.00")  # 14 x 200 + 7 x 11

    cleared = router.mutate("ClearManualPrice", {"input": {"symbol": "DAYNOPREV"}})
    assert cleared["instrument"]["symbol"] == "DAYNOPREV" and cleared["instrument"]["quote"] is None
    again = router.run("ClearManualPrice", {"input": {"symbol": "DAYNOPREV"}})["clearManualPrice"]
    assert [e["code"] for e in again["userErrors"]] == ["NOT_FOUND"]
    [after] = router.run("DashboardDayChange", {"customerId": customer_id})["customer"]["portfolios"]
    assert {p["instrument"]["symbol"]: p for p in after["valuation"]["positions"]}["DAYNOPREV"][
        "dayChangeMissing"
    ] == "UNPRICED"
