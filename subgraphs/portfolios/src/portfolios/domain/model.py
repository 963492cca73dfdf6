"""Portfolios, lots (investments) and the positions summed from them.

Pure Python and Decimal. All arithmetic runs in `EXACT`, a decimal context wide enough that sums and
products of validated inputs are exact (see `validation` for the bounds that guarantee it); the only
inexact operation is the average cost, a division, which is rounded half-even to `AVERAGE_COST_PLACES`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Context, Decimal
from enum import Enum

from kit.money import Amount

# Validated quantities have at most 20 digits, amounts 22, fx rates 24: a lot's cost needs at most
# 20 + 22 + 24 digits, and summing even millions of lots adds fewer than 10. 120 leaves room to spare.
EXACT = Context(prec=120, rounding=ROUND_HALF_EVEN)

# An average cost keeps at most this many decimal places (rounded half-even when it has more).
AVERAGE_COST_PLACES = 10


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
    """How sold lots will be matched (first in first out, or average cost).

    No sale exists yet, so both give the same cost basis for what is held: the sum of the lots.
    """

    FIFO = "FIFO"
    AVERAGE = "AVERAGE"


@dataclass(frozen=True, slots=True)
class Portfolio:
    id: str
    customer_id: str
    name: str
    kind: PortfolioKind
    base_currency: str
    cost_basis_method: CostBasisMethod
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Lot:
    """One purchase of one instrument (exposed as `Investment`).

    `fx_rate` converts the purchase currency into `base_currency` (the portfolio's, at the time of
    the purchase); it is None when both are the same currency.
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
        cost = self.cost.value
        if self.fx_rate is not None:
            cost = EXACT.multiply(cost, self.fx_rate)
        return Amount(cost, self.base_currency)


@dataclass(frozen=True, slots=True)
class Position:
    """The lots of one instrument in one portfolio, summed."""

    symbol: str
    lots: tuple[Lot, ...]
    quantity: Decimal
    cost_basis: Amount

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
class CustomerBook:
    """Everything a customer holds: their portfolios (oldest first) and each one's lots."""

    customer_id: str
    portfolios: tuple[Portfolio, ...] = ()
    lots: Mapping[str, tuple[Lot, ...]] = field(default_factory=dict)

    def lots_of(self, portfolio_id: str) -> tuple[Lot, ...]:
        return self.lots.get(portfolio_id, ())


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


def positions_of(lots: Iterable[Lot], base_currency: str) -> list[Position]:
    """One position per symbol, ordered by symbol; each position's lots in purchase order."""
    by_symbol: dict[str, list[Lot]] = {}
    for lot in lots:
        by_symbol.setdefault(lot.symbol, []).append(lot)
    positions = []
    for symbol in sorted(by_symbol):
        group = sorted(by_symbol[symbol], key=lot_order)
        quantity = Decimal(0)
        cost_basis = Amount.zero(base_currency)
        for lot in group:
            if lot.base_currency != base_currency:
                raise ValueError(f"lot {lot.id} is in {lot.base_currency}, its portfolio in {base_currency}")
            quantity = EXACT.add(quantity, lot.quantity)
            cost_basis = Amount(EXACT.add(cost_basis.value, lot.cost_basis.value), base_currency)
        positions.append(Position(symbol=symbol, lots=tuple(group), quantity=quantity, cost_basis=cost_basis))
    return positions


def holdings_of(positions: Sequence[Position]) -> list[Holding]:
    return [Holding(symbol=p.symbol, quantity=p.quantity, cost_basis=p.cost_basis.value) for p in positions]


def investments_of(lots: Iterable[Lot]) -> list[Lot]:
    """A portfolio's lots in purchase order."""
    return sorted(lots, key=lot_order)


def portfolio_order(portfolio: Portfolio) -> tuple[datetime, str]:
    return (portfolio.created_at, portfolio.id)


def book_of(customer_id: str, portfolios: Iterable[Portfolio], lots: Iterable[Lot]) -> CustomerBook:
    """A customer's book from unordered items; lots whose portfolio is not among `portfolios` are dropped."""
    ordered = tuple(sorted(portfolios, key=portfolio_order))
    known = {p.id for p in ordered}
    grouped: dict[str, list[Lot]] = {p.id: [] for p in ordered}
    for lot in lots:
        if lot.portfolio_id in known:
            grouped[lot.portfolio_id].append(lot)
    return CustomerBook(
        customer_id=customer_id,
        portfolios=ordered,
        lots={pid: tuple(sorted(group, key=lot_order)) for pid, group in grouped.items()},
    )
