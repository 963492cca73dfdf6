"""Portfolios, lots (investments), position summaries, activities and the positions summed from them.

Pure Python and Decimal. All arithmetic runs in `EXACT`, a decimal context wide enough that sums and
products of validated inputs are exact (see `validation` for the bounds that guarantee it). The only
inexact operations are divisions: the average cost shown on a position (rounded half-even to
`AVERAGE_COST_PLACES`) and the pro rata shares of `costbasis` (truncated, remainders kept exact).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from kit.money import EXACT, Amount

# EXACT (kit.money, 120 digits): validated quantities have at most 20 digits, amounts 22, fx rates
# 24; a lot's cost needs at most 20 + 22 + 24 digits, and summing even millions of lots adds fewer
# than 10.

# An average cost keeps at most this many decimal places (rounded half-even when it has more).
AVERAGE_COST_PLACES = 10

# Quantities have at most this many decimal places (validated on input, kept by the cost-basis engine).
QUANTITY_PLACES = 8

ZERO = Decimal(0)


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
    """How sales consume lots: first in first out, or pro rata at the position's average cost."""

    FIFO = "FIFO"
    AVERAGE = "AVERAGE"


class PortfolioStatus(Enum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


class ActivityType(Enum):
    BUY = "BUY"
    CORRECTION = "CORRECTION"
    SELL = "SELL"
    REMOVAL = "REMOVAL"


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
class Lot:
    """One purchase of one instrument (exposed as `Investment`), and what sales left of it.

    `fx_rate` converts the purchase currency into `base_currency` (the portfolio's, at the time of
    the purchase); it is None when both are the same currency. `remaining_quantity` and
    `remaining_cost` (base currency) start as the lot's quantity and cost basis and shrink as sales
    consume the lot; `version` grows with every write, and every write is conditioned on it.
    `customer_id` is the portfolio's owner, kept with the lot so that a reference to it is checked
    without reading its portfolio; None for a lot stored before lots recorded it.
    """

    id: str
    portfolio_id: str
    symbol: str
    quantity: Decimal
    purchase_price: Amount
    purchased_at: date
    fees: Amount | None
    fx_rate: Decimal | None
    base_currency: str
    created_at: datetime
    remaining_quantity: Decimal
    remaining_cost: Decimal
    version: int = 1
    customer_id: str | None = None

    @property
    def cost(self) -> Amount:
        """What was paid, in the purchase currency: quantity * price + fees."""
        value = EXACT.multiply(self.quantity, self.purchase_price.value)
        if self.fees is not None:
            value = EXACT.add(value, self.fees.value)
        return Amount(value, self.purchase_price.currency_code)

    @property
    def cost_basis(self) -> Amount:
        """What was paid, in the base currency: (quantity * price + fees) * fxRate."""
        return Amount(to_base_currency(self.cost.value, self.fx_rate), self.base_currency)

    @property
    def remaining_cost_basis(self) -> Amount:
        return Amount(self.remaining_cost, self.base_currency)

    @property
    def is_open(self) -> bool:
        return self.remaining_quantity > 0

    @property
    def is_consumed(self) -> bool:
        """True once any sale has taken from the lot (in part or in full)."""
        return self.remaining_quantity != self.quantity

    def consumed(self, remaining_quantity: Decimal, remaining_cost: Decimal) -> Lot:
        """The lot after a sale left it `remaining_quantity` and `remaining_cost` (next version)."""
        return replace(
            self,
            remaining_quantity=remaining_quantity,
            remaining_cost=remaining_cost,
            version=self.version + 1,
        )


def to_base_currency(value: Decimal, fx_rate: Decimal | None) -> Decimal:
    """An amount of a trade's currency in the portfolio's base currency (no rate: the same currency)."""
    return EXACT.multiply(value, fx_rate) if fx_rate is not None else value


@dataclass(frozen=True, slots=True)
class PositionSummary:
    """What sales of one instrument in one portfolio realized to date (base currency)."""

    portfolio_id: str
    symbol: str
    realized_gain: Decimal = ZERO
    sold_quantity: Decimal = ZERO
    version: int = 0  # 0: not stored yet

    def after_sale(self, quantity: Decimal, gain: Decimal) -> PositionSummary:
        return replace(
            self,
            realized_gain=EXACT.add(self.realized_gain, gain),
            sold_quantity=EXACT.add(self.sold_quantity, quantity),
            version=self.version + 1,
        )


@dataclass(frozen=True, slots=True)
class Ledger:
    """A portfolio's lots (every one, open or consumed) and its position summaries."""

    lots: tuple[Lot, ...] = ()
    summaries: tuple[PositionSummary, ...] = ()

    def lots_of(self, symbol: str) -> list[Lot]:
        return sorted((lot for lot in self.lots if lot.symbol == symbol), key=lot_order)

    def summary_of(self, portfolio_id: str, symbol: str) -> PositionSummary:
        found = next((s for s in self.summaries if s.symbol == symbol), None)
        return found or PositionSummary(portfolio_id=portfolio_id, symbol=symbol)

    def lot(self, lot_id: str) -> Lot | None:
        return next((lot for lot in self.lots if lot.id == lot_id), None)

    def realized_gain(self) -> Decimal:
        total = ZERO
        for summary in self.summaries:
            total = EXACT.add(total, summary.realized_gain)
        return total


@dataclass(frozen=True, slots=True)
class Position:
    """The open lots of one instrument in one portfolio, summed."""

    symbol: str
    lots: tuple[Lot, ...]
    quantity: Decimal
    cost_basis: Amount
    realized_gain: Amount

    @property
    def average_cost(self) -> Amount:
        return Amount(average(self.cost_basis.value, self.quantity), self.cost_basis.currency_code)


@dataclass(frozen=True, slots=True)
class Holding:
    """What the assets subgraph needs to value a position: symbol, quantity, cost in base currency."""

    symbol: str
    quantity: Decimal
    cost_basis: Decimal


@dataclass(frozen=True, slots=True)
class LotTake:
    """How much of one lot a sale took."""

    lot_id: str
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class Activity:
    """One entry of a portfolio's activity ledger, written with the change it records.

    BUY: a lot recorded (its quantity, price, fees, fx rate; occurred_at = purchase date).
    CORRECTION: a lot corrected (its new values). REMOVAL: a lot removed (its last values).
    SELL: a sale (sold quantity, sale price, fees, fx rate, realized gain, the lots it took from).
    `recorded_at` is when it was written; the id (a ULID) sorts in that order.
    """

    id: str
    portfolio_id: str
    type: ActivityType
    symbol: str
    quantity: Decimal
    price: Amount
    fees: Amount | None
    fx_rate: Decimal | None
    occurred_at: date
    recorded_at: datetime
    base_currency: str
    realized_gain: Decimal | None = None
    lot_id: str | None = None
    takes: tuple[LotTake, ...] = ()

    @property
    def realized_gain_amount(self) -> Amount | None:
        return Amount(self.realized_gain, self.base_currency) if self.realized_gain is not None else None


def lot_activity(activity_id: str, kind: ActivityType, lot: Lot, recorded_at: datetime) -> Activity:
    """The BUY, CORRECTION or REMOVAL entry for `lot`."""
    return Activity(
        id=activity_id,
        portfolio_id=lot.portfolio_id,
        type=kind,
        symbol=lot.symbol,
        quantity=lot.quantity,
        price=lot.purchase_price,
        fees=lot.fees,
        fx_rate=lot.fx_rate,
        occurred_at=lot.purchased_at,
        recorded_at=recorded_at,
        base_currency=lot.base_currency,
        lot_id=lot.id,
    )


@dataclass(frozen=True, slots=True)
class ActivityPage:
    """Activities newest first; `has_next` when older ones follow the last."""

    activities: tuple[Activity, ...]
    has_next: bool


@dataclass(frozen=True, slots=True)
class CustomerBook:
    """Everything a customer holds: their portfolios (oldest first) and each one's ledger."""

    customer_id: str
    portfolios: tuple[Portfolio, ...] = ()
    ledgers: Mapping[str, Ledger] = field(default_factory=dict)

    def ledger_of(self, portfolio_id: str) -> Ledger:
        return self.ledgers.get(portfolio_id) or Ledger()

    def lots_of(self, portfolio_id: str) -> tuple[Lot, ...]:
        return self.ledger_of(portfolio_id).lots


def average(total: Decimal, quantity: Decimal) -> Decimal:
    """total / quantity, exact when it has at most AVERAGE_COST_PLACES decimals, else rounded half-even."""
    if quantity == 0:
        return Decimal(0)
    quotient = EXACT.divide(total, quantity)
    exponent = quotient.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -AVERAGE_COST_PLACES:
        return quotient.quantize(Decimal(1).scaleb(-AVERAGE_COST_PLACES), context=EXACT)
    return quotient


def lot_order(lot: Lot) -> tuple[date, str]:
    """Lots in purchase order; ULIDs break ties in the order they were recorded."""
    return (lot.purchased_at, lot.id)


def positions_of(
    lots: Iterable[Lot], base_currency: str, summaries: Iterable[PositionSummary] = ()
) -> list[Position]:
    """One position per symbol still held, ordered by symbol; each position's open lots in purchase order.

    Quantity and cost basis are what remains of the lots; `realized_gain` is what sales of the
    symbol realized to date (from its summary).
    """
    by_symbol: dict[str, list[Lot]] = {}
    for lot in lots:
        if lot.base_currency != base_currency:
            raise ValueError(f"lot {lot.id} is in {lot.base_currency}, its portfolio in {base_currency}")
        if lot.is_open:
            by_symbol.setdefault(lot.symbol, []).append(lot)
    realized = {s.symbol: s.realized_gain for s in summaries}
    positions = []
    for symbol in sorted(by_symbol):
        group = sorted(by_symbol[symbol], key=lot_order)
        quantity = ZERO
        cost_basis = ZERO
        for lot in group:
            quantity = EXACT.add(quantity, lot.remaining_quantity)
            cost_basis = EXACT.add(cost_basis, lot.remaining_cost)
        positions.append(
            Position(
                symbol=symbol,
                lots=tuple(group),
                quantity=quantity,
                cost_basis=Amount(cost_basis, base_currency),
                realized_gain=Amount(realized.get(symbol, ZERO), base_currency),
            )
        )
    return positions


def holdings_of(positions: Sequence[Position]) -> list[Holding]:
    return [Holding(symbol=p.symbol, quantity=p.quantity, cost_basis=p.cost_basis.value) for p in positions]


def investments_of(lots: Iterable[Lot]) -> list[Lot]:
    """A portfolio's lots in purchase order (consumed ones too)."""
    return sorted(lots, key=lot_order)


def portfolio_order(portfolio: Portfolio) -> tuple[datetime, str]:
    return (portfolio.created_at, portfolio.id)


def book_of(
    customer_id: str,
    portfolios: Iterable[Portfolio],
    lots: Iterable[Lot],
    summaries: Iterable[PositionSummary] = (),
) -> CustomerBook:
    """A customer's book from unordered items; items whose portfolio is not among `portfolios` are dropped."""
    ordered = tuple(sorted(portfolios, key=portfolio_order))
    grouped: dict[str, list[Lot]] = {p.id: [] for p in ordered}
    grouped_summaries: dict[str, list[PositionSummary]] = {p.id: [] for p in ordered}
    for lot in lots:
        if lot.portfolio_id in grouped:
            grouped[lot.portfolio_id].append(lot)
    for summary in summaries:
        if summary.portfolio_id in grouped_summaries:
            grouped_summaries[summary.portfolio_id].append(summary)
    return CustomerBook(
        customer_id=customer_id,
        portfolios=ordered,
        ledgers={
            pid: Ledger(
                lots=tuple(sorted(group, key=lot_order)),
                summaries=tuple(sorted(grouped_summaries[pid], key=lambda s: s.symbol)),
            )
            for pid, group in grouped.items()
        },
    )
