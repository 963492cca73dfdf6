"""Lots and what they sum to: the open lots of a portfolio, its positions and holdings.

A lot is what the replay (`ledger`) makes of a BUY or of a lot that arrived by transfer, and what
sales, transfers and splits left of it. `Holdings` is the part of the books the Dashboard reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from kit.core.money import EXACT, Amount, round_to_minor_unit

from portfolios.domain.model import ZERO, FxRateSource

# An average cost keeps at most this many decimal places (rounded half-even when it has more).
AVERAGE_COST_PLACES = 10


@dataclass(frozen=True, slots=True)
class Lot:
    """Shares of one instrument acquired together (exposed as `Investment`), and what is left of them.

    A BUY makes one lot whose id is the BUY's id; a TRANSFER_IN makes one lot per moved lot.
    `quantity`, `unit_price`, `fees` and `fx_rate` are as acquired (a transferred lot's unit price
    is its cost per share in base currency); `cost` is the exact cost basis in base currency.
    `remaining_quantity` and `remaining_cost` are what sales, transfers and splits left.
    `fx_rate_source` and `fx_rate_date` are its BUY's (None without an fx_rate).
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
    fx_rate_source: FxRateSource | None = None
    fx_rate_date: date | None = None

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
    """What the assets subgraph needs to value a position: symbol, quantity, cost in base currency,
    and its open lots (a lot bought in the quote's session moves from its purchase price that day)."""

    symbol: str
    quantity: Decimal
    cost_basis: Decimal
    open_lots: tuple[Lot, ...] = ()


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
        return [Holding(p.symbol, p.quantity, p.cost_basis.value, p.lots) for p in self.positions()]

    @property
    def realized_gain(self) -> Amount:
        total = ZERO
        for gain in self.realized.values():
            total = EXACT.add(total, gain)
        return Amount(total, self.base_currency)

    @property
    def cash_balance(self) -> Amount:
        return Amount(self.cash, self.base_currency)


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
