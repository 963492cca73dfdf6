"""The activity ledger through the router, with the contract operations RecordActivity, RemoveActivity
and PortfolioLedger (schema/operations/), every number worked out by hand (README, "Portfolios: the
activity ledger"; DESIGN.md decisions 6 and 11): the README's worked example, in any order, removed
and paged, and the Dashboard after it. Rounding, currencies, terms and the demo ledger:
test_e2e_ledger_money.py.

Each test registers a customer of its own on the shared stack, so that the Dashboard it reads holds
only what the test recorded.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from devstack.client import GraphQLClient

from .ledger_books import (
    WORKED_EXAMPLE_ROWS,
    X,
    assert_statement_money,
    assert_totals_add_up,
    every_activity,
    gain_rows,
    ledger,
    money,
    open_portfolio,
    record,
    register,
    remove,
    without_ids,
    worked_example_in,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def worked_example(router: GraphQLClient) -> dict[str, Any]:
    """The worked example recorded as the README tells it (the February sale entered last) in one
    portfolio, and in trade-date order in a second one, for one customer."""
    customer_id = register(router, "Worked Example")
    late = open_portfolio(router, customer_id, "Entered late")
    in_order = open_portfolio(router, customer_id, "Entered in date order")
    late_payloads = worked_example_in(router, late, ["deposit", "buy jan", "buy mar", "sell apr", "sell feb"])
    in_order_payloads = worked_example_in(
        router, in_order, ["deposit", "buy jan", "sell feb", "buy mar", "sell apr"]
    )
    return {
        "customer": customer_id,
        "late": late,
        "in_order": in_order,
        "late_payloads": late_payloads,
        "in_order_payloads": in_order_payloads,
    }


def test_worked_example_entered_late_gives_the_readme_books(router, worked_example) -> None:
    payloads = worked_example["late_payloads"]
    # The February sale, entered last, is accepted (it used to be refused with "held only 0") and its
    # gain is its row's: 750 - 500.
    feb = payloads["sell feb"]
    assert feb["activity"]["realizedGain"] == money("250.00")
    assert feb["activity"]["occurredAt"] == "2024-02-01"
    assert feb["portfolio"]["cash"] == money("5250.00")
    # The April sale, recorded before it, took 10 of the Jan 10 lot then: it is replayed and now takes
    # 5 + 5 (gain 1000). What recordActivity answered then was the replay of that day's ledger.
    assert payloads["sell apr"]["activity"]["realizedGain"] == money("1500.00")
    assert payloads["deposit"]["portfolio"]["cash"] == money("5000.00")
    assert payloads["buy mar"]["portfolio"]["cash"] == money("2000.00")  # 5000 - 1000 - 2000

    books = ledger(router, worked_example["late"])
    assert books["cash"] == money("5250.00")  # 5000 - 1000 - 2000 + 750 + 2500
    assert books["costBasisMethod"] == "FIFO"
    (position,) = books["positions"]
    assert position["instrument"] == {"symbol": X}
    assert Decimal(position["quantity"]) == 5
    assert position["costBasis"] == money("1000.00")
    assert Decimal(position["averageCost"]["amount"]) == 200
    assert position["realizedGain"] == money("1250.00")
    (lot,) = position["lots"]
    assert lot["id"] == payloads["buy mar"]["activity"]["id"]  # a BUY's lot has the activity's id
    assert (lot["purchasedAt"], Decimal(lot["remainingQuantity"])) == ("2024-03-10", 5)
    assert lot["remainingCostBasis"] == money("1000.00")

    assert books["realizedGains"]["total"] == money("1250.00")
    assert gain_rows(books) == sorted(WORKED_EXAMPLE_ROWS)
    assert books["income"] == {
        "total": money("0.00"),
        "dividends": money("0.00"),
        "interest": money("0.00"),
    }
    # The ledger now tells the sale of Apr 1 its replayed gain.
    nodes = {edge["node"]["id"]: edge["node"] for edge in books["activities"]["edges"]}
    assert nodes[payloads["sell apr"]["activity"]["id"]]["realizedGain"] == money("1000.00")
    assert nodes[payloads["sell feb"]["activity"]["id"]]["realizedGain"] == money("250.00")
    assert_totals_add_up(books)
    assert assert_statement_money(books) > 10


def test_worked_example_in_date_order_gives_the_same_books(router, worked_example) -> None:
    late = ledger(router, worked_example["late"])
    in_order = ledger(router, worked_example["in_order"])
    assert without_ids(in_order) == without_ids(late)
    assert in_order["cash"] == money("5250.00")
    assert in_order["realizedGains"]["total"] == money("1250.00")
    # Recorded in date order, each sale's answer was already its final gain.
    payloads = worked_example["in_order_payloads"]
    assert payloads["sell feb"]["activity"]["realizedGain"] == money("250.00")
    assert payloads["sell apr"]["activity"]["realizedGain"] == money("1000.00")


def test_removing_a_buy_a_sale_needed_is_refused_naming_the_date(router, worked_example) -> None:
    portfolio_id = worked_example["late"]
    before = ledger(router, portfolio_id)
    payload = remove(router, worked_example["late_payloads"]["buy jan"]["activity"]["id"])
    assert payload["removedActivityId"] is None
    assert payload["portfolio"] is None
    assert [(e["field"], e["code"], e["message"]) for e in payload["userErrors"]] == [
        (
            ["input", "activityId"],
            "INSUFFICIENT_QUANTITY",
            "On 2024-02-01 the portfolio would hold only 0 X, less than the 5 the sale of that day takes.",
        )
    ]
    assert ledger(router, portfolio_id) == before  # nothing written


def test_a_sale_can_be_removed_and_the_ledger_replays(router, worked_example) -> None:
    """The sale the old model could never undo: removing Feb 1 leaves Apr 1 taking the whole Jan lot
    (cost 1000, proceeds 2500, gain 1500); cash 5000 - 1000 - 2000 + 2500 = 4500."""
    customer_id = worked_example["customer"]
    portfolio_id = open_portfolio(router, customer_id, "Sale removed")
    payloads = worked_example_in(
        router, portfolio_id, ["deposit", "buy jan", "buy mar", "sell apr", "sell feb"]
    )
    sale_id = payloads["sell feb"]["activity"]["id"]
    removed = remove(router, sale_id)
    assert removed["userErrors"] == []
    assert removed["removedActivityId"] == sale_id
    assert removed["portfolio"] == {
        "id": portfolio_id,
        "realizedGain": money("1500.00"),
        "cash": money("4500.00"),
    }
    books = ledger(router, portfolio_id)
    assert gain_rows(books) == [
        (X, "2024-01-10", "2024-04-01", "10", "2500.00", "1000.00", "1500.00", "SHORT")
    ]
    (position,) = books["positions"]
    assert (Decimal(position["quantity"]), position["costBasis"]) == (10, money("2000.00"))
    assert sale_id not in {edge["node"]["id"] for edge in books["activities"]["edges"]}
    assert len(books["activities"]["edges"]) == 4
    # Removed once, it is not there to remove again.
    again = remove(router, sale_id)
    assert again["removedActivityId"] is None
    assert [e["code"] for e in again["userErrors"]] == ["NOT_FOUND"]


def test_the_ledger_is_newest_first_and_pages(router, worked_example) -> None:
    portfolio_id = worked_example["late"]
    payloads = worked_example["late_payloads"]
    expected = [
        payloads[name]["activity"]["id"] for name in ("sell apr", "buy mar", "sell feb", "buy jan", "deposit")
    ]
    for page_size in (1, 2, 3, 5, 50):
        assert [node["id"] for node in every_activity(router, portfolio_id, page_size)] == expected
    first_two = ledger(router, portfolio_id, first=2)["activities"]
    assert first_two["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["occurredAt"] for e in first_two["edges"]] == ["2024-04-01", "2024-03-10"]
    last = ledger(router, portfolio_id, first=5)["activities"]
    assert last["pageInfo"]["hasNextPage"] is False

    # Within one trade date, the newest recorded comes first.
    customer_id = worked_example["customer"]
    same_day = open_portfolio(router, customer_id, "Same day")
    ids = [
        record(router, same_day, type="DEPOSIT", occurredAt="2024-05-05", amount=money(amount), note=amount)[
            "activity"
        ]["id"]
        for amount in ("1", "2", "3")
    ]
    older = record(router, same_day, type="INTEREST", occurredAt="2024-05-04", amount=money("0.10"))
    assert [n["id"] for n in every_activity(router, same_day, 2)] == [*reversed(ids), older["activity"]["id"]]


def test_dashboard_after_the_ledger_rounds_to_the_cent_and_adds_up(router, worked_example) -> None:
    """The worked example's customer, with X priced by hand at 300.125 (previous close 299.995): the
    two portfolios that hold 5 X at cost 1000.00 are worth 5 x 300.125 = 1500.625 -> 1500.62 (half-even),
    unrealized 500.62, day change 5 x 0.13 = 0.65; the third holds 10 X at cost 2000.00: 3001.25,
    unrealized 1001.25, day change 1.30 (decision 6: amounts to the cent, totals the sums of the rounded
    lines). Prices keep their precision."""
    priced = router.run(
        "SetManualPrice",
        {"input": {"symbol": X, "price": money("300.125"), "previousClose": money("299.995")}},
    )["setManualPrice"]
    assert priced["userErrors"] == []
    dashboard = router.run("Dashboard", {"customerId": worked_example["customer"]})
    portfolios = {p["name"]: p for p in dashboard["customer"]["portfolios"]}
    expected = {
        "Entered late": ("5", "1000.00", "1500.62", "500.62", "0.65"),
        "Entered in date order": ("5", "1000.00", "1500.62", "500.62", "0.65"),
    }
    if "Sale removed" in portfolios:  # the test that records it ran
        expected["Sale removed"] = ("10", "2000.00", "3001.25", "1001.25", "1.30")
    for name, (quantity, cost, value, gain, day) in expected.items():
        portfolio = portfolios[name]
        (position,) = portfolio["positions"]
        assert Decimal(position["quantity"]) == Decimal(quantity)
        assert position["costBasis"] == money(cost), name
        valuation = portfolio["valuation"]
        assert valuation["complete"] is True
        (priced_position,) = valuation["positions"]
        assert priced_position["price"] is not None
        assert Decimal(priced_position["price"]["amount"]) == Decimal("300.125")
        assert priced_position["marketValue"] == money(value), name
        assert priced_position["costBasis"] == money(cost), name
        assert priced_position["unrealizedGain"] == money(gain), name
        assert valuation["marketValue"] == money(value), name
        assert valuation["costBasis"] == money(cost), name
        assert valuation["unrealizedGain"] == money(gain), name
        assert valuation["dayChange"] == money(day), name
    for portfolio in dashboard["customer"]["portfolios"]:
        valuation = portfolio["valuation"]
        assert_statement_money(valuation)
        assert_statement_money(portfolio["positions"])
        lines = [p for p in valuation["positions"] if p["marketValue"] is not None]
        for total, field in (
            ("marketValue", "marketValue"),
            ("costBasis", "costBasis"),
            ("unrealizedGain", "unrealizedGain"),
        ):
            assert Decimal(valuation[total]["amount"]) == sum(
                (Decimal(p[field]["amount"]) for p in lines), Decimal(0)
            ), (portfolio["name"], total)
