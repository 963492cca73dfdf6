"""The replay, worked by hand (no I/O): the cost-basis methods on one history; the issue's sale entered
late gives the books of date order; short and long terms.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from portfolios.domain.books import Books, SaleRow, Term, one_year_after
from portfolios.domain.model import (
    Activity,
    CostBasisMethod,
    LotPick,
)

from .replay_support import (
    AVERAGE,
    FIFO,
    HIFO,
    LIFO,
    Book,
    d,
    open_lots,
    rows,
)

# --- the cost-basis methods on one history --------------------------------------------------------


def three_buys_and_a_sale(method: CostBasisMethod) -> tuple[Book, list[Activity], Activity]:
    book = Book(method)
    buys = [
        book.buy("2024-01-10", "AAA", "10", "100"),  # 1000
        book.buy("2024-02-10", "AAA", "10", "300"),  # 3000
        book.buy("2024-03-10", "AAA", "10", "200"),  # 2000
    ]
    sale = book.sell("2024-04-10", "AAA", "15", "250")  # proceeds 3750
    return book, buys, sale


def test_fifo_takes_the_oldest_lots():
    book, (a, b, c), sale = three_buys_and_a_sale(FIFO)
    books = book.replay()
    # a whole (1000) + 5 of b (1500) = 2500; gain 1250. Proceeds 3750 split 10 : 5 = 2500 : 1250.
    assert rows(books, sale) == [
        (a.id, D(10), D("2500.00"), D("1000.00")),
        (b.id, D(5), D("1250.00"), D("1500.00")),
    ]
    assert books.holdings.realized == {"AAA": D("1250.00")}
    assert open_lots(books) == [(b.id, D(5), D(1500)), (c.id, D(10), D(2000))]


def test_lifo_takes_the_newest_lots():
    book, (a, b, c), sale = three_buys_and_a_sale(LIFO)
    books = book.replay()
    # c whole (2000) + 5 of b (1500) = 3500; gain 250.
    assert rows(books, sale) == [
        (c.id, D(10), D("2500.00"), D("2000.00")),
        (b.id, D(5), D("1250.00"), D("1500.00")),
    ]
    assert books.holdings.realized == {"AAA": D("250.00")}
    assert open_lots(books) == [(a.id, D(10), D(1000)), (b.id, D(5), D(1500))]


def test_hifo_takes_the_dearest_lots():
    book, (a, b, c), sale = three_buys_and_a_sale(HIFO)
    books = book.replay()
    # b whole (300 a share: 3000) + 5 of c (200 a share: 1000) = 4000; gain -250.
    assert rows(books, sale) == [
        (b.id, D(10), D("2500.00"), D("3000.00")),
        (c.id, D(5), D("1250.00"), D("1000.00")),
    ]
    assert books.holdings.realized == {"AAA": D("-250.00")}
    assert open_lots(books) == [(a.id, D(10), D(1000)), (c.id, D(5), D(1000))]


def test_hifo_breaks_equal_unit_costs_oldest_first():
    book = Book(HIFO)
    old = book.buy("2024-01-10", "AAA", "2", "50")
    book.buy("2024-02-10", "AAA", "2", "50")
    sale = book.sell("2024-03-10", "AAA", "1", "60")
    assert rows(book.replay(), sale) == [(old.id, D(1), D("60.00"), D("50.00"))]


def test_average_takes_the_oldest_shares_at_the_average_cost():
    book, (a, b, c), sale = three_buys_and_a_sale(AVERAGE)
    books = book.replay()
    # Average 6000 / 30 = 200; 15 * 200 = 3000; gain 750. The shares sold are the oldest (all of a,
    # 5 of b), each at 200: rows 10 (2500 / 2000) and 5 (1250 / 1000).
    assert rows(books, sale) == [
        (a.id, D(10), D("2500.00"), D("2000.00")),
        (b.id, D(5), D("1250.00"), D("1000.00")),
    ]
    assert books.holdings.realized == {"AAA": D("750.00")}
    # What is left, 3000 for 15 shares, is spread by quantity: every lot at the average cost.
    assert open_lots(books) == [(b.id, D(5), D(1000)), (c.id, D(10), D(2000))]
    (position,) = books.holdings.positions()
    assert position.average_cost.value == D(200)


def test_specific_lots_take_exactly_what_the_sale_names_in_its_order():
    book = Book(FIFO)
    a = book.buy("2024-01-10", "AAA", "10", "100")
    b = book.buy("2024-02-10", "AAA", "10", "300")
    c = book.buy("2024-03-10", "AAA", "10", "200")
    sale = book.sell("2024-04-10", "AAA", "15", "250", picks=(LotPick(c.id, D(10)), LotPick(a.id, D(5))))
    books = book.replay()
    # c whole (2000) + 5 of a (500) = 2500; gain 1250.
    assert rows(books, sale) == [
        (c.id, D(10), D("2500.00"), D("2000.00")),
        (a.id, D(5), D("1250.00"), D("500.00")),
    ]
    assert open_lots(books) == [(a.id, D(5), D(500)), (b.id, D(10), D(3000))]


# --- the scenario: a sale entered late ------------------------------------------------------


def scenario(method: CostBasisMethod, *, late: bool) -> tuple[Books, dict[str, str]]:
    """Buy 10 @ 100 (Jan 10), buy 10 @ 200 (Mar 10), sell 8 @ 250 (Apr 1), sell 5 @ 150 (Feb 1):
    the February sale recorded last (`late`) or in its place. Returns the books and the sale ids."""
    book = Book(method)
    book.buy("2024-01-10", "AAA", "10", "100")
    if not late:
        february = book.sell("2024-02-01", "AAA", "5", "150")
    book.buy("2024-03-10", "AAA", "10", "200")
    april = book.sell("2024-04-01", "AAA", "8", "250")
    if late:
        february = book.sell("2024-02-01", "AAA", "5", "150")
    return book.replay(), {"feb": february.id, "apr": april.id}


def lots_by_date(books: Books) -> list[tuple[date, D, D]]:
    return [(lot.acquired_on, lot.remaining_quantity, lot.remaining_cost) for lot in books.holdings.open_lots]


def sale_rows_by_date(books: Books) -> list[tuple[date, date, D, D, D]]:
    return [
        (r.sold_on, r.acquired_on, r.quantity, r.proceeds, r.cost)
        for r in books.history.realized_rows(None, None)
    ]


@pytest.mark.parametrize(
    ("method", "gain", "left"),
    [
        # FIFO: Feb takes 5 of the Jan lot (500), gain 750 - 500 = 250. Apr takes the other 5 (500)
        # and 3 of the Mar lot (600): 2000 - 1100 = 900. Left: 7 of the Mar lot, 1400.
        (FIFO, D("1150.00"), [(D(7), D(1400))]),
        # LIFO and HIFO: Feb can only take the Jan lot (250 gain); Apr takes 8 of the Mar lot (1600):
        # 2000 - 1600 = 400. Left: 5 of Jan (500), 2 of Mar (400).
        (LIFO, D("650.00"), [(D(5), D(500)), (D(2), D(400))]),
        (HIFO, D("650.00"), [(D(5), D(500)), (D(2), D(400))]),
        # AVERAGE: Feb 250 as above. Apr: the pool is 5 (500) + 10 (2000) = 15 shares for 2500;
        # 8 of them cost 2500 * 8 / 15 = 1333.3333333333 (10 places, truncated), a line of 1333.33;
        # 2000 - 1333.33 = 666.67. Left: 7 shares, 2500 - 1333.3333333333 = 1166.6666666667.
        (AVERAGE, D("916.67"), None),
    ],
)
def test_a_back_dated_sale_entered_last_gives_the_books_of_date_order(method, gain, left):
    late, late_ids = scenario(method, late=True)
    in_order, order_ids = scenario(method, late=False)
    assert late.holdings.realized == in_order.holdings.realized == {"AAA": gain}
    assert late.holdings.cash == in_order.holdings.cash == D("-250.00")  # -1000 + 750 - 2000 + 2000
    assert sale_rows_by_date(late) == sale_rows_by_date(in_order)
    assert [s.sale_id for s in late.history.sales] == [late_ids["feb"], late_ids["apr"]]  # trade-date order
    assert lots_by_date(late) == lots_by_date(in_order)
    if left is not None:
        assert [(q, c) for _, q, c in lots_by_date(late)] == left
    else:
        assert sum(q for _, q, _ in lots_by_date(late)) == D(7)
        assert sum(c for _, _, c in lots_by_date(late)) == D("1166.6666666667")
    feb = late.history.sale(late_ids["feb"])
    assert feb is not None and (feb.proceeds, feb.cost) == (D("750.00"), D("500.00"))
    assert late_ids["feb"] > late_ids["apr"] and order_ids["feb"] < order_ids["apr"]  # recording order


def test_the_late_february_sale_is_accepted_under_fifo_and_takes_the_january_lot():
    late, ids = scenario(FIFO, late=True)
    feb = late.history.sale(ids["feb"])
    assert feb is not None
    assert [(r.acquired_on, r.quantity, r.cost) for r in feb.rows] == [(d("2024-01-10"), D(5), D("500.00"))]


# --- term -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bought", "sold", "term"),
    [
        ("2024-01-10", "2025-01-10", Term.SHORT),  # exactly one year: one year or less is SHORT
        ("2024-01-10", "2025-01-11", Term.LONG),
        ("2024-02-29", "2025-02-28", Term.SHORT),  # a year after Feb 29 is Feb 28
        ("2024-02-29", "2025-03-01", Term.LONG),
        ("2023-03-01", "2024-02-29", Term.SHORT),
        ("2023-03-01", "2024-03-01", Term.SHORT),
        ("2023-03-01", "2024-03-02", Term.LONG),
    ],
)
def test_term_at_the_one_year_boundary(bought, sold, term):
    book = Book()
    book.buy(bought, "AAA", "1", "10")
    sale = book.sell(sold, "AAA", "1", "10")
    result = book.replay().history.sale(sale.id)
    assert result is not None and result.rows[0].term is term
    row = SaleRow("S", "AAA", "L", d(bought), d(sold), D(1), D(1), D(1))
    assert row.term is term


def test_one_year_after_feb_29_is_feb_28():
    assert one_year_after(d("2024-02-29")) == d("2025-02-28")
    assert one_year_after(d("2023-02-28")) == d("2024-02-28")
