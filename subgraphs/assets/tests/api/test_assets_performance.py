"""Portfolio.history and Portfolio.performance through the assets app: representations carrying the
timeline the router sends (`@requires`), the simulated closes (offline) stored on the first ask, every
portfolio of a request in one batched read, bad ranges and timelines as BAD_USER_INPUT, another
customer's portfolio FORBIDDEN."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from assets.adapters.catalog import load_catalog
from assets.domain.simulation import day_close
from kit_testing import ISSUER, execute

D = Decimal
ALICE, BOB = "01J0ALICE0000000000000000", "01J0BOB000000000000000000"
CATALOG = load_catalog()

ENTITIES = """
query Entities(
  $representations: [_Any!]!, $from: Date!, $to: Date!, $interval: HistoryInterval!, $benchmark: String
) {
  _entities(representations: $representations) {
    ... on Portfolio {
      id
      history(from: $from, to: $to, interval: $interval) {
        date
        marketValue { amount currencyCode }
        costBasis { amount currencyCode }
        netContributions { amount currencyCode }
      }
      performance(from: $from, to: $to, benchmark: $benchmark) {
        startValue { amount } endValue { amount } netContributions { amount } gain { amount }
        timeWeightedReturn moneyWeightedReturn annualizedReturn volatility maxDrawdown
        benchmarkReturn complete
      }
    }
  }
}
"""


def empty() -> dict[str, list[Any]]:
    return {"dates": [], "amounts": []}


def cash_portfolio(portfolio_id: str = "P1", owner: str = ALICE) -> dict[str, Any]:
    """Deposit 10000 on 2025-11-03 (a Monday); buy 10 AAPL and 2 MSFT on 11-04."""
    return {
        "__typename": "Portfolio",
        "id": portfolio_id,
        "baseCurrency": "USD",
        "owner": {"id": owner},
        "timeline": {
            "recordsCash": True,
            "positions": [
                {"symbol": "AAPL", "dates": ["2025-11-04"], "quantities": ["10"], "costBases": ["2500"]},
                {"symbol": "MSFT", "dates": ["2025-11-04"], "quantities": ["2"], "costBases": ["1000"]},
            ],
            "cash": {"dates": ["2025-11-03", "2025-11-04"], "amounts": ["10000", "6500"]},
            "flows": {"dates": ["2025-11-03"], "amounts": ["10000"]},
            "transfers": {"dates": [], "symbols": [], "quantities": [], "types": []},
            "splits": {"dates": [], "symbols": [], "ratioFrom": [], "ratioTo": []},
        },
    }


VARIABLES = {"from": "2025-11-01", "to": "2025-11-23", "interval": "DAY", "benchmark": "SPY"}


def close(symbol: str, day: date) -> Decimal:
    entry = CATALOG.get(symbol)
    assert entry is not None
    return day_close(entry, day)


async def test_history_and_performance_of_a_cash_portfolio(assets) -> None:
    body = await execute(assets.client, ENTITIES, {"representations": [cash_portfolio()], **VARIABLES})
    assert "errors" not in body, body
    portfolio = body["data"]["_entities"][0]
    history = portfolio["history"]
    days = [date.fromisoformat(point["date"]) for point in history]
    assert days == [
        date(2025, 11, 4) + timedelta(days=i)
        for i in range(18)
        if (date(2025, 11, 4) + timedelta(days=i)).weekday() < 5
    ]
    for point, day in zip(history, days, strict=True):
        expected = D(6500) + 10 * close("AAPL", day) + 2 * close("MSFT", day)
        assert D(point["marketValue"]["amount"]) == expected.quantize(D("0.01")), day
        assert point["costBasis"] == {"amount": "3500.00", "currencyCode": "USD"}
        assert point["netContributions"] == {"amount": "10000.00", "currencyCode": "USD"}
    performance = portfolio["performance"]
    assert performance["startValue"]["amount"] == "0.00"
    assert performance["endValue"]["amount"] == history[-1]["marketValue"]["amount"]
    assert performance["netContributions"]["amount"] == "10000.00"
    assert D(performance["gain"]["amount"]) == D(history[-1]["marketValue"]["amount"]) - 10000
    values = [D(point["marketValue"]["amount"]) for point in history]
    twr = values[-1] / values[0] - 1  # no flow after the first point, which has no return
    assert abs(D(performance["timeWeightedReturn"]) - twr) < D("1e-9")
    spy = (close("SPY", date(2025, 11, 21)) / close("SPY", date(2025, 10, 31)) - 1).quantize(D("1e-10"))
    assert D(performance["benchmarkReturn"]) == spy
    assert performance["complete"] is True
    assert D(performance["maxDrawdown"]) <= 0


async def test_many_portfolios_are_one_read_and_the_second_ask_writes_nothing(assets) -> None:
    representations = [cash_portfolio("P1"), cash_portfolio("P2"), cash_portfolio("P3")]
    variables = {**VARIABLES, "from": "2025-08-01"}  # days no other test of the module stored
    first = await execute(assets.client, ENTITIES, {"representations": representations, **variables})
    assert "errors" not in first, first
    assert assets.calls.get("BatchGetItem") == 2  # the instruments' manual data, then every close
    assert assets.calls.get("TransactWriteItems", 0) >= 1  # backfilled once
    assets.runtime.counter.reset()
    again = await execute(assets.client, ENTITIES, {"representations": representations, **variables})
    assert again["data"] == first["data"]
    assert assets.calls == {"BatchGetItem": 2}  # stored: no provider call, no write


async def test_bad_ranges_and_timelines_are_bad_user_input(assets) -> None:
    for changed, message in [
        (
            {"from": "2025-11-10", "to": "2025-11-01"},
            "The history's `from` date must be on or before its `to` date.",
        ),
        ({"to": "2026-01-01"}, "The history's `to` date may be at most 7 days after today."),
        ({"from": "1990-01-01"}, "A history covers at most 20 years; ask for a shorter range."),
        (
            {"benchmark": "not a symbol!"},
            "The benchmark must be a symbol: 1 to 20 letters, digits, dots or dashes.",
        ),
    ]:
        body = await execute(
            assets.client, ENTITIES, {"representations": [cash_portfolio()], **VARIABLES, **changed}
        )
        codes = {error["extensions"]["code"] for error in body["errors"]}
        assert codes == {"BAD_USER_INPUT"}, body
        assert message in {error["message"] for error in body["errors"]}
    broken = cash_portfolio()
    broken["timeline"]["cash"]["amounts"] = ["1"]  # two dates, one amount
    body = await execute(assets.client, ENTITIES, {"representations": [broken], **VARIABLES})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["message"].startswith("The representation's timeline must be")
    fine = await execute(assets.client, ENTITIES, {"representations": [cash_portfolio()], **VARIABLES})
    assert "errors" not in fine  # still serving


async def test_a_customer_sees_only_its_own_portfolios_history(assets) -> None:
    representations = [cash_portfolio("P1", ALICE), cash_portfolio("P2", BOB)]
    body = await execute(
        assets.client,
        ENTITIES,
        {"representations": representations, **VARIABLES},
        token=ISSUER.customer(ALICE),
    )
    assert body["data"]["_entities"][0]["history"]
    assert body["data"]["_entities"][1] is None
    assert [error["extensions"]["code"] for error in body["errors"]] == ["FORBIDDEN"]


async def test_a_portfolio_without_a_timeline_has_no_history(assets) -> None:
    representation = {**cash_portfolio(), "timeline": None}
    body = await execute(assets.client, ENTITIES, {"representations": [representation], **VARIABLES})
    assert "errors" not in body, body
    assert body["data"]["_entities"][0] == {"id": "P1", "history": None, "performance": None}
