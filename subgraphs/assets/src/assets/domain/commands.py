"""What a client asks the assets service to change, as the GraphQL layer hands it to the use cases
(not yet validated: `domain.validation` checks it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from kit.core.money import Amount


@dataclass(frozen=True, slots=True)
class SetManualPrice:
    """Pin a price for `symbol` (as typed: trimmed and upper-cased by validation)."""

    symbol: str
    price: Amount
    previous_close: Amount | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ClearManualPrice:
    """Unpin the manual price of `symbol` (as typed); the feeds price it again."""

    symbol: str


@dataclass(frozen=True, slots=True)
class SetManualFxRate:
    """Pin 1 `from_currency` = `rate` `to_currency` (codes as typed)."""

    from_currency: str
    to_currency: str
    rate: Decimal
