"""FxRatesStored events as the event queue delivers them (assets' chunk of one pair's year of closes)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kit.aws.consumer import IncomingEvent
from kit_testing.queues import event_detail, incoming


def fx_data(
    rates: Mapping[str, str], *, pair: tuple[str, str] = ("EUR", "USD"), year: int = 2024
) -> dict[str, Any]:
    return {"from": pair[0], "to": pair[1], "year": year, "rates": dict(rates), "source": "simulated"}


def fx_event(
    rates: Mapping[str, str],
    sequence: int = 1,
    *,
    pair: tuple[str, str] = ("EUR", "USD"),
    year: int = 2024,
    event_id: str | None = None,
    data: Mapping[str, Any] | None = None,
    aggregate_id: str | None = None,
    source: str = "assets",
) -> IncomingEvent:
    detail = event_detail(
        "FxRatesStored",
        aggregate_id or f"{pair[0]}{pair[1]}:{year}",
        sequence,
        data if data is not None else fx_data(rates, pair=pair, year=year),
        source=source,
        event_id=event_id,
    )
    return incoming(detail)
