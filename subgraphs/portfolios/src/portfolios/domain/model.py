"""A portfolio, its activity ledger and the books the ledger's replay gives (DESIGN.md decision 11).

Pure Python and Decimal. Activities are the truth; `ledger.replay` turns them into `Books`: every
lot with what sales left of it, the cash balance, realized gains sale by sale and lot by lot, and
income. Inside, sums and products are exact (`EXACT`); money is rounded to its currency's minor
unit only where a statement line is made (decision 6), and totals are sums of those lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from kit.core.money import EXACT, Amount, round_to_minor_unit

# An average cost keeps at most this many decimal places (rounded half-even when it has more).
AVERAGE_COST_PLACES = 10

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


@dataclass(frozen=True, slots=True)
class Activity:
    """One entry of the ledger, as recorded. Which fields a type carries:

    BUY, SELL: symbol, quantity, price (per unit), fees?; SELL may name `picks`.
    DIVIDEND: symbol, amount, fees?.  INTEREST, DEPOSIT, WITHDRAWAL, FEE, TAX: amount, fees?.
    SPLIT: symbol, split.  TRANSFER_OUT: symbol, quantity, counterpart, picks?, moved (what it carried).
    TRANSFER_IN: symbol, quantity, counterpart, moved (the lots that arrive).
    `fx_rate` converts the activity's currency into the portfolio's base currency (1 when the same).
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


@dataclass(frozen=True, slots=True)
class Lot:
    """Shares of one instrument acquired together (exposed as `Investment`), and what is left of them.

    A BUY makes one lot whose id is the BUY's id; a TRANSFER_IN makes one lot per moved lot.
    `quantity`, `unit_price`, `fees` and `fx_rate` are as acquired (a transferred lot's unit price
    is its cost per share in base currency); `cost` is the exact cost basis in base currency.
    `remaining_quantity` and `remaining_cost` are what sales, transfers and splits left.
    """

    id: str
    portfolio_id: str
    activity_id: str
    symbol: str
    acquired_on: date
    quantity: Decimal
    unit_price: Amount
    fees: Amount | None
    fx_rate: Decimal | None
    cost: Decimal
    remaining_quantity: Decimal
    remaining_cost: Decimal
    base_currency: str
    created_at: datetime

    @property
    def is_open(self) -> bool:
        return self.remaining_quantity > 0

    @property
    def unit_cost(self) -> Decimal:
        """Remaining cost per remaining share (HIFO's key); zero for an empty lot."""
        if self.remaining_quantity == 0:
            return ZERO
        return EXACT.divide(self.remaining_cost, self.remaining_quantity)

    @property
    def cost_basis(self) -> Amount:
        return Amount(self.cost, self.base_currency)

    @property
    def remaining_cost_basis(self) -> Amount:
        """Rounded to the minor unit: a line of a statement."""
        return Amount(round_to_minor_unit(self.remaining_cost, self.base_currency), self.base_currency)


class Term(Enum):
    SHORT = "SHORT"
    LONG = "LONG"


def one_year_after(day: date) -> date:
    """The same day a year later; Feb 29 gives Feb 28."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


@dataclass(frozen=True, slots=True)
class SaleRow:
    """What one sale took from one lot: a line of the realized-gains report (rounded money)."""

    sale_id: str
    symbol: str
    lot_id: str
    acquired_on: date
    sold_on: date
    quantity: Decimal
    proceeds: Decimal
    cost: Decimal

    @property
    def gain(self) -> Decimal:
        return EXACT.subtract(self.proceeds, self.cost)

    @property
    def term(self) -> Term:
        return Term.LONG if self.sold_on > one_year_after(self.acquired_on) else Term.SHORT


@dataclass(frozen=True, slots=True)
class SaleResult:
    """One SELL as the replay matched it: rounded proceeds (net of fees) and cost, split over rows
    that add up to them exactly; `exact_cost` is the cost basis consumed before rounding."""

    sale_id: str
    symbol: str
    sold_on: date
    quantity: Decimal
    proceeds: Decimal
    cost: Decimal
    exact_cost: Decimal
    rows: tuple[SaleRow, ...]

    @property
    def realized_gain(self) -> Decimal:
        return EXACT.subtract(self.proceeds, self.cost)


@dataclass(frozen=True, slots=True)
class TransferResult:
    """One TRANSFER_OUT as the replay matched it: the lots it carried."""

    transfer_id: str
    symbol: str
    moved_on: date
    moved: tuple[MovedLot, ...]


@dataclass(frozen=True, slots=True)
class IncomeLine:
    """A DIVIDEND or INTEREST in base currency, rounded (gross: its fees are a cash line of their own)."""

    activity_id: str
    type: ActivityType
    received_on: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Position:
    """The open lots of one instrument, summed (cost basis: the sum of the lots' rounded costs)."""

    symbol: str
    lots: tuple[Lot, ...]
    quantity: Decimal
    cost_basis: Amount
    exact_cost: Decimal
    realized_gain: Amount

    @property
    def average_cost(self) -> Amount:
        return Amount(average(self.exact_cost, self.quantity), self.cost_basis.currency_code)


@dataclass(frozen=True, slots=True)
class Holding:
    """What the assets subgraph needs to value a position: symbol, quantity, cost in base currency."""

    symbol: str
    quantity: Decimal
    cost_basis: Decimal


@dataclass(frozen=True, slots=True)
class Holdings:
    """The part of a portfolio's books the Dashboard reads: open lots, cash, realized gain by symbol.

    Stored as the projection beside the portfolio (written with every change), so reads never replay
    and never grow with history. `version` counts the ledger's changes; every write is conditioned
    on it. `cash` and `realized` are sums of rounded lines.
    """

    portfolio_id: str
    base_currency: str
    open_lots: tuple[Lot, ...] = ()
    cash: Decimal = ZERO
    realized: Mapping[str, Decimal] = field(default_factory=dict)
    activity_count: int = 0
    version: int = 0

    def positions(self) -> list[Position]:
        """One per symbol still held, ordered by symbol, each with its open lots in acquisition order."""
        by_symbol: dict[str, list[Lot]] = {}
        for lot in self.open_lots:
            by_symbol.setdefault(lot.symbol, []).append(lot)
        positions = []
        for symbol in sorted(by_symbol):
            lots = sorted(by_symbol[symbol], key=lot_order)
            quantity = cost = exact = ZERO
            for lot in lots:
                quantity = EXACT.add(quantity, lot.remaining_quantity)
                cost = EXACT.add(cost, lot.remaining_cost_basis.value)
                exact = EXACT.add(exact, lot.remaining_cost)
            positions.append(
                Position(
                    symbol=symbol,
                    lots=tuple(lots),
                    quantity=quantity,
                    cost_basis=Amount(cost, self.base_currency),
                    exact_cost=exact,
                    realized_gain=Amount(self.realized.get(symbol, ZERO), self.base_currency),
                )
            )
        return positions

    def holdings(self) -> list[Holding]:
        return [Holding(p.symbol, p.quantity, p.cost_basis.value) for p in self.positions()]

    @property
    def realized_gain(self) -> Amount:
        total = ZERO
        for gain in self.realized.values():
            total = EXACT.add(total, gain)
        return Amount(total, self.base_currency)

    @property
    def cash_balance(self) -> Amount:
        return Amount(self.cash, self.base_currency)


@dataclass(frozen=True, slots=True)
class History:
    """The rest of the books, read by reports: lots used up, every sale, transfer and income line."""

    closed_lots: tuple[Lot, ...] = ()
    sales: tuple[SaleResult, ...] = ()
    transfers: tuple[TransferResult, ...] = ()
    income: tuple[IncomeLine, ...] = ()

    def sale(self, sale_id: str) -> SaleResult | None:
        return next((s for s in self.sales if s.sale_id == sale_id), None)

    def transfer(self, transfer_id: str) -> TransferResult | None:
        return next((t for t in self.transfers if t.transfer_id == transfer_id), None)

    def realized_rows(self, start: date | None, end: date | None) -> list[SaleRow]:
        """Rows of the sales with a trade date in [start, end] (None: unbounded), in trade-date order."""
        return [row for sale in self.sales if within(sale.sold_on, start, end) for row in sale.rows]

    def income_lines(self, start: date | None, end: date | None) -> list[IncomeLine]:
        return [line for line in self.income if within(line.received_on, start, end)]


@dataclass(frozen=True, slots=True)
class Books:
    """What the replay of a portfolio's ledger gives."""

    holdings: Holdings
    history: History

    def lots(self) -> list[Lot]:
        """Every lot, open or used up, in acquisition order."""
        return sorted((*self.holdings.open_lots, *self.history.closed_lots), key=lot_order)


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


@dataclass(frozen=True, slots=True)
class CustomerBook:
    """Everything a customer holds: their portfolios (oldest first) and each one's holdings."""

    customer_id: str
    portfolios: tuple[Portfolio, ...] = ()
    holdings: Mapping[str, Holdings] = field(default_factory=dict)

    def holdings_of(self, portfolio: Portfolio) -> Holdings:
        return self.holdings.get(portfolio.id) or Holdings(portfolio.id, portfolio.base_currency)


def within(day: date, start: date | None, end: date | None) -> bool:
    return (start is None or day >= start) and (end is None or day <= end)


def average(total: Decimal, quantity: Decimal) -> Decimal:
    """total / quantity, exact when it has at most AVERAGE_COST_PLACES decimals, else rounded half-even."""
    if quantity == 0:
        return ZERO
    quotient = EXACT.divide(total, quantity)
    exponent = quotient.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -AVERAGE_COST_PLACES:
        return quotient.quantize(Decimal(1).scaleb(-AVERAGE_COST_PLACES), context=EXACT)
    return quotient


def lot_order(lot: Lot) -> tuple[date, str]:
    """Lots in acquisition order; ids (ULIDs) break ties in recording order."""
    return (lot.acquired_on, lot.id)


def portfolio_order(portfolio: Portfolio) -> tuple[datetime, str]:
    return (portfolio.created_at, portfolio.id)


def book_of(
    customer_id: str, portfolios: Iterable[Portfolio], holdings: Iterable[Holdings] = ()
) -> CustomerBook:
    """A customer's book from unordered items; holdings of a portfolio not among `portfolios` are dropped."""
    ordered = tuple(sorted(portfolios, key=portfolio_order))
    known = {p.id for p in ordered}
    return CustomerBook(
        customer_id=customer_id,
        portfolios=ordered,
        holdings={h.portfolio_id: h for h in holdings if h.portfolio_id in known},
    )
