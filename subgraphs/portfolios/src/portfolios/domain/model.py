"""A portfolio and its activity ledger: what is recorded (DESIGN.md decision 11).

Pure Python and Decimal. Activities are the truth; `ledger.replay` turns them into `books.Books`
(lots in `lots`, sales and income in `books`). Inside, sums and products are exact (`EXACT`);
money is rounded to its currency's minor unit only where a statement line is made (decision 6),
and totals are sums of those lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from kit.core.money import EXACT, Amount

# Quantities have at most this many decimal places (validated on input; a split's result is rounded
# half-even to it).
QUANTITY_PLACES = 8

ZERO = Decimal(0)
ONE = Decimal(1)


class PortfolioKind(Enum):
    BROKERAGE = "BROKERAGE"
    IRA = "IRA"
    ROTH_IRA = "ROTH_IRA"
    K401 = "K401"
    ROTH_K401 = "ROTH_K401"
    HSA = "HSA"
    PLAN_529 = "PLAN_529"
    TRUST = "TRUST"
    OTHER = "OTHER"


class CostBasisMethod(Enum):
    """Which lots a sale (or a transfer out) takes when it names none."""

    FIFO = "FIFO"  # oldest acquisition first
    LIFO = "LIFO"  # newest acquisition first
    HIFO = "HIFO"  # highest unit cost first
    AVERAGE = "AVERAGE"  # every open lot pro rata, at the position's average cost


class PortfolioStatus(Enum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


class ActivityType(Enum):
    BUY = "BUY"
    SELL = "SELL"
    DIVIDEND = "DIVIDEND"
    INTEREST = "INTEREST"
    DEPOSIT = "DEPOSIT"
    WITHDRAWAL = "WITHDRAWAL"
    FEE = "FEE"
    TAX = "TAX"
    SPLIT = "SPLIT"
    TRANSFER_IN = "TRANSFER_IN"
    TRANSFER_OUT = "TRANSFER_OUT"

    @property
    def trades(self) -> bool:
        """Has a symbol, a quantity and a unit price."""
        return self in (ActivityType.BUY, ActivityType.SELL)

    @property
    def moves_cash_only(self) -> bool:
        """Has an amount of cash and no quantity."""
        return self in _CASH_TYPES

    @property
    def disposes(self) -> bool:
        """Takes lots out of the portfolio."""
        return self in (ActivityType.SELL, ActivityType.TRANSFER_OUT)


_CASH_TYPES = frozenset(
    {
        ActivityType.DIVIDEND,
        ActivityType.INTEREST,
        ActivityType.DEPOSIT,
        ActivityType.WITHDRAWAL,
        ActivityType.FEE,
        ActivityType.TAX,
    }
)

# Within one trade date the replay applies a split first (it concerns what was held when the day
# began), then what brings cash or shares in, then what takes shares out, then what takes cash out;
# recording order breaks the remaining ties. The same activities then give the same books whatever
# order they were typed in, and a same-day buy and sell never fail for being entered "sell first".
DAY_ORDER: Mapping[ActivityType, int] = {
    ActivityType.SPLIT: 0,
    ActivityType.DEPOSIT: 1,
    ActivityType.INTEREST: 1,
    ActivityType.DIVIDEND: 1,
    ActivityType.TRANSFER_IN: 2,
    ActivityType.BUY: 2,
    ActivityType.SELL: 3,
    ActivityType.TRANSFER_OUT: 3,
    ActivityType.WITHDRAWAL: 4,
    ActivityType.FEE: 4,
    ActivityType.TAX: 4,
}


@dataclass(frozen=True, slots=True)
class Portfolio:
    id: str
    customer_id: str
    name: str
    kind: PortfolioKind
    base_currency: str
    cost_basis_method: CostBasisMethod
    created_at: datetime
    status: PortfolioStatus = PortfolioStatus.OPEN
    closed_at: datetime | None = None

    @property
    def is_closed(self) -> bool:
        return self.status is PortfolioStatus.CLOSED


@dataclass(frozen=True, slots=True)
class SplitRatio:
    """`to` shares for every `from_` share (both positive)."""

    from_: Decimal
    to: Decimal


@dataclass(frozen=True, slots=True)
class LotPick:
    """A quantity of one lot, named by the client for a sale or transfer by specific lots."""

    lot_id: str
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class MovedLot:
    """One lot (or part of one) a transfer carried: out of `source_lot_id` in the sending portfolio,
    into a new lot `lot_id` of the receiving one, with its acquisition date and cost (base currency)."""

    lot_id: str
    source_lot_id: str
    acquired_on: date
    quantity: Decimal
    cost: Decimal


class FxRateSource(Enum):
    """Where an activity's fxRate came from (domain/fx.py)."""

    GIVEN = "GIVEN"  # the caller gave it, or the activity is in the base currency (the rate is 1)
    REFERENCE = "REFERENCE"  # looked up in the copy of the FX closes, on `fx_rate_date`


@dataclass(frozen=True, slots=True)
class ReferenceRate:
    """A rate looked up in the copy of the FX closes, and the date of the close it is."""

    rate: Decimal
    on: date


@dataclass(frozen=True, slots=True)
class Activity:
    """One entry of the ledger, as recorded. Which fields a type carries:

    BUY, SELL: symbol, quantity, price (per unit), fees?; SELL may name `picks`.
    DIVIDEND: symbol, amount, fees?.  INTEREST, DEPOSIT, WITHDRAWAL, FEE, TAX: amount, fees?.
    SPLIT: symbol, split.  TRANSFER_OUT: symbol, quantity, counterpart, picks?, moved (what it carried).
    TRANSFER_IN: symbol, quantity, counterpart, moved (the lots that arrive).
    `fx_rate` converts the activity's currency into the portfolio's base currency (1 when the same);
    `fx_rate_source` says whether it was given or looked up (then `fx_rate_date` is the close's date).
    The id is a ULID: recording order.
    """

    id: str
    portfolio_id: str
    type: ActivityType
    occurred_on: date
    recorded_at: datetime
    symbol: str | None = None
    quantity: Decimal | None = None
    price: Amount | None = None
    amount: Amount | None = None
    fees: Amount | None = None
    fx_rate: Decimal = ONE
    split: SplitRatio | None = None
    counterpart_portfolio_id: str | None = None
    counterpart_activity_id: str | None = None
    picks: tuple[LotPick, ...] = ()
    moved: tuple[MovedLot, ...] = ()
    note: str | None = None
    fx_rate_source: FxRateSource = FxRateSource.GIVEN
    fx_rate_date: date | None = None

    @property
    def currency_code(self) -> str | None:
        """The currency the activity's price, amount and fees are in."""
        if self.price is not None:
            return self.price.currency_code
        if self.amount is not None:
            return self.amount.currency_code
        return self.fees.currency_code if self.fees is not None else None

    @property
    def replay_order(self) -> tuple[date, int, str]:
        return (self.occurred_on, DAY_ORDER[self.type], self.id)

    @property
    def cash_effect(self) -> Decimal:
        """What the activity does to cash, exact, in its own currency (positive: cash comes in)."""
        fees = self.fees.value if self.fees is not None else ZERO
        if self.type.trades:
            assert self.quantity is not None and self.price is not None
            gross = EXACT.multiply(self.quantity, self.price.value)
            if self.type is ActivityType.BUY:
                return EXACT.minus(EXACT.add(gross, fees))
            return EXACT.subtract(gross, fees)
        if self.type.moves_cash_only:
            assert self.amount is not None
            if self.type in (ActivityType.DIVIDEND, ActivityType.INTEREST, ActivityType.DEPOSIT):
                return EXACT.subtract(self.amount.value, fees)
            return EXACT.minus(EXACT.add(self.amount.value, fees))
        return EXACT.minus(fees)

    def in_base(self, value: Decimal) -> Decimal:
        return EXACT.multiply(value, self.fx_rate)


class AuditAction(Enum):
    RECORDED = "RECORDED"
    CORRECTED = "CORRECTED"
    REMOVED = "REMOVED"
    MIGRATED = "MIGRATED"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One change of the ledger: who made it, when, and the activity before and after (None when it
    did not exist before, or no longer does). It moves nothing; it is what happened to the ledger."""

    id: str
    portfolio_id: str
    action: AuditAction
    actor: str
    at: datetime
    activity_id: str
    before: Activity | None
    after: Activity | None


@dataclass(frozen=True, slots=True)
class ActivityPage:
    """Activities, newest trade date first; `has_next` when older ones follow the last."""

    activities: tuple[Activity, ...]
    has_next: bool


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: tuple[AuditEntry, ...]
    has_next: bool


class CustomerStatus(Enum):
    """What the customer directory knows of a customer."""

    UNKNOWN = "UNKNOWN"
    ACTIVE = "ACTIVE"
    CLOSED = "CLOSED"


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    """What the customer directory holds of one customer: the state after the customer's events up
    to `sequence` (the customer's version in the customers service); `closed_at` once it closed."""

    customer_id: str
    sequence: int
    closed_at: datetime | None = None

    @property
    def status(self) -> CustomerStatus:
        return CustomerStatus.CLOSED if self.closed_at is not None else CustomerStatus.ACTIVE


def portfolio_order(portfolio: Portfolio) -> tuple[datetime, str]:
    return (portfolio.created_at, portfolio.id)
