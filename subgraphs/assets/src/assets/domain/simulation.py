"""The simulated market-data feed: a deterministic random walk around each instrument's reference price.

The same (symbol, time) always gives the same price, in every process, so the feed works offline and
tests can pin exact numbers. Two layers, both computed in Decimal from integer randomness:

- Daily closes: the log of close(day) / reference is a sum of value-noise octaves (periods of 1, 5,
  21 and 90 days) hashed from (symbol, octave, cell). It needs no recursion over past days, stays
  within a band around the reference price, and bounds the close-to-close move by
  sum(2 * amplitude / period).
- Intraday: from the previous close to today's close along a Brownian bridge over 1440 one-minute
  nodes, drawn from a PRNG seeded by (symbol, day) and clamped to a band; the price moves every 15
  seconds (interpolated between minute nodes). The last step of a day is exactly that day's close,
  which is the next day's previous close.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache

from kit.core.money import Amount

from assets.domain.history import EVERY_DAY_CLASSES, DailyClose, DateSpan, is_trading_day
from assets.domain.instruments import AssetClass, Catalog, CatalogEntry
from assets.domain.quotes import SIMULATED_SOURCE, Quote

STEP_SECONDS = 15
SECONDS_PER_DAY = 86_400
STEPS_PER_DAY = SECONDS_PER_DAY // STEP_SECONDS  # 5760
MINUTES_PER_DAY = 1_440
STEPS_PER_MINUTE = STEPS_PER_DAY // MINUTES_PER_DAY  # 4

# Each minute the bridge moves by an integer in [-2, 2]; its excursion is clamped to +-BRIDGE_CAP units.
_MINUTE_MOVES = 5
BRIDGE_CAP = 80


@dataclass(frozen=True, slots=True)
class WalkProfile:
    octaves: tuple[tuple[int, Decimal], ...]  # (period in days, amplitude of log(close / reference))
    intraday_unit: Decimal  # log move per bridge unit

    @property
    def max_daily_log_move(self) -> Decimal:
        """Bound of |log(close(d) / close(d - 1))|."""
        return sum((2 * amplitude / period for period, amplitude in self.octaves), Decimal(0))

    @property
    def max_intraday_log_move(self) -> Decimal:
        """Bound of |log(price(t) / previous close)| at any time of a day."""
        return self.max_daily_log_move + BRIDGE_CAP * self.intraday_unit


# Stocks and funds: at most ~3.2% close to close, ~4% intraday against the previous close.
EQUITY_PROFILE = WalkProfile(
    octaves=((1, Decimal("0.008")), (5, Decimal("0.02")), (21, Decimal("0.05")), (90, Decimal("0.1"))),
    intraday_unit=Decimal("0.0001"),
)
# Crypto moves about twice as much: at most ~6.5% close to close, ~8% intraday.
CRYPTO_PROFILE = WalkProfile(
    octaves=((1, Decimal("0.016")), (5, Decimal("0.04")), (21, Decimal("0.1")), (90, Decimal("0.2"))),
    intraday_unit=Decimal("0.0002"),
)


def profile_for(asset_class: AssetClass) -> WalkProfile:
    return CRYPTO_PROFILE if asset_class is AssetClass.CRYPTO else EQUITY_PROFILE


def quantum_for(asset_class: AssetClass, reference: Decimal) -> Decimal:
    """Decimal places of a simulated price: 4 for stocks and funds; 2 to 8 for crypto by magnitude."""
    if asset_class is not AssetClass.CRYPTO:
        return Decimal("0.0001")
    if reference >= 1000:
        return Decimal("0.01")
    if reference >= 1:
        return Decimal("0.0001")
    return Decimal("0.00000001")


def _unit_noise(symbol: str, octave: int, cell: int) -> Decimal:
    """A deterministic value in [-1, 1] for (symbol, octave, cell)."""
    digest = hashlib.blake2b(f"{symbol}|{octave}|{cell}".encode(), digest_size=8).digest()
    return Decimal(int.from_bytes(digest, "big")) * 2 / Decimal(2**64 - 1) - 1


@lru_cache(maxsize=16_384)
def close_log_offset(symbol: str, day_ordinal: int, profile: WalkProfile) -> Decimal:
    """log(close / reference) at the end of the day `date.fromordinal(day_ordinal)` (UTC)."""
    total = Decimal(0)
    for octave, (period, amplitude) in enumerate(profile.octaves):
        cell, offset = divmod(day_ordinal, period)
        start = _unit_noise(symbol, octave, cell)
        end = _unit_noise(symbol, octave, cell + 1)
        total += amplitude * (start + (end - start) * offset / period)
    return total


@lru_cache(maxsize=4_096)
def _bridge(symbol: str, day_ordinal: int) -> tuple[int, ...]:
    """The day's Brownian bridge at the minute nodes 0..1440, scaled by MINUTES_PER_DAY to stay integral.

    One PRNG seeded by (symbol, day) draws 1440 moves; memoised, so a day costs those draws once.
    """
    rng = random.Random(f"{symbol}|{date.fromordinal(day_ordinal).isoformat()}")  # noqa: S311 - not crypto
    walk = [0]
    for _ in range(MINUTES_PER_DAY):
        walk.append(walk[-1] + rng.randrange(_MINUTE_MOVES) - _MINUTE_MOVES // 2)
    end = walk[-1]
    cap = BRIDGE_CAP * MINUTES_PER_DAY
    return tuple(
        max(-cap, min(cap, MINUTES_PER_DAY * value - minute * end)) for minute, value in enumerate(walk)
    )


def _bridge_value(symbol: str, day_ordinal: int, step: int) -> Decimal:
    """Bridge units at `step` (1..5760), interpolated between minute nodes."""
    nodes = _bridge(symbol, day_ordinal)
    minute, within = divmod(step, STEPS_PER_MINUTE)
    if within == 0:
        return Decimal(nodes[minute]) / MINUTES_PER_DAY
    scaled = (STEPS_PER_MINUTE - within) * nodes[minute] + within * nodes[minute + 1]
    return Decimal(scaled) / (MINUTES_PER_DAY * STEPS_PER_MINUTE)


def _price(reference: Decimal, log_offset: Decimal, quantum: Decimal) -> Decimal:
    value = (reference * log_offset.exp()).quantize(quantum)
    return value if value > 0 else quantum


def day_close(entry: CatalogEntry, day: date) -> Decimal:
    """The walk's value at the end of `day` (UTC), quantized like every simulated price."""
    asset_class = entry.instrument.asset_class
    reference = entry.reference_price.value
    offset = close_log_offset(entry.symbol, day.toordinal(), profile_for(asset_class))
    return _price(reference, offset, quantum_for(asset_class, reference))


def simulated_closes(entry: CatalogEntry, span: DateSpan) -> list[DailyClose]:
    """The walk's close of every trading day of `span` (Monday to Friday; every day for crypto): the
    same numbers the live quote shows, since a day's close is the last price of that day and the next
    day's previous close."""
    every_day = entry.instrument.asset_class in EVERY_DAY_CLASSES
    days = (span.first + timedelta(days=offset) for offset in range(span.days))
    return [
        DailyClose(day, day_close(entry, day), SIMULATED_SOURCE)
        for day in days
        if is_trading_day(day, every_day)
    ]


def step_of(at: datetime) -> tuple[date, int, datetime]:
    """The UTC day, the step (1..5760) in force at `at`, and when that step began."""
    if at.tzinfo is None:
        raise ValueError("simulated quotes need a timezone-aware time")
    utc = at.astimezone(UTC)
    day = utc.date()
    midnight = datetime.combine(day, time(0), tzinfo=UTC)
    index = int((utc - midnight).total_seconds()) // STEP_SECONDS
    return day, index + 1, midnight + timedelta(seconds=index * STEP_SECONDS)


def simulated_price(entry: CatalogEntry, at: datetime) -> Decimal:
    day, step, _ = step_of(at)
    return _price_at_step(entry, day, step)


def _price_at_step(entry: CatalogEntry, day: date, step: int) -> Decimal:
    if step >= STEPS_PER_DAY:
        return day_close(entry, day)
    asset_class = entry.instrument.asset_class
    reference = entry.reference_price.value
    profile = profile_for(asset_class)
    ordinal = day.toordinal()
    opening = close_log_offset(entry.symbol, ordinal - 1, profile)
    closing = close_log_offset(entry.symbol, ordinal, profile)
    offset = (
        opening
        + (closing - opening) * step / STEPS_PER_DAY
        + profile.intraday_unit * _bridge_value(entry.symbol, ordinal, step)
    )
    return _price(reference, offset, quantum_for(asset_class, reference))


def simulated_quote(entry: CatalogEntry, at: datetime) -> Quote:
    day, step, step_started = step_of(at)
    currency = entry.reference_price.currency_code
    return Quote(
        symbol=entry.symbol,
        price=Amount(_price_at_step(entry, day, step), currency),
        previous_close=Amount(day_close(entry, day - timedelta(days=1)), currency),
        as_of=step_started,
        source=SIMULATED_SOURCE,
        stale=False,
    )


class SimulatedPriceProvider:
    """The offline default provider: quotes every catalog instrument from the simulated walk."""

    def __init__(self, catalog: Catalog, clock: Callable[[], datetime]) -> None:
        self._catalog = catalog
        self._clock = clock

    async def quotes(self, symbols: Sequence[str]) -> dict[str, Quote]:
        at = self._clock()
        found: dict[str, Quote] = {}
        for symbol in symbols:
            entry = self._catalog.get(symbol)
            if entry is not None:
                found[symbol] = simulated_quote(entry, at)
        return found
