"""Trade-date FX through GraphQL on DynamoDB Local: with the copy of assets' FX closes fed by an
FxRatesStored event (applied as the event queue's consumer applies it), recordActivity and
addInvestment in a foreign currency without fxRate take the reference rate, say so (fxRateSource
REFERENCE, fxRateDate) and cost the lot in base currency at it, to the cent; without a close within
7 days they are refused with FX_RATE_REQUIRED saying why, nothing written."""

import pytest

from ..fx_events_support import fx_event
from .ledger_operations import CORRECT, codes, money, record, record_payload

FX_DETAIL = """
query($id: ID!) {
  portfolio(id: $id) {
    activities(first: 10) { edges { node { id fxRate fxRateSource fxRateDate } } }
    investments { id costBasis { amount currencyCode } fxRate fxRateSource fxRateDate }
  }
}"""
# 2024-03-01 is a Friday, 03-02 and 03-03 the weekend.
CLOSES = {"2024-02-29": "1.0832", "2024-03-01": "1.0805", "2024-03-04": "1.0855"}


@pytest.fixture(scope="module", autouse=True)
async def eur_usd_closes(api):
    await api.runtime.service.apply_event(fx_event(CLOSES, 1, pair=("EUR", "USD"), year=2024))


async def detail(api, portfolio_id: str) -> tuple[dict[str, dict], dict[str, dict]]:
    portfolio = (await api.data(FX_DETAIL, {"id": portfolio_id}))["portfolio"]
    activities = {edge["node"]["id"]: edge["node"] for edge in portfolio["activities"]["edges"]}
    return activities, {lot["id"]: lot for lot in portfolio["investments"]}


async def test_record_activity_without_fx_rate_takes_the_reference_close(api, customer):
    portfolio = await api.create_portfolio(customer, baseCurrency="USD")
    pid = portfolio["id"]
    bought = await record(
        api, pid, "BUY", "2024-03-04", symbol="SAP", quantity="10", price=money("100.25", "EUR")
    )
    assert bought["fxRate"] == "1.0855"
    activities, lots = await detail(api, pid)
    assert activities[bought["id"]] == {
        "id": bought["id"],
        "fxRate": "1.0855",
        "fxRateSource": "REFERENCE",
        "fxRateDate": "2024-03-04",
    }
    # 10 * 100.25 * 1.0855 = 1088.21375 USD, to the cent half-even; the lot says where its rate came from.
    assert lots[bought["id"]] == {
        "id": bought["id"],
        "costBasis": {"amount": "1088.21", "currencyCode": "USD"},
        "fxRate": "1.0855",
        "fxRateSource": "REFERENCE",
        "fxRateDate": "2024-03-04",
    }
    # On a Sunday: Friday's close.
    dividend = await record(api, pid, "DIVIDEND", "2024-03-03", symbol="SAP", amount=money("5", "EUR"))
    activities, _ = await detail(api, pid)
    assert (dividend["fxRate"], activities[dividend["id"]]["fxRateDate"]) == ("1.0805", "2024-03-01")
    # A given rate is GIVEN, without a date; the base currency too.
    given = await record(
        api, pid, "BUY", "2024-03-04", symbol="SAP", quantity="1", price=money("100", "EUR"), fxRate="1.2"
    )
    deposit = await record(api, pid, "DEPOSIT", "2024-03-04", amount=money("10"))
    activities, _ = await detail(api, pid)
    assert (
        activities[given["id"]]["fxRateSource"] == "GIVEN" and activities[given["id"]]["fxRateDate"] is None
    )
    assert (activities[deposit["id"]]["fxRate"], activities[deposit["id"]]["fxRateSource"]) == ("1", "GIVEN")


async def test_add_investment_without_fx_rate_takes_it_too_and_a_correction_looks_it_up_again(api, customer):
    portfolio = await api.create_portfolio(customer, baseCurrency="USD")
    lot = await api.add_investment(
        portfolio["id"],
        symbol="SAP",
        quantity="3",
        purchasePrice={"amount": "120.10", "currencyCode": "EUR"},
        purchasedAt="2024-03-01",
    )
    activities, lots = await detail(api, portfolio["id"])
    assert activities[lot["id"]]["fxRateSource"] == "REFERENCE"
    # 3 * 120.10 * 1.0805 = 389.30415
    assert lots[lot["id"]]["costBasis"] == {"amount": "389.30", "currencyCode": "USD"}
    corrected = (await api.data(CORRECT, {"input": {"activityId": lot["id"], "occurredAt": "2024-02-29"}}))[
        "correctActivity"
    ]
    assert corrected["userErrors"] == []
    activities, lots = await detail(api, portfolio["id"])
    assert (activities[lot["id"]]["fxRate"], activities[lot["id"]]["fxRateDate"]) == ("1.0832", "2024-02-29")
    # 3 * 120.10 * 1.0832 = 390.27696
    assert lots[lot["id"]]["costBasis"] == {"amount": "390.28", "currencyCode": "USD"}
    assert lots[lot["id"]]["fxRateDate"] == "2024-02-29"


async def test_no_close_within_seven_days_is_refused_saying_why(api, customer):
    portfolio = await api.create_portfolio(customer, baseCurrency="USD")
    before = await api.count_items()
    payload = await record_payload(
        api, portfolio["id"], "BUY", "2024-03-12", symbol="SAP", quantity="1", price=money("100", "EUR")
    )
    assert codes(payload) == [(("input", "fxRate"), "FX_RATE_REQUIRED")]
    assert payload["userErrors"][0]["message"] == (
        "No EUR to USD rate is known for 2024-03-12 or the 7 days before; give fxRate."
    )
    assert payload["activity"] is None and await api.count_items() == before
    gbp = await record_payload(
        api, portfolio["id"], "BUY", "2024-03-04", symbol="SAP", quantity="1", price=money("100", "GBP")
    )
    assert codes(gbp) == [(("input", "fxRate"), "FX_RATE_REQUIRED")]
