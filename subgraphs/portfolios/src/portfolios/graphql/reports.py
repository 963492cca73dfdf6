"""The portfolios subgraph's reports: realized gains lot by lot, and income, over a period.

Every total is the sum of the rounded lines it totals (DESIGN.md decision 6).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry
from kit.core.money import Amount, sum_of_rounded
from kit.graphql.cost import assumed
from kit.graphql.types import Money

from portfolios.domain.books import IncomeLine, SaleRow, Term
from portfolios.domain.model import ActivityType
from portfolios.graphql.types import INSTRUMENT, Instrument, instrument_of

# Sales in a realized-gains report (rows: a sale's lots), for the cost estimate.
ROWS_PER_REPORT = 200


@strawberry.type(description="One lot (or part of one) a sale consumed: a line of the realized-gains report.")
class RealizedLot:
    instrument: Instrument | None = strawberry.field(description=INSTRUMENT)
    symbol: str
    sale_id: strawberry.ID = strawberry.field(description="The SELL activity.")
    investment_id: strawberry.ID = strawberry.field(description="The lot it took from.")
    quantity: Decimal
    acquired_on: date
    sold_on: date
    proceeds: Money = strawberry.field(description="This row's share of the sale's rounded net proceeds.")
    cost_basis: Money = strawberry.field(description="This row's share of the sale's rounded cost.")
    gain: Money = strawberry.field(description="proceeds - costBasis.")
    term: Term

    @classmethod
    def from_domain(cls, row: SaleRow, currency: str) -> RealizedLot:
        return cls(
            instrument=instrument_of(row.symbol),
            symbol=row.symbol,
            sale_id=strawberry.ID(row.sale_id),
            investment_id=strawberry.ID(row.lot_id),
            quantity=row.quantity,
            acquired_on=row.acquired_on,
            sold_on=row.sold_on,
            proceeds=Money.amount_of(Amount(row.proceeds, currency)),
            cost_basis=Money.amount_of(Amount(row.cost, currency)),
            gain=Money.amount_of(Amount(row.gain, currency)),
            term=row.term,
        )


@strawberry.type(description="Realized gains of a period, lot by lot; total is the sum of the rows' gains.")
class RealizedGains:
    total: Money
    lots: list[RealizedLot] = strawberry.field(directives=[assumed(ROWS_PER_REPORT)])

    @classmethod
    def from_domain(cls, rows: list[SaleRow], currency: str) -> RealizedGains:
        return cls(
            total=_total([row.gain for row in rows], currency),
            lots=[RealizedLot.from_domain(row, currency) for row in rows],
        )


@strawberry.type(
    description="Dividends and interest of a period (gross; FEE and TAX are activities of their own)."
)
class Income:
    total: Money = strawberry.field(description="dividends + interest.")
    dividends: Money
    interest: Money

    @classmethod
    def from_domain(cls, lines: list[IncomeLine], currency: str) -> Income:
        dividends = [line.amount for line in lines if line.type is ActivityType.DIVIDEND]
        interest = [line.amount for line in lines if line.type is ActivityType.INTEREST]
        return cls(
            total=_total(dividends + interest, currency),
            dividends=_total(dividends, currency),
            interest=_total(interest, currency),
        )


def _total(lines: list[Decimal], currency_code: str) -> Money:
    """A total of lines already rounded to the minor unit: their sum (DESIGN.md decision 6)."""
    return Money.amount_of(sum_of_rounded((Amount(line, currency_code) for line in lines), currency_code))
