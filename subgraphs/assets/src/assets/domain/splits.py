"""Split-adjusted closes and the prices that were actually traded.

Providers return history adjusted for later splits: after a 4-for-1 split, the closes before it are
divided by 4, so the series has no cliff. The ledger does not adjust: it records a SPLIT activity
that multiplies the quantity held from its day on. A value over time is therefore either

  adjusted close x quantity restated in today's shares, or
  as-traded close x quantity held that day (the ledger's quantities, split activities applied),

and never adjusted close x the ledger's quantity before the split, which counts the split twice
(the value would drop by the ratio on every day before it). `as_traded` gives the second form's
prices from stored (adjusted) closes and the splits the ledger knows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from kit.core.money import EXACT

from assets.domain.history import DailyClose


@dataclass(frozen=True, slots=True)
class Split:
    """From `day` on (the ex-date: the first day traded at the new share count), each share became
    `ratio` shares: 4 for a 4-for-1 split, 0.1 for a 1-for-10 reverse split."""

    day: date
    ratio: Decimal

    def __post_init__(self) -> None:
        if not self.ratio.is_finite() or self.ratio <= 0:
            raise ValueError("a split's ratio is a positive number")


def as_traded(closes: Sequence[DailyClose], splits: Iterable[Split]) -> list[DailyClose]:
    """Every close multiplied by the ratios of the splits after its day: the price it traded at.

    A close on a split's day or later is already in post-split shares and stays as it is."""
    ordered = sorted(splits, key=lambda split: split.day)
    traded: list[DailyClose] = []
    for close in closes:
        factor = Decimal(1)
        for split in ordered:
            if split.day > close.day:
                factor = EXACT.multiply(factor, split.ratio)
        traded.append(close if factor == 1 else replace(close, close=EXACT.multiply(close.close, factor)))
    return traded
