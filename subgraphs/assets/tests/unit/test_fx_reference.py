"""The PortfolioOpened use case (services/fx_reference.py) on fakes: the reference currencies' FX
closes into the new portfolio's base currency are stored once per event id, from ten years back to
yesterday; a pair already stored asks no provider; a reference currency left unanswered raises (SQS
delivers it again); an event the domain refuses is invalid; the consumer's one handler routes by type."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from assets.domain.fx_reference import FxReference, years_before
from assets.domain.history import DateSpan, SeriesKey
from assets.services.common import ProvidersUnavailable
from kit.aws.consumer import IncomingEvent
from kit.core.events import InvalidEvent
from kit_testing.queues import event_detail, incoming

from .fakes import NOW, World
from .history_fakes import FixedFxHistory

PORTFOLIO = "01J00000000000000000000002"
YESTERDAY = date(2025, 11, 23)  # NOW is 2025-11-24
TEN_YEARS = DateSpan(date(2015, 11, 24), YESTERDAY)
NOT_USD = ["EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK", "HKD", "SGD"]


def opened(base: str | None = "EUR", **more: Any) -> IncomingEvent:
    data: dict[str, Any] = {"portfolioId": PORTFOLIO, "customerId": "01J00000000000000000000009"}
    if base is not None:
        data["baseCurrency"] = base
    detail = event_detail("PortfolioOpened", PORTFOLIO, 1, data, source="portfolios")
    return incoming({**detail, **more})


def fx_history(unpublished: tuple[str, ...] = ()) -> FixedFxHistory:
    return FixedFxHistory(lambda code, day: "0.9" if code == "EUR" else "150", unpublished)


async def test_a_eur_portfolio_stores_every_reference_currency_once() -> None:
    w = World()
    event = opened("EUR")
    await w.service.events.apply(event)
    assert w.fx_history.calls == [(NOT_USD, TEN_YEARS)]  # one ask for every series missing that span
    assert {SeriesKey.fx("USD", code) for code in NOT_USD} <= set(w.closes.series)
    eur = w.closes.series[SeriesKey.fx("USD", "EUR")]
    assert eur.covered == (TEN_YEARS,) and eur.closes[date(2024, 3, 5)].close == Decimal("0.9")
    assert w.applied.marked == [event.event_id]

    await w.service.events.apply(event)  # redelivered: nothing again
    second = opened("GBP")  # another portfolio: every pair is stored already
    await w.service.events.apply(second)
    assert len(w.fx_history.calls) == 1 and w.applied.marked == [event.event_id, second.event_id]


async def test_a_base_outside_the_reference_currencies_is_stored_too() -> None:
    w = World()
    await w.service.events.apply(opened("BRL"))
    assert w.fx_history.calls == [([*NOT_USD, "BRL"], TEN_YEARS)]
    assert SeriesKey.fx("USD", "BRL") in w.closes.series


async def test_an_unpublished_base_currency_is_acknowledged() -> None:
    w = World(fx_history=fx_history(unpublished=("BRL",)))
    event = opened("BRL")
    await w.service.events.apply(event)
    assert SeriesKey.fx("USD", "BRL") not in w.closes.series and SeriesKey.fx("USD", "EUR") in w.closes.series
    assert w.applied.marked == [event.event_id]  # portfolios asks its users for fxRate instead


async def test_a_reference_currency_left_unanswered_raises_and_a_retry_completes_it() -> None:
    w = World(fx_history=fx_history(unpublished=("JPY",)))
    event = opened("EUR")
    with pytest.raises(ProvidersUnavailable, match="JPY"):
        await w.service.events.apply(event)
    assert w.applied.marked == [] and SeriesKey.fx("USD", "JPY") not in w.closes.series
    w.fx_history.unpublished.clear()  # the provider is back: the redelivery asks only what is missing
    await w.service.events.apply(event)
    assert w.fx_history.calls[-1] == (["JPY"], TEN_YEARS) and w.applied.marked == [event.event_id]


async def test_a_configured_reference_and_a_usd_base() -> None:
    reference = FxReference(currencies=("USD", "EUR", "CHF"), since=date(2020, 1, 1))
    w = World(fx_reference=reference)
    await w.service.events.apply(opened("USD"))
    assert w.fx_history.calls == [(["EUR", "CHF"], DateSpan(date(2020, 1, 1), YESTERDAY))]


async def test_an_event_written_before_events_named_the_base_currency_is_acknowledged() -> None:
    w = World()
    event = opened(None)
    await w.service.events.apply(event)
    assert w.fx_history.calls == [] and w.applied.marked == [event.event_id]


@pytest.mark.parametrize(
    "changes",
    [
        {"source": "customers"},
        {"data": json.dumps({"portfolioId": PORTFOLIO, "baseCurrency": "eur"})},
        {"data": json.dumps({"portfolioId": PORTFOLIO, "baseCurrency": "EURO"})},
        {"data": json.dumps({"portfolioId": PORTFOLIO, "baseCurrency": "XYZ"})},
        {"data": json.dumps({"portfolioId": PORTFOLIO, "baseCurrency": 978})},
        {"data": json.dumps({"baseCurrency": "EUR"})},
        {"data": json.dumps({"portfolioId": "  ", "baseCurrency": "EUR"})},
    ],
)
async def test_what_is_not_a_portfolio_opened_event_is_invalid_and_does_nothing(
    changes: dict[str, Any],
) -> None:
    w = World()
    with pytest.raises(InvalidEvent):
        await w.service.events.apply(opened(**changes))
    assert w.applied.marked == [] and w.fx_history.calls == []


async def test_the_handler_routes_by_type_and_refuses_the_others() -> None:
    w = World()
    detail = event_detail("ActivityRecorded", PORTFOLIO, 2, {"symbol": None}, source="portfolios")
    await w.service.events.apply(incoming(detail))  # a cash activity: the first chart's use case
    assert w.applied.marked == [detail["eventId"]] and w.fx_history.calls == []
    for other in ("PortfolioRenamed", "ActivityRemoved", "FxRatesStored"):
        with pytest.raises(InvalidEvent):
            await w.service.events.apply(incoming(event_detail(other, PORTFOLIO, 3, {}, source="portfolios")))
    assert w.applied.marked == [detail["eventId"]]


async def test_the_schedules_tick_refreshes_the_stored_closes_and_only_from_the_scheduler() -> None:
    w = World()
    aapl = w.catalog.get("AAPL").instrument  # type: ignore[union-attr]
    await w.service.history.closes([aapl], DateSpan(date(2025, 11, 3), date(2025, 11, 14)))
    w.history_feed.calls.clear()
    tick = event_detail("HistoryRefreshDue", "history", 0, {}, source="scheduler")
    await w.service.events.apply(incoming(tick))
    assert w.history_feed.calls == [(["AAPL"], DateSpan(date(2025, 11, 15), YESTERDAY), True)]
    # The same type from a table's stream is not the schedule: refused, nothing fetched.
    w.history_feed.calls.clear()
    with pytest.raises(InvalidEvent):
        await w.service.events.apply(
            incoming(event_detail("HistoryRefreshDue", PORTFOLIO, 3, {}, source="portfolios"))
        )
    assert w.history_feed.calls == []


@pytest.mark.parametrize(
    ("today", "since", "expected"),
    [
        (date(2025, 11, 24), None, TEN_YEARS),
        (date(2024, 2, 29), None, DateSpan(date(2014, 2, 28), date(2024, 2, 28))),  # no 29th in 2014
        (date(2025, 11, 24), date(1960, 1, 1), DateSpan(date(1970, 1, 1), YESTERDAY)),
        (date(2025, 11, 24), date(2025, 11, 24), None),  # nothing before today
    ],
)
def test_the_reference_span(today: date, since: date | None, expected: DateSpan | None) -> None:
    assert FxReference(since=since).span(today) == expected


def test_years_before_and_the_series_of_a_base() -> None:
    assert years_before(date(2025, 11, 24), 10) == date(2015, 11, 24)
    reference = FxReference(currencies=("USD", "EUR"))
    assert reference.series_for("EUR") == ["EUR"] and reference.series_for("USD") == ["EUR"]
    assert reference.series_for("JPY") == ["EUR", "JPY"]
    assert NOW.date() == date(2025, 11, 24)
