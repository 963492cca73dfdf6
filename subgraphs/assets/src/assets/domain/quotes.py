"""Quotes: the latest price of an instrument, and what a feed answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from kit.core.money import RATIO, Amount

MANUAL_SOURCE = "manual"
SIMULATED_SOURCE = "simulated"


@dataclass(frozen=True, slots=True)
class Quote:
    """The latest price of one instrument, with the previous session's close when known."""

    symbol: str
    price: Amount
    previous_close: Amount | None
    as_of: datetime
    source: str
    stale: bool = False
    # A manual price only: until when it wins over the feeds (domain.manual).
    pinned_until: datetime | None = None

    def __post_init__(self) -> None:
        if self.previous_close is not None and self.previous_close.currency_code != self.price.currency_code:
            raise ValueError("a quote's previous close must be in the currency of its price")
        if self.as_of.tzinfo is None:
            raise ValueError("a quote's asOf must be timezone-aware")

    @property
    def change(self) -> Amount | None:
        if self.previous_close is None:
            return None
        return self.price - self.previous_close

    @property
    def change_percent(self) -> Decimal | None:
        """The change as a percentage of the previous close (12.5 means 12.5%)."""
        change = self.change
        if change is None or self.previous_close is None or self.previous_close.value == 0:
            return None
        return RATIO.multiply(RATIO.divide(change.value, self.previous_close.value), 100)

    def as_stale(self) -> Quote:
        """This quote served after its source failed: same numbers, flagged stale."""
        return replace(self, stale=True)


def is_price(value: Decimal | None) -> bool:
    """A usable price: present, finite and positive (providers answer unknown symbols with 0)."""
    return value is not None and value.is_finite() and value > 0


@dataclass(frozen=True, slots=True)
class FeedResult:
    """What a feed answered: quotes, and the symbols it FAILED to get (error, timeout, open circuit).

    A symbol in neither is unknown to every source that was asked."""

    quotes: Mapping[str, Quote]
    failed: frozenset[str] = field(default_factory=frozenset)
