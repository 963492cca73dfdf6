"""The activity ledger through GraphQL (in-process ASGI) on DynamoDB Local, with the contract's own
operation texts (schema/operations): every activity type, its numbers checked by hand; the same
activities in any recording order give the same books. Changes are in `test_portfolios_ledger_changes`,
statements, pages and concurrency in `test_portfolios_ledger_statements`.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from .ledger_operations import (
    ISSUE_HISTORY,
    activities_by_id,
    books,
    buy,
    ledger,
    money,
    record,
    record_history,
    sell,
)

# --- every type, by hand ------------------------------------------------------------------------


async def test_every_activity_type_by_hand(api, customer):
    pid = (await api.create_portfolio(customer, name="Everything"))["id"]
    deposit = await record(api, pid, "DEPOSIT", "2023-01-02", amount=money("10000"))
    old = await buy(api, pid, "2023-01-10", "10", "100", fees=money("5"))  # cost 1005
    new = await buy(api, pid, "2024-01-10", "10", "120")  # cost 1200
    dividend = await record(api, pid, "DIVIDEND", "2024-02-01", symbol="AAPL", amount=money("12.34"))
    interest = await record(api, pid, "INTEREST", "2024-03-01", amount=money("1.005"))
    split = await record(api, pid, "SPLIT", "2024-03-15", symbol="AAPL", splitRatio={"from": "1", "to": "2"})
    # After the split (cost kept): old lot 20 shares costing 1005, new lot 20 costing 1200.
    sale = await sell(api, pid, "2024-04-01", "25", "70", fees=money("10"))
    fee = await record(api, pid, "FEE", "2024-04-02", amount=money("15"))
    tax = await record(api, pid, "TAX", "2024-04-03", symbol="AAPL", amount=money("7.5"))
    withdrawal = await record(api, pid, "WITHDRAWAL", "2024-04-04", amount=money("500"))
    sap = await record(
        api,
        pid,
        "BUY",
        "2024-04-05",
        symbol="SAP",
        quantity="4",
        price=money("120.50", "EUR"),
        fees=money("2", "EUR"),
        fxRate="1.0850",
    )

    # What the payloads say of each activity.
    assert (deposit["type"], deposit["amount"], deposit["fxRate"]) == ("DEPOSIT", money("10000.00"), "1")
    assert old["price"] == money("100") and old["fees"] == money("5.00") and old["realizedGain"] is None
    assert dividend["instrument"] == {"symbol": "AAPL"} and dividend["amount"] == money("12.34")
    assert interest["amount"] == money("1.00")  # 1.005 rounded half-even to the cent
    assert (split["quantity"], split["price"], split["amount"], split["fxRate"]) == (None, None, None, None)
    # FIFO: the old lot's 20 shares (1005) and 5 of the new lot's 20 (1200 * 5 / 20 = 300): cost 1305.
    # Proceeds 25 * 70 - 10 = 1740; gain 1740 - 1305 = 435.
    assert sale["realizedGain"] == money("435.00")
    assert (sale["price"], sale["fees"]) == (money("70"), money("10.00"))
    assert fee["amount"] == money("15.00") and tax["amount"] == money("7.50")
    assert withdrawal["amount"] == money("500.00")
    # (4 * 120.50 + 2) * 1.0850 = 484.00 * 1.085 = 525.14 USD
    assert (sap["price"], sap["fees"], sap["fxRate"]) == (
        money("120.5", "EUR"),
        money("2.00", "EUR"),
        "1.085",
    )

    books_now = await ledger(api, pid)
    # 10000 - 1005 - 1200 + 12.34 + 1.00 + 1740 - 15 - 7.50 - 500 - 525.14 = 8500.70
    assert books_now["cash"] == money("8500.70")
    aapl, sap_position = books_now["positions"]
    assert (aapl["instrument"], aapl["quantity"], aapl["costBasis"]) == (
        {"symbol": "AAPL"},
        "15",  # 40 after the split, 25 sold
        money("900.00"),  # 1200 - 300
    )
    assert aapl["averageCost"] == money("60") and aapl["realizedGain"] == money("435.00")
    assert [(lot["id"], lot["purchasedAt"], lot["remainingQuantity"]) for lot in aapl["lots"]] == [
        (new["id"], "2024-01-10", "15")
    ]
    assert (sap_position["quantity"], sap_position["costBasis"]) == ("4", money("525.14"))
    assert sap_position["averageCost"] == money("131.285")  # 525.14 / 4

    gains = books_now["realizedGains"]
    # Proceeds split by quantity: 1740 * 20 / 25 = 1392.00 and 348.00; the old lot was held more than
    # a year (2023-01-10 to 2024-04-01): LONG; the new one SHORT.
    assert gains["lots"] == [
        {
            "instrument": {"symbol": "AAPL"},
            "quantity": "20",
            "acquiredOn": "2023-01-10",
            "soldOn": "2024-04-01",
            "proceeds": money("1392.00"),
            "costBasis": money("1005.00"),
            "gain": money("387.00"),
            "term": "LONG",
        },
        {
            "instrument": {"symbol": "AAPL"},
            "quantity": "5",
            "acquiredOn": "2024-01-10",
            "soldOn": "2024-04-01",
            "proceeds": money("348.00"),
            "costBasis": money("300.00"),
            "gain": money("48.00"),
            "term": "SHORT",
        },
    ]
    assert gains["total"] == money("435.00")
    assert books_now["income"] == {
        "total": money("13.34"),
        "dividends": money("12.34"),
        "interest": money("1.00"),
    }

    # Periods: from/to are inclusive trade dates.
    later = await ledger(api, pid, **{"from": "2024-02-02"})
    assert later["income"] == {"total": money("1.00"), "dividends": money("0.00"), "interest": money("1.00")}
    earlier = await ledger(api, pid, to="2024-02-01")
    assert earlier["income"] == {
        "total": money("12.34"),
        "dividends": money("12.34"),
        "interest": money("0.00"),
    }
    assert earlier["realizedGains"] == {"total": money("0.00"), "lots": []}
    that_day = await ledger(api, pid, **{"from": "2024-04-01", "to": "2024-04-01"})
    assert that_day["realizedGains"]["total"] == money("435.00")

    # The fields the contract's operations do not ask for.
    seen = await activities_by_id(api, pid)
    assert seen[split["id"]]["splitRatio"] == {"from": "1", "to": "2"}
    assert seen[sale["id"]]["lots"] == [
        {"investmentId": old["id"], "quantity": "20"},
        {"investmentId": new["id"], "quantity": "5"},
    ]
    assert seen[old["id"]]["investmentId"] == old["id"] and seen[sale["id"]]["investmentId"] is None
    assert seen[tax["id"]]["symbol"] == "AAPL" and seen[fee["id"]]["symbol"] is None
    assert {n["type"] for n in seen.values()} == {
        "DEPOSIT",
        "BUY",
        "DIVIDEND",
        "INTEREST",
        "SPLIT",
        "SELL",
        "FEE",
        "TAX",
        "WITHDRAWAL",
    }


@pytest.mark.parametrize(
    ("method", "total", "rows", "held_cost"),
    [
        # FIFO: Feb 1 takes 5 of Jan's lot (500): 750 - 500 = 250. Apr 1 takes Jan's other 5 (500) and
        # 5 of Mar's (1000): 2500 - 1500 = 1000. 1250 in all; 5 of Mar's lot left, 1000.
        (
            "FIFO",
            "1250.00",
            [
                ("2024-01-10", "2024-02-01", "5", "750.00", "500.00", "250.00"),
                ("2024-01-10", "2024-04-01", "5", "1250.00", "500.00", "750.00"),
                ("2024-03-10", "2024-04-01", "5", "1250.00", "1000.00", "250.00"),
            ],
            "1000.00",
        ),
        # AVERAGE: Feb 1 takes 5 of 10 at 100: gain 250. Then 5 at 100 and 10 at 200 pool to 15 costing
        # 2500; Apr 1 takes 10 of them (the oldest: Jan's 5, Mar's 5) at 2500 * 10 / 15 = 1666.67, split
        # over the rows cumulatively (833.33, then 1666.67 - 833.33 = 833.34): 2500 - 1666.67 = 833.33.
        # 1083.33 in all; 5 left costing 2500 - 1666.67 = 833.33.
        (
            "AVERAGE",
            "1083.33",
            [
                ("2024-01-10", "2024-02-01", "5", "750.00", "500.00", "250.00"),
                ("2024-01-10", "2024-04-01", "5", "1250.00", "833.33", "416.67"),
                ("2024-03-10", "2024-04-01", "5", "1250.00", "833.34", "416.66"),
            ],
            "833.33",
        ),
    ],
)
async def test_a_sale_entered_late_gives_the_books_of_the_date_order(
    api, customer, method, total, rows, held_cost
):
    late = (await api.create_portfolio(customer, name="Late", costBasisMethod=method))["id"]
    in_order = (await api.create_portfolio(customer, name="In order", costBasisMethod=method))["id"]
    await record_history(api, late, ISSUE_HISTORY)
    await record_history(api, in_order, sorted(ISSUE_HISTORY, key=lambda a: a[1]))

    late_books, ordered_books = await ledger(api, late), await ledger(api, in_order)
    assert books(late_books) == books(ordered_books)
    gains = late_books["realizedGains"]
    assert gains["total"] == money(total)
    assert [
        (
            r["acquiredOn"],
            r["soldOn"],
            r["quantity"],
            r["proceeds"]["amount"],
            r["costBasis"]["amount"],
            r["gain"]["amount"],
        )
        for r in gains["lots"]
    ] == rows
    assert {r["term"] for r in gains["lots"]} == {"SHORT"}
    assert sum(Decimal(r["gain"]["amount"]) for r in gains["lots"]) == Decimal(total)
    (position,) = late_books["positions"]
    assert (position["quantity"], position["costBasis"]) == ("5", money(held_cost))
    # No deposits recorded: cash is below zero, shown: -1000 - 2000 + 2500 + 750 = 250.00
    assert late_books["cash"] == money("250.00")
