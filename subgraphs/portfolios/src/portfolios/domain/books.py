"""What the replay of a ledger gives besides lots: sales (realized gains lot by lot), transfers,
income, and the books and customer books that hold them.

Statement lines here are already rounded to the base currency's minor unit (DESIGN.md decision 6).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum

from kit.core.money import EXACT

from portfolios.domain.costbasis import Take
from portfolios.domain.lots import Holdings, Lot, lot_order
from portfolios.domain.model import ZERO, Activity, ActivityType, MovedLot, Portfolio, portfolio_order
from portfolios.domain.timeline import Timeline


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


def sale_rows(
    activity: Activity,
    takes: Sequence[Take],
    proceeds: Decimal,
    cost: Decimal,
    round_to_minor: Callable[[Decimal], Decimal],
) -> tuple[SaleRow, ...]:
    """A sale's rows, one per lot it took (`takes`), its rounded `proceeds` and `cost` split over them.

    Cumulative rounding: the first k rows together get the rounded share of the first k takes,
    so every row is within one minor unit of its exact share (never of the wrong sign), however
    many lots a sale took, and the rows add up to the sale exactly (the last takes the remainder)."""
    assert activity.symbol is not None and activity.quantity is not None
    rows = []
    quantity_so_far = exact_cost_so_far = proceeds_given = cost_given = ZERO
    for index, part in enumerate(takes):
        quantity_so_far = EXACT.add(quantity_so_far, part.quantity)
        exact_cost_so_far = EXACT.add(exact_cost_so_far, part.cost)
        if index == len(takes) - 1:
            proceeds_to, cost_to = proceeds, cost
        else:
            share = EXACT.divide(EXACT.multiply(proceeds, quantity_so_far), activity.quantity)
            proceeds_to, cost_to = round_to_minor(share), round_to_minor(exact_cost_so_far)
        row_proceeds = EXACT.subtract(proceeds_to, proceeds_given)
        row_cost = EXACT.subtract(cost_to, cost_given)
        proceeds_given, cost_given = proceeds_to, cost_to
        rows.append(
            SaleRow(
                sale_id=activity.id,
                symbol=activity.symbol,
                lot_id=part.lot.id,
                acquired_on=part.lot.acquired_on,  # type: ignore[arg-type]
                sold_on=activity.occurred_on,
                quantity=part.quantity,
                proceeds=row_proceeds,
                cost=row_cost,
            )
        )
    return tuple(rows)


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
    """What the replay of a portfolio's ledger gives; `timeline` is what a pricing service needs to
    value it over time (`timeline`)."""

    holdings: Holdings
    history: History
    timeline: Timeline = field(default_factory=Timeline)

    def lots(self) -> list[Lot]:
        """Every lot, open or used up, in acquisition order."""
        return sorted((*self.holdings.open_lots, *self.history.closed_lots), key=lot_order)


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
