"""Trade-date FX: the reference copy of the daily FX closes the assets service stores, and how an
activity in a foreign currency given without fxRate takes its rate from it.

The assets service owns the FX history; this service never calls it (DESIGN.md). It keeps a copy,
fed by assets' FxRatesStored events: one event per year of closes of one currency pair (a "chunk"),
carrying every close of that year and the chunk's revision (`sequence`, one more per write). The copy
keeps, per chunk, the rates of the highest revision applied: a revision at or below the stored one
is stale and changes nothing, so any order and any number of copies of a chunk's events end with
the latest revision's rates.

A lookup takes the close of the trade date, or the closest earlier one within `LOOKBACK_DAYS`
(weekends and holidays have none); the activity records the rate, that it was looked up
(`FxRateSource.REFERENCE`) and the date of the close used. Assets stores every FX series per US
dollar (USD -> X), so a pair without a copy of its own is the cross of its two dollar rates of the
same day: EUR -> GBP = (USD -> GBP) / (USD -> EUR).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from kit.core.money import EXACT

from portfolios.domain.model import FxRateSource, ReferenceRate
from portfolios.domain.validation import FX_RATE_PLACES, MAX_FX_RATE

# The currency every series of assets' FX history is quoted against (USD -> X).
PIVOT = "USD"
# How far back a lookup goes for the closest earlier close: a long weekend with holidays around it
# has no closes for 4 or 5 days; more than a week without one means the history has a hole.
LOOKBACK_DAYS = 7
# A chunk is one calendar year of closes at most (366 days), with room for a provider's extra days.
MAX_RATES_PER_CHUNK = 400
_RATE_QUANTUM = Decimal(1).scaleb(-FX_RATE_PLACES)


@dataclass(frozen=True, slots=True)
class FxPair:
    from_: str
    to: str


@dataclass(frozen=True, slots=True)
class FxChunkKey:
    pair: FxPair
    year: int


@dataclass(frozen=True, slots=True)
class FxChunk:
    """One year of a pair's daily closes, as of revision `sequence` of assets' chunk."""

    key: FxChunkKey
    rates: Mapping[date, Decimal]
    source: str
    sequence: int


@dataclass(frozen=True, slots=True)
class FxLookup:
    """What an activity needs looked up: its currency's rate into the base currency on its date."""

    pair: FxPair
    on: date

    @property
    def _dollar_legs(self) -> tuple[FxPair, ...]:
        return tuple(FxPair(PIVOT, code) for code in (self.pair.from_, self.pair.to) if code != PIVOT)

    @property
    def chunk_keys(self) -> tuple[FxChunkKey, ...]:
        """The chunks of the pair and of its dollar legs holding the trade date and the
        `LOOKBACK_DAYS` before it (two years across New Year)."""
        years = sorted({self.on.year, (self.on - timedelta(days=LOOKBACK_DAYS)).year})
        pairs = dict.fromkeys((self.pair, *self._dollar_legs))
        return tuple(FxChunkKey(pair, year) for pair in pairs for year in years)

    def rate_in(self, chunks: Iterable[FxChunk]) -> ReferenceRate | None:
        """The close of the trade date, else the closest earlier one within `LOOKBACK_DAYS`: the
        pair's own, else the cross of its dollar rates of one same day; None when the copy holds
        neither. Rounded to the places a given fxRate may have, so that a looked-up rate is one a
        caller could have given."""
        series: dict[FxPair, dict[date, Decimal]] = {}
        for chunk in chunks:
            series.setdefault(chunk.key.pair, {}).update(chunk.rates)
        for back in range(LOOKBACK_DAYS + 1):
            day = self.on - timedelta(days=back)
            rate = series.get(self.pair, {}).get(day)
            if rate is None:
                rate = self._cross(series, day)
            if rate is not None:
                return ReferenceRate(rate.quantize(_RATE_QUANTUM, ROUND_HALF_EVEN, EXACT), day)
        return None

    def _cross(self, series: Mapping[FxPair, Mapping[date, Decimal]], day: date) -> Decimal | None:
        per_dollar = {
            code: Decimal(1) if code == PIVOT else series.get(FxPair(PIVOT, code), {}).get(day)
            for code in (self.pair.from_, self.pair.to)
        }
        base, quote = per_dollar[self.pair.from_], per_dollar[self.pair.to]
        if base is None or quote is None:
            return None
        return EXACT.divide(quote, base)


def is_usable_rate(rate: Decimal) -> bool:
    """A close the copy keeps: positive and within the bounds of a given fxRate."""
    return rate.is_finite() and Decimal(0) < rate <= MAX_FX_RATE and rate >= _RATE_QUANTUM


def newer(event: FxChunk, stored: FxChunk | None) -> bool:
    """Whether `event`'s revision replaces what the copy holds (a later revision only)."""
    return stored is None or event.sequence > stored.sequence


__all__ = ["FxRateSource", "ReferenceRate"]
