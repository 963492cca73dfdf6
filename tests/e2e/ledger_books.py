"""The activity ledger through the router, as the ledger tests read and write it: the contract
operations RecordActivity, RemoveActivity and PortfolioLedger (schema/operations/), the README's
worked example, and what a statement's money must look like (decision 6)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from devstack.client import GraphQLClient
from ulid import ULID

from .event_delivery import create_portfolio

# The README's worked example uses the symbol X: its refusal message is quoted with it.
X = "X"

# Money amounts per currency as a statement shows them (decision 6): exactly the minor unit's digits.
MONEY_PATTERN = {
    "USD": re.compile(r"-?\d+\.\d{2}"),
    "JPY": re.compile(r"-?\d+"),
    "EUR": re.compile(r"-?\d+\.\d{2}"),
}
# Unit prices and rates keep their precision: they are not rounded money.
UNIT_PRICE_FIELDS = {"price", "averageCost", "previousClose"}


def money(amount: str, currency: str = "USD") -> dict[str, str]:
    return {"amount": amount, "currencyCode": currency}


def register(router: GraphQLClient, name: str) -> str:
    registered = router.run(
        "RegisterCustomer", {"input": {"email": f"ledger-{ULID()}@example.com", "name": name}}
    )["registerCustomer"]
    assert registered["userErrors"] == []
    return str(registered["customer"]["id"])


def open_portfolio(
    router: GraphQLClient, customer_id: str, name: str, currency: str = "USD", method: str = "FIFO"
) -> str:
    created = create_portfolio(
        router,
        {
            "customerId": customer_id,
            "name": name,
            "kind": "BROKERAGE",
            "baseCurrency": currency,
            "costBasisMethod": method,
        },
    )
    assert created["userErrors"] == [], created
    return str(created["portfolio"]["id"])


def record_raw(router: GraphQLClient, portfolio_id: str, **activity: Any) -> dict[str, Any]:
    """recordActivity's payload, userErrors included."""
    payload: dict[str, Any] = router.run(
        "RecordActivity", {"input": {"portfolioId": portfolio_id, **activity}}
    )["recordActivity"]
    return payload


def record(router: GraphQLClient, portfolio_id: str, **activity: Any) -> dict[str, Any]:
    """recordActivity's payload, which must have no userErrors."""
    payload = record_raw(router, portfolio_id, **activity)
    assert payload["userErrors"] == [], payload
    assert payload["activity"]["type"] == activity["type"]
    return payload


def remove(router: GraphQLClient, activity_id: str) -> dict[str, Any]:
    payload: dict[str, Any] = router.run("RemoveActivity", {"input": {"activityId": activity_id}})[
        "removeActivity"
    ]
    return payload


def ledger(
    router: GraphQLClient,
    portfolio_id: str,
    first: int = 50,
    after: str | None = None,
    period: tuple[str | None, str | None] = (None, None),
) -> dict[str, Any]:
    data = router.run(
        "PortfolioLedger",
        {"id": portfolio_id, "first": first, "after": after, "from": period[0], "to": period[1]},
    )
    portfolio: dict[str, Any] = data["portfolio"]
    assert portfolio is not None
    return portfolio


def every_activity(router: GraphQLClient, portfolio_id: str, page_size: int) -> list[dict[str, Any]]:
    """The whole ledger, newest first, read page by page."""
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = ledger(router, portfolio_id, first=page_size, after=after)["activities"]
        assert len(page["edges"]) <= page_size
        nodes.extend(edge["node"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]
        assert after == page["edges"][-1]["cursor"]


def money_values(value: Any, path: str = "") -> Iterator[tuple[str, dict[str, str]]]:
    """Every Money object in a response, with where it is; unit prices left out."""
    if isinstance(value, dict):
        if set(value) == {"amount", "currencyCode"}:
            yield path, value
            return
        for key, inner in value.items():
            if key not in UNIT_PRICE_FIELDS:
                yield from money_values(inner, f"{path}.{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from money_values(inner, f"{path}[{index}]")


def assert_statement_money(value: Any) -> int:
    """Every amount of money shows exactly its currency's minor-unit digits; how many were seen."""
    seen = 0
    for path, amount in money_values(value):
        if amount["amount"] is None:
            continue
        pattern = MONEY_PATTERN[amount["currencyCode"]]
        assert pattern.fullmatch(amount["amount"]), f"{path} = {amount}"
        seen += 1
    return seen


def assert_totals_add_up(books: dict[str, Any]) -> None:
    """Every total of PortfolioLedger equals the sum of its rounded lines."""
    gains = books["realizedGains"]
    for row in gains["lots"]:
        proceeds, cost = Decimal(row["proceeds"]["amount"]), Decimal(row["costBasis"]["amount"])
        assert Decimal(row["gain"]["amount"]) == proceeds - cost, row
    assert Decimal(gains["total"]["amount"]) == sum(
        (Decimal(row["gain"]["amount"]) for row in gains["lots"]), Decimal(0)
    )
    income = books["income"]
    assert Decimal(income["total"]["amount"]) == Decimal(income["dividends"]["amount"]) + Decimal(
        income["interest"]["amount"]
    )
    for position in books["positions"]:
        assert Decimal(position["costBasis"]["amount"]) == sum(
            (Decimal(lot["remainingCostBasis"]["amount"]) for lot in position["lots"]), Decimal(0)
        )
        assert Decimal(position["quantity"]) == sum(
            (Decimal(lot["remainingQuantity"]) for lot in position["lots"]), Decimal(0)
        )


def gain_rows(books: dict[str, Any]) -> list[tuple[str, str, str, str, str, str, str, str]]:
    """realizedGains' rows as comparable tuples, in a fixed order."""
    return sorted(
        (
            row["instrument"]["symbol"],
            row["acquiredOn"],
            row["soldOn"],
            row["quantity"],
            row["proceeds"]["amount"],
            row["costBasis"]["amount"],
            row["gain"]["amount"],
            row["term"],
        )
        for row in books["realizedGains"]["lots"]
    )


def without_ids(books: dict[str, Any]) -> dict[str, Any]:
    """The books with what differs between two portfolios of the same history left out (ids, name)."""
    positions = [
        {
            **position,
            "lots": [{k: v for k, v in lot.items() if k != "id"} for lot in position["lots"]],
        }
        for position in books["positions"]
    ]
    return {
        "cash": books["cash"],
        "positions": positions,
        "realizedGains": {"total": books["realizedGains"]["total"], "rows": gain_rows(books)},
        "income": books["income"],
        "activities": sorted(
            (
                node["type"],
                node["occurredAt"],
                str(node["quantity"]),
                str(node["price"]),
                str(node["amount"]),
                str(node["realizedGain"]),
            )
            for node in (edge["node"] for edge in books["activities"]["edges"])
        ),
    }


def worked_example_in(
    router: GraphQLClient, portfolio_id: str, order: list[str]
) -> dict[str, dict[str, Any]]:
    """The README's worked example recorded in `order` (names of its five activities): payloads."""
    activities: dict[str, dict[str, Any]] = {
        "deposit": {"type": "DEPOSIT", "occurredAt": "2024-01-02", "amount": money("5000")},
        "buy jan": {
            "type": "BUY",
            "occurredAt": "2024-01-10",
            "symbol": X,
            "quantity": "10",
            "price": money("100"),
        },
        "buy mar": {
            "type": "BUY",
            "occurredAt": "2024-03-10",
            "symbol": X,
            "quantity": "10",
            "price": money("200"),
        },
        "sell apr": {
            "type": "SELL",
            "occurredAt": "2024-04-01",
            "symbol": X,
            "quantity": "10",
            "price": money("250"),
        },
        "sell feb": {
            "type": "SELL",
            "occurredAt": "2024-02-01",
            "symbol": X,
            "quantity": "5",
            "price": money("150"),
        },
    }
    return {name: record(router, portfolio_id, **activities[name]) for name in order}


WORKED_EXAMPLE_ROWS = [
    # Feb 1 takes 5 of the Jan 10 lot: cost 500, proceeds 5 x 150 = 750.
    (X, "2024-01-10", "2024-02-01", "5", "750.00", "500.00", "250.00", "SHORT"),
    # Apr 1 takes the other 5 of it and 5 of the Mar 10 lot: proceeds 2500, 1250 a row.
    (X, "2024-01-10", "2024-04-01", "5", "1250.00", "500.00", "750.00", "SHORT"),
    (X, "2024-03-10", "2024-04-01", "5", "1250.00", "1000.00", "250.00", "SHORT"),
]
