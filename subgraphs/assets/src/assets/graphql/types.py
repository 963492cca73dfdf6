"""Instrument (the entity this subgraph owns), Quote and AssetClass."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry
from kit.core.money import unit_price
from kit.graphql.types import (
    Decimal,
    Money,
)

from assets.domain import instruments as domain_instruments
from assets.domain import quotes as domain_quotes
from assets.domain.instruments import lookup_key
from assets.graphql.context import AssetsContext
from assets.graphql.history import HISTORY_SIZE, DailyClose, closes_of

AssetClass = strawberry.enum(
    domain_instruments.AssetClass,
    name="AssetClass",
    description="UNKNOWN: nothing is known about the symbol; OTHER: created by setting a manual price.",
)


@strawberry.type(
    name="Quote",
    description="The latest price of an instrument. Prices are unit prices: as precise as the source "
    "gave them, at most 10 decimal places, trailing zeros trimmed.",
)
class Quote:
    price: Money
    previous_close: Money | None = strawberry.field(description="The previous session's close, when known.")
    change: Money | None = strawberry.field(description="price - previousClose, per unit.")
    change_percent: Decimal | None = strawberry.field(
        description="change / previousClose * 100 (12.5 means 12.5%), at most 10 decimal places."
    )
    as_of: datetime = strawberry.field(
        description="When the price was current; for a manual price, when it was set (its age is now - asOf)."
    )
    source: str = strawberry.field(description='Where the price comes from: "simulated", "manual", ...')
    stale: bool = strawberry.field(
        description="True when served from cache after its source failed, or for a manual price past "
        "pinnedUntil that no feed could replace."
    )
    pinned_until: datetime | None = strawberry.field(
        description="A manual price only (null otherwise): until when it wins over the feeds, its expiresAt "
        "or else asOf + the service's staleness period (7 days unless configured). After it, a feed's "
        "quote is served instead, or this price with stale true when no feed has one."
    )

    @classmethod
    def from_domain(cls, quote: domain_quotes.Quote) -> Quote:
        percent = quote.change_percent
        return cls(
            price=Money.price_of(quote.price),
            previous_close=Money.price_of(quote.previous_close),
            change=Money.price_of(quote.change),
            change_percent=None if percent is None else unit_price(percent),
            as_of=quote.as_of,
            source=quote.source,
            stale=quote.stale,
            pinned_until=quote.pinned_until,
        )


async def _instrument_quote(root: Instrument, info: strawberry.Info[AssetsContext, None]) -> Quote | None:
    found = await info.context.quotes.load(root.symbol)
    return Quote.from_domain(found) if found is not None else None


async def _instrument_history(
    root: Instrument,
    info: strawberry.Info[AssetsContext, None],
    start: Annotated[date, strawberry.argument(name="from", description="The first day (included).")],
    end: Annotated[date, strawberry.argument(name="to", description="The last day (included).")],
) -> list[DailyClose]:
    return await closes_of(info, root.symbol, start, end)


@strawberry.federation.type(keys=["symbol"], name="Instrument", description="A tradable instrument.")
class Instrument:
    symbol: str
    name: str
    asset_class: AssetClass  # type: ignore[valid-type]  # an enum decorated at runtime
    currency: str | None = strawberry.field(description="ISO 4217 currency of its prices; null if unknown.")
    exchange: str | None

    quote: Quote | None = strawberry.field(
        resolver=_instrument_quote,
        description="The latest quote; null when no source prices this instrument.",
    )
    history: list[DailyClose] = strawberry.field(
        resolver=_instrument_history,
        description="Daily closes from `from` to `to` (both included), oldest first, trading days only, "
        "days whose close is final only (before today, UTC). Fetched from the price providers the "
        "first time a range is asked for, then stored. Days no provider could give are missing, "
        "never made up. `from` must not be after `to`, the range at most 20 years, `to` at most 7 "
        "days after today: otherwise a BAD_USER_INPUT error.",
        directives=[HISTORY_SIZE],
    )

    @classmethod
    def from_domain(cls, instrument: domain_instruments.Instrument) -> Instrument:
        return cls(
            symbol=instrument.symbol,
            name=instrument.name,
            asset_class=instrument.asset_class,
            currency=instrument.currency,
            exchange=instrument.exchange,
        )

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info[AssetsContext, None], symbol: str) -> Instrument:
        # Strawberry calls this once per representation; the loader turns N calls into one batch.
        view = await info.context.instruments.load(lookup_key(symbol))
        assert view is not None  # every symbol resolves, unknown ones to an UNKNOWN instrument
        return cls.from_domain(view.instrument)
