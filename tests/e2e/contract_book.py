"""The contract tests' book: a fresh customer with one portfolio whose every number is known, opened
once per session through the router with the kept contract operations."""

from __future__ import annotations

from decimal import Decimal

from devstack.client import GraphQLClient

from .event_delivery import create_portfolio


def money(amount: str, currency: str = "USD") -> dict[str, str]:
    return {"amount": amount, "currencyCode": currency}


def dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def open_book(router: GraphQLClient) -> dict[str, str]:
    """A fresh customer with one portfolio whose every number is known."""
    registered = router.run(
        "RegisterCustomer",
        {
            "input": {
                "email": "  E2E.Tester@Example.COM ",
                "name": "E2E Tester",
                "phone": "+442079460000",
                "address": {
                    "line1": "10 Downing St",
                    "city": "London",
                    "postalCode": "SW1A 2AA",
                    "country": "gb",
                },
            }
        },
    )["registerCustomer"]
    assert registered["userErrors"] == []
    customer = registered["customer"]
    assert customer["email"] == "E2E.Tester@example.com"
    assert customer["address"]["country"] == "GB"
    assert customer["version"] == 1

    # The customer reaches portfolios as an event, a moment after registerCustomer commits.
    created = create_portfolio(
        router,
        {"customerId": customer["id"], "name": "Test brokerage", "kind": "BROKERAGE", "baseCurrency": "USD"},
    )
    assert created["userErrors"] == []
    portfolio = created["portfolio"]
    assert (portfolio["kind"], portfolio["baseCurrency"], portfolio["costBasisMethod"]) == (
        "BROKERAGE",
        "USD",
        "FIFO",
    )

    for symbol, price, previous in (("ZZTEST", "20.00", "19.00"), ("MSFT", "400.00", "398.00")):
        set_price = router.run(
            "SetManualPrice",
            {"input": {"symbol": symbol, "price": money(price), "previousClose": money(previous)}},
        )["setManualPrice"]
        assert set_price["userErrors"] == []
        assert set_price["instrument"]["quote"]["source"] == "manual"
        # A unit price shows its own digits, trailing zeros trimmed (DESIGN.md decision 6): "20.00" is "20".
        assert set_price["instrument"]["quote"]["price"] == money(format(Decimal(price).normalize(), "f"))

    lots = [
        ("ZZTEST", "10", "15.00", "2024-01-02", "1.00"),
        ("MSFT", "2", "350.00", "2023-05-01", None),
        ("MSFT", "1", "380.00", "2024-02-01", None),
        ("NOPRICEX", "5", "10.00", "2024-03-01", None),
    ]
    for index, (symbol, quantity, price, when, fees) in enumerate(lots):
        lot = {
            "portfolioId": portfolio["id"],
            "symbol": symbol,
            "quantity": quantity,
            "purchasePrice": money(price),
            "purchasedAt": when,
            "idempotencyKey": f"e2e-{index}",
        }
        if fees:
            lot["fees"] = money(fees)
        added = router.run("AddInvestment", {"input": lot})["addInvestment"]
        assert added["userErrors"] == []
        assert added["investment"]["instrument"]["symbol"] == symbol
        assert dec(added["investment"]["quantity"]) == Decimal(quantity)
    return {"customer": customer["id"], "portfolio": portfolio["id"]}
