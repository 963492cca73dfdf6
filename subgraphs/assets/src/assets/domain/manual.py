"""Manual prices: a price pinned by a user (an unlisted fund, a correction), overriding any feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kit.core.money import Amount

from assets.domain.instruments import Instrument
from assets.domain.quotes import MANUAL_SOURCE, Quote


@dataclass(frozen=True, slots=True)
class ManualPrice:
    symbol: str
    price: Amount
    previous_close: Amount | None
    set_at: datetime

    def quote(self) -> Quote:
        return Quote(
            symbol=self.symbol,
            price=self.price,
            previous_close=self.previous_close,
            as_of=self.set_at,
            source=MANUAL_SOURCE,
            stale=False,
        )


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
