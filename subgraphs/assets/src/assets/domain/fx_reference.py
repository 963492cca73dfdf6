"""The FX closes kept for the portfolios service's trade-date conversions.

An activity in a foreign currency recorded without its rate takes that day's rate from the portfolios
service's copy of the closes stored here (FxRatesStored events). So when a portfolio opens in a base
currency, the closes of every reference currency against it are made sure of, from `since` (ten years
back unless configured) to yesterday; the daily refresh keeps them current after that.

Rates are stored per US dollar (`FX_CLOSES#USD#<CODE>`, domain/fx.py's pivot): any pair is the
quotient of two of them on the same day (1 GBP in EUR = EUR per USD / GBP per USD). Making sure of
the reference currencies AND the base currency against USD therefore covers every reference
currency into the base, and a base of USD needs only the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from assets.domain.fx import PIVOT
from assets.domain.history import EARLIEST_DAY, ONE_DAY, DateSpan

DEFAULT_REFERENCE_CURRENCIES = (
    "USD",
    "EUR",
    "GBP",
    "JPY",
    "CHF",
    "CAD",
    "AUD",
    "NZD",
    "SEK",
    "NOK",
    "DKK",
    "HKD",
    "SGD",
)
DEFAULT_REFERENCE_YEARS = 10


@dataclass(frozen=True, slots=True)
class FxReference:
    currencies: Sequence[str] = DEFAULT_REFERENCE_CURRENCIES
    since: date | None = None  # None: DEFAULT_REFERENCE_YEARS before today

    def series_for(self, base_currency: str) -> list[str]:
        """The currencies whose rates per US dollar convert every reference currency into
        `base_currency` (the pivot itself is 1 and stored as no series)."""
        return [code for code in dict.fromkeys([*self.currencies, base_currency]) if code != PIVOT]

    def span(self, today: date) -> DateSpan | None:
        """From `since` to yesterday; None when that is no day."""
        first = max(self.since or years_before(today, DEFAULT_REFERENCE_YEARS), EARLIEST_DAY)
        yesterday = today - ONE_DAY
        return DateSpan(first, yesterday) if first <= yesterday else None


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier (the 28th of February for a 29th without its leap year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)
