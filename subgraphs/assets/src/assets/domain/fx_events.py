"""What the assets service tells other services: FxRatesStored, one FX pair's daily rates of one year.

The portfolios service keeps a reference copy of the FX closes stored here, to convert an activity in
a foreign currency at its trade date's rate (no service calls another, DESIGN.md). Each write of an
FX year item carries this event in the same transaction (the outbox, decision 12); `sequence` is the
year item's revision after the write (one more per write, conditioned on the one read), so the copy
keeps the highest revision whatever the delivery order. The data holds every close of that year, not
only the new ones: any one event is the whole chunk, and a year of daily rates is ~9 KB.

The domain knows no storage: the closes repository maps this to `kit.aws.outbox.OutgoingEvent`
through `type`, `aggregate_id`, `sequence` and `data`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from assets.domain.history import DailyClose, DateSpan, StoredSeries

FX_RATES_STORED = "FxRatesStored"


@dataclass(frozen=True, slots=True)
class FxRatesStored:
    """1 `from_currency` = rate `to_currency` on each day of `closes` (all of `year`'s closes)."""

    from_currency: str
    to_currency: str
    year: int
    revision: int
    closes: tuple[DailyClose, ...]

    @property
    def type(self) -> str:
        return FX_RATES_STORED

    @property
    def aggregate_id(self) -> str:
        """One aggregate per pair and year, e.g. "USDEUR:2024"."""
        return f"{self.from_currency}{self.to_currency}:{self.year}"

    @property
    def sequence(self) -> int:
        return self.revision

    @property
    def source(self) -> str:
        """The provider of most of the year's closes (a year is normally one provider's; a change
        of provider mid-year names the one that gave most days, the earliest name on a tie)."""
        counts = Counter(close.source for close in self.closes)
        return min(counts, key=lambda name: (-counts[name], name))

    @property
    def data(self) -> dict[str, Any]:
        return {
            "from": self.from_currency,
            "to": self.to_currency,
            "year": self.year,
            # Plain decimal text, exactly as stored ("0.8650", never "8.65E-1").
            "rates": {close.day.isoformat(): f"{close.close:f}" for close in self.closes},
            "source": self.source,
        }


def fx_rates_stored(series: StoredSeries, year: int, revision: int) -> FxRatesStored | None:
    """The event of writing `year` of the FX series `series` as `revision`; None for an instrument's
    series, or a year with no close (only weekends or holidays covered): nothing to copy."""
    if not series.key.is_fx:
        return None
    closes = series.within(DateSpan(date(year, 1, 1), date(year, 12, 31)))
    if not closes:
        return None
    from_currency, to_currency = series.key.pair
    return FxRatesStored(from_currency, to_currency, year, revision, closes)
