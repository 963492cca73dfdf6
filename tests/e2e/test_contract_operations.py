"""Every kept contract operation, sent through the router, with numbers checked by hand (refusals:
test_contract_operations_refusals.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from .contract_book import dec, money

pytestmark = pytest.mark.e2e


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


def test_instrument_history_oldest_first_trading_days_only_in_its_currency(router) -> None:
    today = datetime.now(UTC).date()
    start = today - timedelta(days=40)
    variables = {"symbol": "AAPL", "from": start.isoformat(), "to": today.isoformat()}
    aapl = router.run("InstrumentHistory", variables)["instrument"]
    assert (aapl["symbol"], aapl["currency"]) == ("AAPL", "USD")
    days = [date.fromisoformat(point["date"]) for point in aapl["history"]]
    every = [start + timedelta(days=offset) for offset in range((today - start).days)]
    assert days == [day for day in every if day.weekday() < 5]  # oldest first, weekdays, final days
    assert {point["close"]["currencyCode"] for point in aapl["history"]} == {"USD"}
    assert all(Decimal(point["close"]["amount"]) > 0 for point in aapl["history"])
    # Stored on the first ask: the same range again gives the same numbers.
    assert router.run("InstrumentHistory", variables)["instrument"]["history"] == aapl["history"]

    # Crypto trades every day: its last final close is the previous close its live quote shows.
    btc = router.run("InstrumentHistory", {**variables, "symbol": "BTC"})["instrument"]
    quote = router.run("Instrument", {"symbol": "BTC"})["instrument"]["quote"]
    assert [point["date"] for point in btc["history"]] == [day.isoformat() for day in every]
    assert btc["history"][-1]["close"] == quote["previousClose"]


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


def test_router_health_and_graphiql(stack) -> None:
    config = stack.config
    assert httpx.get(config.url("router", "/healthcheck")).status_code == 200
    assert httpx.get(config.url("router", "/readiness")).status_code == 200
    page = httpx.get(config.router_graphql_url, headers={"accept": "text/html"})
    assert page.status_code == 200
    assert stack.demo.customer_id in page.text


def test_portfolio_performance_of_the_demo_book_is_consistent(router, stack) -> None:
    """PortfolioPerformance through the router (history via @requires on the portfolios timeline):
    endValue is the last point's value, gain adds up, the TWR is the chain of the DAY points."""
    portfolios = router.run("Dashboard", {"customerId": stack.demo.customer_id})["customer"]["portfolios"]
    today = datetime.now(UTC).date()
    variables = {"from": "2024-01-01", "to": today.isoformat(), "interval": "DAY", "benchmark": "SPY"}
    for listed in portfolios:
        data = router.run("PortfolioPerformance", {"id": listed["id"], **variables})["portfolio"]
        history, performance = data["history"], data["performance"]
        base = data["baseCurrency"]
        assert len(history) > 200, listed["name"]
        days = [date.fromisoformat(point["date"]) for point in history]
        assert days == sorted(set(days)) and days[0] >= date(2024, 1, 1) and days[-1] < today
        assert {p["marketValue"]["currencyCode"] for p in history} == {base}
        # ACME-PRIVATE has a manual price but no close at all: the brokerage's figures are incomplete.
        assert performance["complete"] is (listed["name"] != "Taxable brokerage"), listed["name"]
        assert performance["endValue"] == history[-1]["marketValue"]
        start, end = dec(performance["startValue"]["amount"]), dec(performance["endValue"]["amount"])
        net = dec(performance["netContributions"]["amount"])
        assert dec(performance["gain"]["amount"]) == end - start - net
        # The chain of daily returns from the points alone: F = the change of netContributions.
        previous = start
        contributed = dec(history[-1]["netContributions"]["amount"]) - net  # to the day before `from`
        growth = Decimal(1)
        for point in history:
            value, to_date = dec(point["marketValue"]["amount"]), dec(point["netContributions"]["amount"])
            if previous:
                growth *= (value - (to_date - contributed)) / previous
            previous, contributed = value, to_date
        assert abs(dec(performance["timeWeightedReturn"]) - (growth - 1)) < Decimal("1e-9")
        assert dec(performance["maxDrawdown"]) <= 0
        assert performance["benchmarkReturn"] is not None
        monthly = router.run("PortfolioPerformance", {"id": listed["id"], **variables, "interval": "MONTH"})
        by_day = {point["date"]: point for point in history}
        for point in monthly["portfolio"]["history"]:
            assert by_day[point["date"]] == point  # the last trading day of each month, same numbers
