"""Every kept contract operation, sent through the router, with numbers checked by hand."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from devstack.client import operation

pytestmark = pytest.mark.e2e


def money(amount: str, currency: str = "USD") -> dict[str, str]:
    return {"amount": amount, "currencyCode": currency}


def dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


@pytest.fixture(scope="module")
def book(router) -> dict[str, str]:
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

    created = router.run(
        "CreatePortfolio",
        {
            "input": {
                "customerId": customer["id"],
                "name": "Test brokerage",
                "kind": "BROKERAGE",
                "baseCurrency": "USD",
            }
        },
    )["createPortfolio"]
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


def test_dashboard_values_add_up_by_hand(router, book: dict[str, str]) -> None:
    data = router.run("Dashboard", {"customerId": book["customer"]})
    customer = data["customer"]
    assert customer["name"] == "E2E Tester"
    [portfolio] = customer["portfolios"]
    positions = {p["instrument"]["symbol"]: p for p in portfolio["positions"]}
    assert set(positions) == {"MSFT", "NOPRICEX", "ZZTEST"}
    assert dec(positions["MSFT"]["quantity"]) == 3
    assert dec(positions["MSFT"]["costBasis"]["amount"]) == Decimal("1080.00")  # 2 x 350 + 1 x 380
    assert dec(positions["ZZTEST"]["costBasis"]["amount"]) == Decimal("151.00")  # 10 x 15 + 1 fee
    assert positions["MSFT"]["instrument"]["name"] == "Microsoft Corporation"
    assert positions["MSFT"]["instrument"]["quote"]["source"] == "manual"
    assert positions["NOPRICEX"]["instrument"]["quote"] is None

    valuation = portfolio["valuation"]
    # Priced: ZZTEST 10 x 20 = 200, MSFT 3 x 400 = 1200. NOPRICEX has no price at all.
    assert valuation["complete"] is False
    assert dec(valuation["marketValue"]["amount"]) == Decimal(1400)
    assert dec(valuation["costBasis"]["amount"]) == Decimal(1231)  # 151 + 1080, priced positions only
    assert dec(valuation["unrealizedGain"]["amount"]) == Decimal(169)
    assert dec(valuation["unrealizedGainPercent"]).quantize(Decimal("0.0001")) == Decimal(
        "13.7287"
    )  # 169/1231
    assert dec(valuation["dayChange"]["amount"]) == Decimal(16)  # 10 x 1 + 3 x 2
    by_symbol = {p["instrument"]["symbol"]: p for p in valuation["positions"]}
    assert by_symbol["NOPRICEX"]["price"] is None
    assert by_symbol["NOPRICEX"]["marketValue"] is None
    assert dec(by_symbol["MSFT"]["weight"]).quantize(Decimal("0.000001")) == Decimal("0.857143")  # 1200/1400
    assert dec(by_symbol["ZZTEST"]["unrealizedGain"]["amount"]) == Decimal(49)  # 200 - 151


def test_instrument_quote_from_catalog_and_manual(router, book: dict[str, str]) -> None:
    msft = router.run("Instrument", {"symbol": "msft"})["instrument"]
    assert (msft["symbol"], msft["assetClass"], msft["currency"], msft["exchange"]) == (
        "MSFT",
        "STOCK",
        "USD",
        "NASDAQ",
    )
    quote = msft["quote"]
    assert quote["price"] == money("400")  # a unit price: trailing zeros trimmed
    assert dec(quote["change"]["amount"]) == 2
    assert dec(quote["changePercent"]).quantize(Decimal("0.0001")) == Decimal("0.5025")  # 2/398
    assert quote["stale"] is False

    spy = router.run("Instrument", {"symbol": "SPY"})["instrument"]
    assert spy["quote"]["source"] == "simulated"
    assert Decimal(spy["quote"]["price"]["amount"]) > 0
    assert router.run("Instrument", {"symbol": "NOSUCHTHING"})["instrument"] is None


def test_demo_customer_dashboard_is_complete_and_adds_up(router, stack) -> None:
    data = router.run("Dashboard", {"customerId": stack.demo.customer_id})
    portfolios = data["customer"]["portfolios"]
    assert [p["kind"] for p in portfolios] == ["BROKERAGE", "ROTH_IRA", "K401"]
    for portfolio in portfolios:
        valuation = portfolio["valuation"]
        assert valuation["complete"] is True, portfolio["name"]
        values = [Decimal(p["marketValue"]["amount"]) for p in valuation["positions"]]
        assert sum(values) == Decimal(valuation["marketValue"]["amount"])
        costs = [Decimal(p["costBasis"]["amount"]) for p in valuation["positions"]]
        assert sum(costs) == Decimal(valuation["costBasis"]["amount"])
        # Each weight is a rate shown to 10 places: their sum is 1 within half a unit of the 10th
        # place per position.
        weights = [Decimal(p["weight"]) for p in valuation["positions"]]
        assert abs(sum(weights) - 1) <= len(weights) * Decimal("0.5e-10")


def test_idempotency_key_replay_returns_the_first_lot(router, book: dict[str, str]) -> None:
    lot = {
        "portfolioId": book["portfolio"],
        "symbol": "AAPL",
        "quantity": "1",
        "purchasePrice": money("100"),
        "purchasedAt": "2024-01-01",
        "idempotencyKey": "replay-me",
    }
    first = router.run("AddInvestment", {"input": lot})["addInvestment"]["investment"]
    again = router.run("AddInvestment", {"input": lot})["addInvestment"]["investment"]
    assert first["id"] == again["id"]


@pytest.mark.parametrize(
    ("operation", "make_input", "field", "code"),
    [
        (
            "AddInvestment",
            lambda b: {
                "portfolioId": b["portfolio"],
                "symbol": "AAPL",
                "quantity": "0",
                "purchasePrice": money("1"),
                "purchasedAt": "2024-01-01",
            },
            ["input", "quantity"],
            "INVALID",
        ),
        (
            "AddInvestment",
            lambda b: {
                "portfolioId": b["portfolio"],
                "symbol": "AAPL",
                "quantity": "-3",
                "purchasePrice": money("1"),
                "purchasedAt": "2024-01-01",
            },
            ["input", "quantity"],
            "INVALID",
        ),
        (
            "AddInvestment",
            lambda b: {
                "portfolioId": "01HZZZZZZZZZZZZZZZZZZZZZZZ",
                "symbol": "AAPL",
                "quantity": "1",
                "purchasePrice": money("1"),
                "purchasedAt": "2024-01-01",
            },
            ["input", "portfolioId"],
            "NOT_FOUND",
        ),
        (
            "CreatePortfolio",
            lambda b: {
                "customerId": "01HZZZZZZZZZZZZZZZZZZZZZZZ",
                "name": "x",
                "kind": "IRA",
                "baseCurrency": "USD",
            },
            ["input", "customerId"],
            "NOT_FOUND",
        ),
        (
            "CreatePortfolio",
            lambda b: {"customerId": b["customer"], "name": "x", "kind": "IRA", "baseCurrency": "XYZ"},
            ["input", "baseCurrency"],
            "INVALID",
        ),
        (
            "SetManualPrice",
            lambda b: {"symbol": "AAPL", "price": money("-1")},
            ["input", "price", "amount"],
            "INVALID",
        ),
        (
            "RegisterCustomer",
            lambda b: {"email": "e2e.tester@example.com", "name": "Dup"},
            ["input", "email"],
            "EMAIL_TAKEN",
        ),
    ],
)
def test_bad_input_gets_a_user_error_and_writes_nothing(
    router, book, operation, make_input, field, code
) -> None:
    before = router.run("Dashboard", {"customerId": book["customer"]})
    data = router.run(operation, {"input": make_input(book)})
    payload = next(iter(data.values()))
    assert payload["userErrors"], payload
    assert any(e["field"][: len(field)] == field and e["code"] == code for e in payload["userErrors"]), (
        payload
    )
    after = router.run("Dashboard", {"customerId": book["customer"]})
    assert [p["id"] for p in after["customer"]["portfolios"]] == [
        p["id"] for p in before["customer"]["portfolios"]
    ]
    assert after["customer"]["portfolios"][0]["positions"] == before["customer"]["portfolios"][0]["positions"]


def test_malformed_documents_get_standard_graphql_errors(router) -> None:
    syntax = router.raw("query { customer(id: ")
    assert syntax["errors"] and "Syntax Error" in syntax["errors"][0]["message"]
    unknown = router.raw('query { customer(id: "x") { noSuchField } }')
    assert unknown["errors"] and "noSuchField" in unknown["errors"][0]["message"]
    wrong_type = router.raw("query($q: Decimal!) { instrument(symbol: $q) { symbol } }", {"q": "1"})
    assert wrong_type["errors"]


def test_money_as_a_json_float_is_refused_with_bad_user_input(router, book) -> None:
    lot = {
        "portfolioId": book["portfolio"],
        "symbol": "AAPL",
        "quantity": 1.5,
        "purchasePrice": money("100"),
        "purchasedAt": "2024-01-01",
    }
    body = router.raw(operation("AddInvestment"), {"input": lot})
    # The router refuses it before planning: JSON.parse has already made the number a double.
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"] == (
        'Variable "$input" at "input.quantity": a Decimal is a JSON string such as "12.50", not a number.'
    )
    assert "Traceback" not in str(body)


def test_router_health_and_graphiql(stack) -> None:
    config = stack.config
    assert httpx.get(config.url("router", "/healthcheck")).status_code == 200
    assert httpx.get(config.url("router", "/readiness")).status_code == 200
    page = httpx.get(config.router_graphql_url, headers={"accept": "text/html"})
    assert page.status_code == 200
    assert stack.demo.customer_id in page.text
