"""Trade-date FX through the whole stack (issue 15): a portfolio opens, assets hears PortfolioOpened
and stores the daily FX closes of its reference currencies per US dollar, each year's closes travel
back to portfolios as FxRatesStored events, and an activity in euros given without fxRate then takes
the close of its trade date (or the closest earlier one), recorded as REFERENCE with that date."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

from devstack.client import GraphQLClient
from devstack.stack import Stack
from ulid import ULID

from .event_delivery import EVENT_SECONDS, item, open_portfolio

RECORD = """
mutation($input: RecordActivityInput!) {
  recordActivity(input: $input) {
    activity { id fxRate fxRateSource fxRateDate }
    userErrors { field code message }
  }
}"""


def _record_when_the_rates_arrive(router: GraphQLClient, activity: dict[str, Any]) -> dict[str, Any]:
    """recordActivity asked again (bounded) while the copy of the FX closes is still on its way."""
    deadline = time.monotonic() + 3 * EVENT_SECONDS  # ten years of closes of twelve currencies
    while True:
        payload: dict[str, Any] = router.data(RECORD, {"input": activity})["recordActivity"]
        codes = {error["code"] for error in payload["userErrors"]}
        if codes != {"FX_RATE_REQUIRED"} or time.monotonic() > deadline:
            return payload
        time.sleep(0.25)


def test_a_euro_deposit_without_fx_rate_takes_the_reference_close_of_its_date(
    stack: Stack, router: GraphQLClient
) -> None:
    customer = router.mutate(
        "RegisterCustomer", {"input": {"email": f"fx-{ULID()}@example.com".lower(), "name": "Trade Date"}}
    )["customer"]
    portfolio_id = open_portfolio(
        router, {"customerId": customer["id"], "name": "Euro", "kind": "BROKERAGE", "baseCurrency": "USD"}
    )
    deposit = {
        "portfolioId": portfolio_id,
        "type": "DEPOSIT",
        "occurredAt": "2024-03-03",  # a Sunday: no close that day
        "amount": {"amount": "1000.00", "currencyCode": "EUR"},
    }
    payload = _record_when_the_rates_arrive(router, deposit)
    assert payload["userErrors"] == [], payload
    activity = payload["activity"]
    assert activity["fxRateSource"] == "REFERENCE"
    assert activity["fxRateDate"] == "2024-03-01"  # the Friday before

    # The rate is the inverse of the USD -> EUR close portfolios' copy holds for that day, which is
    # the one assets stored and sent.
    copy = item(stack.config, "portfolios", "FX_RATES#USD#EUR", "YEAR#2024")
    assert copy is not None
    per_dollar = Decimal(json.loads(copy["rates"])["2024-03-01"])
    # (Kept to 15 places; shown, as every rate, to at most 10: DESIGN.md decision 6.)
    shown = (Decimal(1) / per_dollar).quantize(Decimal("1e-15")).quantize(Decimal("1e-10")).normalize()
    assert Decimal(activity["fxRate"]) == shown

    # A currency with no reference copy is still refused, saying why.
    refused = router.data(
        RECORD, {"input": {**deposit, "amount": {"amount": "5.00", "currencyCode": "MXN"}}}
    )["recordActivity"]
    assert refused["activity"] is None
    [error] = refused["userErrors"]
    assert (
        error["code"] == "FX_RATE_REQUIRED"
        and "MXN" in error["message"]
        and "give fxRate" in error["message"]
    )
