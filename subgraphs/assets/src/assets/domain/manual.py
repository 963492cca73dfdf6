"""Manual prices: a price pinned by a user (an unlisted fund, a correction), overriding the feeds for
a while.

A pinned price wins over every feed until it is pinned until: the `expiresAt` it was set with, else
its set time plus the service's staleness period (`ManualPriceRules.stale_after`, the setting
ASSETS_MANUAL_PRICE_STALE_AFTER, 7 days by default). After that it no longer wins: a feed's quote is
used when a feed has one, and only without one is the pinned price still served, flagged stale. A
pinned price never silently outlives what its setter meant, and an unlisted fund nobody updates
shows as stale instead of as current.

Manual FX rates follow the same staleness period (they take no expiry): see `assets.domain.fx.FxTable`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from kit.core.money import Amount

from assets.domain.instruments import Instrument
from assets.domain.quotes import MANUAL_SOURCE, Quote

DEFAULT_STALE_AFTER = timedelta(days=7)
# The furthest an expiry may be set ahead: a pin for longer is a catalog entry, not a price.
MAX_EXPIRY_AHEAD = timedelta(days=366)


@dataclass(frozen=True, slots=True)
class ManualPrice:
    symbol: str
    price: Amount
    previous_close: Amount | None
    set_at: datetime
    expires_at: datetime | None = None

    def pinned_until(self, stale_after: timedelta = DEFAULT_STALE_AFTER) -> datetime:
        """Until when it wins over the feeds: its expiry, else its set time plus `stale_after`."""
        return self.expires_at if self.expires_at is not None else self.set_at + stale_after

    def quote(self, stale_after: timedelta = DEFAULT_STALE_AFTER) -> Quote:
        return Quote(
            symbol=self.symbol,
            price=self.price,
            previous_close=self.previous_close,
            as_of=self.set_at,
            source=MANUAL_SOURCE,
            stale=False,
            pinned_until=self.pinned_until(stale_after),
        )


@dataclass(frozen=True, slots=True)
class ManualPriceRules:
    """How long a pinned price wins over the feeds (see the module docstring)."""

    stale_after: timedelta = DEFAULT_STALE_AFTER

    def in_force(self, price: ManualPrice, now: datetime) -> bool:
        return now < price.pinned_until(self.stale_after)

    def recent(self, set_at: datetime, now: datetime) -> bool:
        """Set less than `stale_after` ago: how a manual FX rate (which has no expiry) stays in force."""
        return now < set_at + self.stale_after

    def effective_quote(self, price: ManualPrice, feed: Quote | None, now: datetime) -> Quote:
        """The pinned price while in force; after, the feed's quote, or the pinned one flagged stale."""
        if self.in_force(price, now):
            return price.quote(self.stale_after)
        if feed is not None:
            return feed
        return replace(price.quote(self.stale_after), stale=True)


@dataclass(frozen=True, slots=True)
class ManualPriceChange:
    """What setting a manual price writes: the price, and the instrument when the catalog lacks it."""

    price: ManualPrice
    new_instrument: Instrument | None


@dataclass(frozen=True, slots=True)
class InstrumentView:
    """An instrument as this service knows it: from the catalog, from manual data, or not at all."""

    instrument: Instrument
    manual_price: ManualPrice | None
    known: bool

    @property
    def symbol(self) -> str:
        return self.instrument.symbol
