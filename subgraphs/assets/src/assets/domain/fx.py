"""Exchange rates for valuations: manual rates, a feed snapshot (rates per US dollar) and derivation.

`1 fromCurrency = rate toCurrency`. A manual rate always wins over the feed; its inverse is implied.
Rates missing directly are derived through USD (the pivot): EUR->GBP = (EUR->USD) x (USD->GBP), each
leg manual or from the feed. Nothing is guessed: a pair with no way to derive it has no rate, and the
valuation then leaves that position unpriced.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Protocol

from kit.core.money import RATIO, is_iso_currency

PIVOT = "USD"
MANUAL_FX_SOURCE = "manual"
SIMULATED_FX_SOURCE = "simulated"
DERIVED_FX_SOURCE = "derived"

Pair = tuple[str, str]  # (from currency, to currency)


class FxRates(Protocol):
    def rate(self, from_currency: str, to_currency: str) -> Decimal | None:
        """How many units of `to_currency` one unit of `from_currency` is worth; None when unknown."""
        ...


class IdentityFxRates:
    """Knows only that a currency is worth itself."""

    def rate(self, from_currency: str, to_currency: str) -> Decimal | None:
        return Decimal(1) if from_currency == to_currency else None


class MappingFxRates:
    """Rates already looked up, by (from, to); identity for equal currencies."""

    def __init__(self, rates: Mapping[Pair, Decimal]) -> None:
        self._rates = rates

    def rate(self, from_currency: str, to_currency: str) -> Decimal | None:
        if from_currency == to_currency:
            return Decimal(1)
        return self._rates.get((from_currency, to_currency))


@dataclass(frozen=True, slots=True)
class FxRate:
    """1 `from_currency` = `rate` `to_currency`."""

    from_currency: str
    to_currency: str
    rate: Decimal
    source: str
    as_of: datetime
    stale: bool = False

    def as_stale(self) -> FxRate:
        return replace(self, stale=True)

    def inverse(self) -> FxRate:
        inverse = RATIO.divide(1, self.rate)
        return FxRate(self.to_currency, self.from_currency, inverse, self.source, self.as_of, self.stale)


@dataclass(frozen=True, slots=True)
class FxSnapshot:
    """A feed's rates as units of each currency per one US dollar (USD itself is 1)."""

    per_usd: Mapping[str, Decimal]
    source: str
    as_of: datetime
    stale: bool = False

    def leg(self, from_currency: str, to_currency: str) -> FxRate | None:
        """A rate with USD on one side, from the snapshot alone."""
        if from_currency == PIVOT:
            units = self.per_usd.get(to_currency)
            return None if units is None else self._rate(from_currency, to_currency, units)
        if to_currency == PIVOT:
            units = self.per_usd.get(from_currency)
            return None if units is None else self._rate(from_currency, to_currency, RATIO.divide(1, units))
        return None

    def _rate(self, from_currency: str, to_currency: str, rate: Decimal) -> FxRate:
        return FxRate(from_currency, to_currency, rate, self.source, self.as_of, self.stale)


def sane_per_usd(rates: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Only positive, finite rates of ISO currencies; USD is always 1."""
    clean = {
        code: value
        for code, value in rates.items()
        if is_iso_currency(code) and value.is_finite() and value > 0
    }
    clean[PIVOT] = Decimal(1)
    return clean


class FxTable:
    """Every rate derivable from manual rates and a feed snapshot (either may be missing).

    `aged` manual rates (set longer ago than the staleness period, domain.manual) no longer win: every
    leg is taken from a recent manual rate, else the feed, and only then from an aged one, flagged
    stale; a cross rate is an aged direct one only when no way through USD is left.
    """

    def __init__(
        self, snapshot: FxSnapshot | None, manual: Iterable[FxRate], aged: Iterable[FxRate] = ()
    ) -> None:
        self._snapshot = snapshot
        self._manual = {(rate.from_currency, rate.to_currency): rate for rate in manual}
        self._aged = {(rate.from_currency, rate.to_currency): rate.as_stale() for rate in aged}

    @staticmethod
    def _manual_rate(rates: Mapping[Pair, FxRate], from_currency: str, to_currency: str) -> FxRate | None:
        direct = rates.get((from_currency, to_currency))
        if direct is not None:
            return direct
        reverse = rates.get((to_currency, from_currency))
        return reverse.inverse() if reverse is not None else None

    def _leg(self, from_currency: str, to_currency: str) -> FxRate | None:
        manual = self._manual_rate(self._manual, from_currency, to_currency)
        if manual is not None:
            return manual
        fed = self._snapshot.leg(from_currency, to_currency) if self._snapshot is not None else None
        return fed if fed is not None else self._manual_rate(self._aged, from_currency, to_currency)

    def lookup(self, from_currency: str, to_currency: str) -> FxRate | None:
        """The rate from one currency to another (not for equal currencies), or None."""
        if PIVOT in (from_currency, to_currency):
            return self._leg(from_currency, to_currency)
        manual = self._manual_rate(self._manual, from_currency, to_currency)
        if manual is not None:
            return manual
        first = self._leg(from_currency, PIVOT)
        second = self._leg(PIVOT, to_currency)
        if first is None or second is None:
            return self._manual_rate(self._aged, from_currency, to_currency)
        source = first.source if first.source == second.source else DERIVED_FX_SOURCE
        return FxRate(
            from_currency,
            to_currency,
            RATIO.multiply(first.rate, second.rate),
            source,
            min(first.as_of, second.as_of),
            first.stale or second.stale,
        )

    def rate(self, from_currency: str, to_currency: str) -> Decimal | None:
        if from_currency == to_currency:
            return Decimal(1)
        found = self.lookup(from_currency, to_currency)
        return None if found is None else found.rate


# Reference rates (units per US dollar, late 2025) of the simulated FX feed: the offline default.
SIMULATED_PER_USD: dict[str, Decimal] = {
    code: Decimal(value)
    for code, value in {
        "EUR": "0.8650",
        "GBP": "0.7600",
        "JPY": "156.20",
        "CHF": "0.8050",
        "CAD": "1.4050",
        "AUD": "1.5400",
        "NZD": "1.7700",
        "SEK": "9.5000",
        "NOK": "10.150",
        "DKK": "6.4600",
        "PLN": "3.6700",
        "CZK": "20.900",
        "HUF": "332.00",
        "CNY": "7.1000",
        "HKD": "7.7800",
        "SGD": "1.3000",
        "KRW": "1470.0",
        "INR": "88.600",
        "MXN": "18.400",
        "BRL": "5.3500",
        "ZAR": "17.300",
        "ILS": "3.2600",
        "TRY": "42.400",
    }.items()
}


def simulated_snapshot(at: datetime) -> FxSnapshot:
    """The simulated feed: fixed, realistic rates, dated at the start of the UTC day of `at`."""
    day = at.astimezone(UTC).date()
    return FxSnapshot(
        per_usd=sane_per_usd(SIMULATED_PER_USD),
        source=SIMULATED_FX_SOURCE,
        as_of=datetime.combine(day, time(0), tzinfo=UTC),
    )
