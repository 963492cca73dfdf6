"""Currency conversion seam for valuations. FX rates arrive in a later issue; until then only
identity conversion exists, so a position in another currency than its portfolio stays unpriced
rather than being silently mixed."""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol


class FxRates(Protocol):
    def rate(self, from_currency: str, to_currency: str) -> Decimal | None:
        """How many units of `to_currency` one unit of `from_currency` is worth; None when unknown."""
        ...


class IdentityFxRates:
    """Knows only that a currency is worth itself."""

    def rate(self, from_currency: str, to_currency: str) -> Decimal | None:
        return Decimal(1) if from_currency == to_currency else None
