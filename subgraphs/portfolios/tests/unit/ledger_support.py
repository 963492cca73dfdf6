"""Shared by the ledger use cases' tests: the dates they record on and a portfolio's statement."""

from __future__ import annotations

from datetime import date

from portfolios.domain.books import Books

JAN10 = date(2024, 1, 10)


FEB1 = date(2024, 2, 1)


MAR10 = date(2024, 3, 10)


APR1 = date(2024, 4, 1)


MAY1 = date(2024, 5, 1)


def statement(books: Books) -> tuple[object, ...]:
    """The books without ids or recording times: what must not depend on the order of typing."""
    lots = tuple(
        (lot.symbol, lot.acquired_on, lot.quantity, lot.remaining_quantity, lot.remaining_cost)
        for lot in books.lots()
    )
    sales = tuple(
        (
            sale.sold_on,
            sale.quantity,
            sale.proceeds,
            sale.cost,
            tuple((r.acquired_on, r.quantity, r.proceeds, r.cost) for r in sale.rows),
        )
        for sale in books.history.sales
    )
    income = tuple((line.received_on, line.type, line.amount) for line in books.history.income)
    return lots, books.holdings.cash, dict(books.holdings.realized), sales, income
