"""A PortfolioOpened event through the running service's consumer (moto's SQS, DynamoDB Local, the
offline simulated FX history): a EUR-base portfolio gets ten years of every reference currency's
daily closes stored, and one FxRatesStored event item per pair and year written with them; copies of
the event and a second portfolio write nothing more."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from assets.domain.fx import SIMULATED_PER_USD
from assets.domain.history import DateSpan
from kit.aws.dynamo import from_item, to_item
from kit_testing.queues import EventQueues, event_detail, eventually

from .test_assets_event_queue import marked, started

PORTFOLIO = "01J00000000000000000000003"
NOT_USD = ["EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK", "HKD", "SGD"]
YEARS = range(2015, 2026)  # NOW is 2025-11-24: from 2015-11-24 to yesterday


def opened(base: str) -> dict[str, Any]:
    data = {"portfolioId": PORTFOLIO, "customerId": "01J00000000000000000000009", "baseCurrency": base}
    return event_detail("PortfolioOpened", PORTFOLIO, 1, data, source="portfolios")


async def event_items(runtime: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    arguments: dict[str, Any] = {
        "TableName": runtime.settings.table_name,
        "FilterExpression": "begins_with(pk, :event)",
        "ExpressionAttributeValues": to_item({":event": "EVENT#"}),
        "ConsistentRead": True,
    }
    while True:
        response = await runtime.dynamodb.scan(**arguments)
        items += [from_item(item) for item in response["Items"]]
        if "LastEvaluatedKey" not in response:
            return items
        arguments["ExclusiveStartKey"] = response["LastEvaluatedKey"]


async def test_a_eur_portfolio_gets_the_reference_closes_stored_and_their_events_written(
    dynamodb_endpoint: str, moto_endpoint: str
) -> None:
    queues = EventQueues(moto_endpoint, "assets-events")
    overrides = {"event_queue_url": queues.url, "sqs_endpoint_url": moto_endpoint, "event_wait_seconds": 1}
    async with started(dynamodb_endpoint, **overrides) as (runtime, _history, _provider):
        first = opened("EUR")
        queues.send_event(first)
        queues.send_event(first)  # and a copy

        async def applied() -> bool:
            return await marked(runtime, first["eventId"])

        await eventually(applied, within=30)
        await eventually(lambda: _empty(queues), within=10)
        events = await event_items(runtime)
        assert sorted((e["aggregateId"], e["sequence"]) for e in events) == sorted(
            (f"USD{code}:{year}", 1) for code in NOT_USD for year in YEARS
        )  # one per pair and year: the copy wrote nothing
        eur_2024 = next(e for e in events if e["aggregateId"] == "USDEUR:2024")
        assert eur_2024["type"] == "FxRatesStored" and eur_2024["source"] == "assets"
        data = json.loads(eur_2024["data"])
        assert (data["from"], data["to"], data["year"], data["source"]) == ("USD", "EUR", 2024, "simulated")
        assert len(data["rates"]) == 262 and data["rates"]["2024-03-05"] == f"{SIMULATED_PER_USD['EUR']:f}"
        first_of_2015 = min(
            json.loads(next(e for e in events if e["aggregateId"] == "USDJPY:2015")["data"])["rates"]
        )
        assert first_of_2015 == "2015-11-24"

        # The stored closes answer the service's own reads without a provider call.
        rates = await runtime.service.history.fx_rates(["GBP"], _span(2020))
        assert rates["GBP"].complete and len(rates["GBP"].closes) == 262

        second = opened("GBP")  # another portfolio: every pair is stored already
        queues.send_event(second)

        async def second_applied() -> bool:
            return await marked(runtime, second["eventId"])

        await eventually(second_applied, within=10)
        assert len(await event_items(runtime)) == len(events)


async def _empty(queues: EventQueues) -> bool:
    return queues.count(queues.url) == 0


def _span(year: int) -> DateSpan:
    return DateSpan(date(year, 1, 1), date(year, 12, 31))
