"""The ledger's replay on worked examples: every number below is computed by hand in the comments.

Pure domain, no I/O. Activities get ids in the order a test records them (the ids play the ULIDs'
part: recording order), so a test that records a back-dated activity last records it late.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import pytest
from kit.core.money import Amount
from portfolios.domain.books import Books, SaleRow, Term, one_year_after
from portfolios.domain.ledger import (
    INSUFFICIENT_QUANTITY,
    LOT_UNAVAILABLE,
    TRANSFER_CHANGED,
    ImpossibleHistory,
    Ledger,
    with_moved_lots,
)
from portfolios.domain.lots import average
from portfolios.domain.model import (
    DAY_ORDER,
    Activity,
    ActivityType,
    CostBasisMethod,
    LotPick,
    MovedLot,
    Portfolio,
    PortfolioKind,
    SplitRatio,
)

T0 = datetime(2024, 1, 1, tzinfo=UTC)
FIFO, LIFO, HIFO, AVERAGE = (
    CostBasisMethod.FIFO,
    CostBasisMethod.LIFO,
    CostBasisMethod.HIFO,
    CostBasisMethod.AVERAGE,
)


def d(text: str) -> date:
    return date.fromisoformat(text)


class Book:
    """Records activities into one portfolio's ledger, each with the next id (recording order)."""

    def __init__(self, method: CostBasisMethod = FIFO, currency: str = "USD", pid: str = "P") -> None:
        self.portfolio = Portfolio(
            id=pid,
            customer_id="C",
            name=pid,
            kind=PortfolioKind.BROKERAGE,
            base_currency=currency,
            cost_basis_method=method,
            created_at=T0,
        )
        self.currency = currency
        self.activities: list[Activity] = []

    def record(self, kind: ActivityType, on: str, **fields: object) -> Activity:
        n = len(self.activities) + 1
        activity = Activity(
            id=f"{self.portfolio.id}{n:04d}",
            portfolio_id=self.portfolio.id,
            type=kind,
            occurred_on=d(on),
            recorded_at=T0 + timedelta(minutes=n),
            **fields,  # type: ignore[arg-type]
        )
        self.activities.append(activity)
        return activity

    def money(self, value: str | None, currency: str | None) -> Amount | None:
        return None if value is None else Amount(D(value), currency or self.currency)

    def trade(
        self,
        kind: ActivityType,
        on: str,
        symbol: str,
        quantity: str,
        price: str,
        *,
        fees: str | None = None,
        fx: str = "1",
        currency: str | None = None,
        picks: tuple[LotPick, ...] = (),
    ) -> Activity:
        return self.record(
            kind,
            on,
            symbol=symbol,
            quantity=D(quantity),
            price=self.money(price, currency),
            fees=self.money(fees, currency),
            fx_rate=D(fx),
            picks=picks,
        )

    def buy(self, on: str, symbol: str, quantity: str, price: str, **kw: object) -> Activity:
        return self.trade(ActivityType.BUY, on, symbol, quantity, price, **kw)  # type: ignore[arg-type]

    def sell(self, on: str, symbol: str, quantity: str, price: str, **kw: object) -> Activity:
        return self.trade(ActivityType.SELL, on, symbol, quantity, price, **kw)  # type: ignore[arg-type]

    def cash(
        self,
        kind: ActivityType,
        on: str,
        amount: str,
        *,
        fees: str | None = None,
        symbol: str | None = None,
        fx: str = "1",
        currency: str | None = None,
    ) -> Activity:
        return self.record(
            kind,
            on,
            symbol=symbol,
            amount=self.money(amount, currency),
            fees=self.money(fees, currency),
            fx_rate=D(fx),
        )

    def split(self, on: str, symbol: str, from_: str, to: str) -> Activity:
        return self.record(ActivityType.SPLIT, on, symbol=symbol, split=SplitRatio(D(from_), D(to)))

    def transfer_out(self, on: str, symbol: str, quantity: str, **kw: object) -> Activity:
        return self.record(
            ActivityType.TRANSFER_OUT,
            on,
            symbol=symbol,
            quantity=D(quantity),
            counterpart_portfolio_id="Q",
            **kw,
        )

    def transfer_in(self, on: str, symbol: str, moved: tuple[MovedLot, ...]) -> Activity:
        quantity = sum((m.quantity for m in moved), D(0))
        return self.record(
            ActivityType.TRANSFER_IN,
            on,
            symbol=symbol,
            quantity=quantity,
            counterpart_portfolio_id="Q",
            moved=moved,
        )

    def ledger(self) -> Ledger:
        return Ledger(self.portfolio, self.activities)

    def replay(self) -> Books:
        return self.ledger().replay()


def open_lots(books: Books) -> list[tuple[str, D, D]]:
    return [(lot.id, lot.remaining_quantity, lot.remaining_cost) for lot in books.holdings.open_lots]


def rows(books: Books, sale: Activity) -> list[tuple[str, D, D, D]]:
    result = books.history.sale(sale.id)
    assert result is not None
    return [(r.lot_id, r.quantity, r.proceeds, r.cost) for r in result.rows]


def impossible(ledger: Ledger) -> ImpossibleHistory:
    with pytest.raises(ImpossibleHistory) as caught:
        ledger.replay()
    return caught.value


# --- each activity type -------------------------------------------------------------------------


def test_buy_with_fees_in_another_currency_makes_one_lot_at_its_base_currency_cost():
    book = Book()
    buy = book.buy("2024-01-10", "SAP", "10", "120.50", fees="4.95", fx="1.0850", currency="EUR")
    books = book.replay()
    (lot,) = books.holdings.open_lots
    # (10 * 120.50 + 4.95) EUR = 1209.95 EUR; * 1.0850 = 1209.95 + 102.84575 = 1312.79575 USD, exact.
    assert (lot.id, lot.activity_id, lot.symbol, lot.acquired_on) == (buy.id, buy.id, "SAP", d("2024-01-10"))
    assert (lot.quantity, lot.cost, lot.remaining_quantity, lot.remaining_cost) == (
        D(10),
        D("1312.79575"),
        D(10),
        D("1312.79575"),
    )
    # As acquired: the price and fees in EUR, the rate kept.
    assert (lot.unit_price, lot.fees, lot.fx_rate) == (
        Amount(D("120.50"), "EUR"),
        Amount(D("4.95"), "EUR"),
        D("1.0850"),
    )
    # A statement line: 1312.79575 rounds half-even to 1312.80; the cash line is the same, negative.
    assert str(lot.remaining_cost_basis.value) == "1312.80"
    assert str(books.holdings.cash) == "-1312.80"
    (position,) = books.holdings.positions()
    # 1312.79575 / 10 = 131.279575: six places, kept exactly.
    assert position.average_cost == Amount(D("131.279575"), "USD")
    assert books.history.sales == () and books.history.income == ()


def test_buy_in_the_base_currency_keeps_no_rate():
    book = Book()
    book.buy("2024-01-10", "AAA", "3", "10")
    (lot,) = book.replay().holdings.open_lots
    assert lot.fx_rate is None and lot.fees is None and lot.cost == D(30)


def test_sell_takes_cost_from_the_lot_and_realizes_net_proceeds():
    book = Book()
    buy = book.buy("2024-01-10", "AAA", "10", "100", fees="5")
    sale = book.sell("2024-06-01", "AAA", "4", "130", fees="2")
    books = book.replay()
    # Lot: 10 * 100 + 5 = 1005. The sale takes 4/10 of it: 402. Proceeds 4 * 130 - 2 = 518.
    assert rows(books, sale) == [(buy.id, D(4), D("518.00"), D("402.00"))]
    result = books.history.sale(sale.id)
    assert result is not None
    assert (result.proceeds, result.cost, result.exact_cost, result.realized_gain) == (
        D("518.00"),
        D("402.00"),
        D("402"),
        D("116.00"),
    )
    assert open_lots(books) == [(buy.id, D(6), D(603))]  # 1005 - 402
    assert books.holdings.realized == {"AAA": D("116.00")}
    # Cash: -1005.00 + 518.00 = -487.00 (no deposit recorded: shown below zero, not refused).
    assert books.holdings.cash == D("-487.00")
    assert result.rows[0].term is Term.SHORT


def test_a_sale_in_another_currency_converts_net_proceeds_at_its_rate():
    book = Book()
    book.buy("2024-01-10", "SAP", "10", "100", fx="1.10", currency="EUR")
    sale = book.sell("2024-03-01", "SAP", "4", "120", fees="2", fx="1.20", currency="EUR")
    books = book.replay()
    # Lot 1000 EUR * 1.10 = 1100 USD; 4 of 10: 440. Proceeds (480 - 2) * 1.20 = 573.60 USD.
    result = books.history.sale(sale.id)
    assert result is not None
    assert (result.proceeds, result.cost, result.realized_gain) == (D("573.60"), D("440.00"), D("133.60"))
    assert books.holdings.cash == D("-526.40")  # -1100.00 + 573.60


def test_cash_activities_move_cash_only_and_dividends_and_interest_are_income():
    book = Book()
    book.buy("2024-01-02", "AAA", "1", "50")  # -50.00
    deposit = book.cash(ActivityType.DEPOSIT, "2024-01-01", "1000")  # +1000.00
    dividend = book.cash(
        ActivityType.DIVIDEND, "2024-02-01", "12.34", fees="1.85", symbol="AAA"
    )  # +10.49 net
    foreign = book.cash(ActivityType.DIVIDEND, "2024-02-02", "10", fx="1.1", currency="EUR", symbol="AAA")
    interest = book.cash(ActivityType.INTEREST, "2024-03-01", "0.015")  # 0.015 half-even -> 0.02
    book.cash(ActivityType.WITHDRAWAL, "2024-04-01", "250", fees="1.50")  # -251.50
    book.cash(ActivityType.FEE, "2024-05-01", "9.99")  # -9.99
    book.cash(ActivityType.TAX, "2024-06-01", "100", fees="2.50")  # -102.50
    books = book.replay()
    # 1000 - 50 + 10.49 + 11.00 + 0.02 - 251.50 - 9.99 - 102.50 = 607.52
    assert books.holdings.cash == D("607.52")
    # Income is gross (the withholding is a cash line of its own), in base currency, rounded.
    assert [
        (line.activity_id, line.type, line.received_on, line.amount) for line in books.history.income
    ] == [
        (dividend.id, ActivityType.DIVIDEND, d("2024-02-01"), D("12.34")),
        (foreign.id, ActivityType.DIVIDEND, d("2024-02-02"), D("11.00")),
        (interest.id, ActivityType.INTEREST, d("2024-03-01"), D("0.02")),
    ]
    assert [line.activity_id for line in books.history.income_lines(d("2024-02-02"), d("2024-12-31"))] == [
        foreign.id,
        interest.id,
    ]
    # Nothing but the buy touched lots.
    assert [(lot.symbol, lot.remaining_quantity) for lot in books.holdings.open_lots] == [("AAA", D(1))]
    assert deposit.id not in {lot.id for lot in books.lots()}


def test_split_one_to_three_multiplies_every_open_lot_and_keeps_its_cost():
    book = Book()
    first = book.buy("2024-01-10", "AAA", "10", "30")  # 300
    second = book.buy("2024-02-10", "AAA", "2.5", "40")  # 100
    tiny = book.buy("2024-02-11", "AAA", "0.33333333", "30")  # 9.9999999
    book.split("2024-03-01", "AAA", "1", "3")
    books = book.replay()
    # 10 -> 30, 2.5 -> 7.5, 0.33333333 -> 0.99999999; costs unchanged.
    assert open_lots(books) == [
        (first.id, D(30), D(300)),
        (second.id, D("7.5"), D(100)),
        (tiny.id, D("0.99999999"), D("9.9999999")),
    ]
    (position,) = books.holdings.positions()
    assert position.quantity == D("38.49999999")
    assert books.holdings.cash == D("-410.00")  # -300 - 100 - 10.00 (9.9999999 rounds to 10.00); the split: 0


def test_split_three_for_two_rounds_each_lot_to_eight_places_and_later_sales_see_it():
    book = Book()
    first = book.buy("2024-01-10", "AAA", "10", "30")  # 300
    second = book.buy("2024-02-10", "AAA", "5", "40")  # 200
    book.split("2024-03-01", "AAA", "3", "2")
    sale = book.sell("2024-04-01", "AAA", "7", "50")
    books = book.replay()
    # 10 * 2 / 3 = 6.666666666... -> 6.66666667; 5 * 2 / 3 = 3.333333333... -> 3.33333333.
    # The sale of 7 (FIFO) takes the first lot whole (300) and 0.33333333 of the second:
    # 200 * 0.33333333 = 66.666666 = 20 * 3.33333333 - 0.0000006, so / 3.33333333 it is
    # 20 - 0.0000006 / 3.33333333 = 20 - 0.00000018000000018 = 19.99999981999999982...,
    # truncated to 10 places: 19.9999998199. Exact cost 319.9999998199, a line of 320.00.
    result = books.history.sale(sale.id)
    assert result is not None
    assert [(r.lot_id, r.quantity) for r in result.rows] == [
        (first.id, D("6.66666667")),
        (second.id, D("0.33333333")),
    ]
    assert result.exact_cost == D("319.9999998199")
    assert result.cost == D("320.00")
    assert open_lots(books) == [(second.id, D("3.00000000"), D("180.0000001801"))]  # 200 - 19.9999998199


def test_a_split_applies_before_the_buys_of_its_own_day_whatever_the_recording_order():
    book = Book()
    before = book.buy("2024-01-10", "AAA", "10", "30")
    same_day = book.buy("2024-03-01", "AAA", "4", "10")  # recorded before the split, bought after it
    book.split("2024-03-01", "AAA", "1", "2")
    books = book.replay()
    assert open_lots(books) == [(before.id, D(20), D(300)), (same_day.id, D(4), D(40))]
    assert DAY_ORDER[ActivityType.SPLIT] < DAY_ORDER[ActivityType.BUY] < DAY_ORDER[ActivityType.SELL]


def test_a_same_day_buy_and_sell_replay_buy_first_whatever_the_recording_order():
    book = Book()
    sale = book.sell("2024-03-01", "AAA", "4", "12")
    buy = book.buy("2024-03-01", "AAA", "10", "10")
    books = book.replay()  # the sale was recorded first; it still finds the lot
    assert rows(books, sale) == [(buy.id, D(4), D("48.00"), D("40.00"))]


def test_transfer_out_carries_lots_with_their_dates_and_costs_and_transfer_in_recreates_them():
    sender = Book(pid="S")
    a = sender.buy("2023-01-10", "AAA", "10", "100")  # 1000
    b = sender.buy("2023-09-01", "AAA", "10", "150", fees="5")  # 1505
    out = sender.transfer_out("2024-06-01", "AAA", "15")
    books = sender.replay()
    # FIFO: all of a (10, 1000) and 5 of b: 1505 * 5 / 10 = 752.5. Nothing is sold, no cash moves.
    transfer = books.history.transfer(out.id)
    assert transfer is not None
    assert [(m.source_lot_id, m.acquired_on, m.quantity, m.cost) for m in transfer.moved] == [
        (a.id, d("2023-01-10"), D(10), D(1000)),
        (b.id, d("2023-09-01"), D(5), D("752.5")),
    ]
    assert open_lots(books) == [(b.id, D(5), D("752.5"))]
    assert books.history.sales == () and books.holdings.realized == {}
    assert books.holdings.cash == D("-2505.00")

    # The service records the transfer with the lot ids it gave them in the receiver; replaying the
    # recorded transfer gives the same books.
    moved = tuple(replace(m, lot_id=f"R-{m.source_lot_id}") for m in transfer.moved)
    recorded = with_moved_lots(out, moved)
    again = Ledger(sender.portfolio, [a, b, recorded]).replay()
    assert open_lots(again) == open_lots(books) and again.holdings.cash == books.holdings.cash
    assert again.history.transfers[0].moved == moved

    receiver = Book(pid="R")
    arrived = receiver.transfer_in("2024-06-01", "AAA", moved)
    sale = receiver.sell("2024-07-01", "AAA", "12", "200")
    received = receiver.replay()
    lots = received.lots()
    assert [(x.id, x.activity_id, x.acquired_on, x.quantity, x.cost) for x in lots] == [
        (f"R-{a.id}", arrived.id, d("2023-01-10"), D(10), D(1000)),
        (f"R-{b.id}", arrived.id, d("2023-09-01"), D(5), D("752.5")),
    ]
    assert [x.unit_price for x in lots] == [Amount(D(100), "USD"), Amount(D("150.5"), "USD")]
    # FIFO in the receiver: 10 of the 2023-01-10 lot (1000) and 2 of the other (752.5 * 2 / 5 = 301).
    # Proceeds 12 * 200 = 2400, split by quantity: 2000 and 400. Held since 2023-01-10: LONG; since
    # 2023-09-01, sold 2024-07-01: under a year, SHORT.
    result = received.history.sale(sale.id)
    assert result is not None
    assert [(r.lot_id, r.quantity, r.proceeds, r.cost, r.term) for r in result.rows] == [
        (f"R-{a.id}", D(10), D("2000.00"), D("1000.00"), Term.LONG),
        (f"R-{b.id}", D(2), D("400.00"), D("301.00"), Term.SHORT),
    ]
    assert received.holdings.realized == {"AAA": D("1099.00")}  # 2400 - 1301
    assert received.holdings.cash == D("2400.00")


def test_a_transfer_out_may_name_its_lots():
    book = Book()
    a = book.buy("2023-01-10", "AAA", "10", "100")
    b = book.buy("2023-09-01", "AAA", "10", "150")
    out = book.transfer_out("2024-06-01", "AAA", "3", picks=(LotPick(b.id, D(3)),))
    transfer = book.replay().history.transfer(out.id)
    assert transfer is not None
    assert [(m.source_lot_id, m.quantity, m.cost) for m in transfer.moved] == [(b.id, D(3), D(450))]
    assert a.id not in {m.source_lot_id for m in transfer.moved}


def test_a_recorded_transfer_out_in_an_average_portfolio_replays_as_recorded():
    book = Book(AVERAGE)
    a = book.buy("2024-01-10", "AAA", "10", "100")  # 1000
    b = book.buy("2024-02-10", "AAA", "10", "200")  # 2000
    out = book.transfer_out("2024-03-01", "AAA", "10")
    first = book.replay()
    transfer = first.history.transfer(out.id)
    assert transfer is not None
    # At the average cost 3000 / 20 = 150, the oldest shares: all of a, 1500; b is left with 10
    # shares and the rest of the pool, 1500.
    assert [(m.source_lot_id, m.quantity, m.cost) for m in transfer.moved] == [(a.id, D(10), D(1500))]
    assert open_lots(first) == [(b.id, D(10), D(1500))]
    recorded = with_moved_lots(out, tuple(replace(m, lot_id=f"R{k}") for k, m in enumerate(transfer.moved)))
    again = Ledger(book.portfolio, [a, b, recorded]).replay()
    assert open_lots(again) == open_lots(first)
    # A back-dated buy changes the pool, hence the cost the transfer carried: refused, naming its day.
    late_buy = replace(b, id="P9999", occurred_on=d("2024-02-20"))
    error = impossible(Ledger(book.portfolio, [a, b, recorded, late_buy]))
    assert (error.code, error.on, error.activity.id) == (TRANSFER_CHANGED, d("2024-03-01"), out.id)
    assert "2024-03-01" in error.message


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


# --- impossible histories ---------------------------------------------------------------------------


def test_removing_a_buy_a_later_sale_needed_is_impossible_and_names_the_sale_date():
    book = Book()
    book.buy("2024-01-10", "AAA", "10", "100")
    needed = book.buy("2024-03-10", "AAA", "10", "200")
    sale = book.sell("2024-04-01", "AAA", "15", "250")
    book.replay()  # possible as recorded
    error = impossible(book.ledger().without(needed.id))
    assert (error.code, error.on, error.activity) == (INSUFFICIENT_QUANTITY, d("2024-04-01"), sale)
    assert error.message == (
        "On 2024-04-01 the portfolio would hold only 10 AAA, less than the 15 the sale of that day takes."
    )


def test_a_sale_before_any_buy_is_impossible():
    book = Book()
    book.buy("2024-03-10", "AAA", "10", "200")
    sale = book.sell("2024-02-01", "AAA", "1", "150")
    error = impossible(book.ledger())
    assert (error.code, error.activity.id) == (INSUFFICIENT_QUANTITY, sale.id)
    assert "On 2024-02-01 the portfolio would hold only 0 AAA" in error.message
    assert str(error) == error.message


def test_correcting_a_sale_to_more_than_was_held_is_impossible():
    book = Book()
    book.buy("2024-01-10", "AAA", "10", "100")
    sale = book.sell("2024-02-01", "AAA", "5", "150")
    later = book.sell("2024-05-01", "AAA", "5", "150")
    error = impossible(book.ledger().replacing(replace(sale, quantity=D(6))))
    # The corrected sale is possible on its own day; the later one no longer is.
    assert (error.on, error.activity.id) == (d("2024-05-01"), later.id)
    assert "would hold only 4 AAA" in error.message


def test_a_pick_naming_a_lot_not_yet_held_on_that_date_is_impossible():
    book = Book()
    book.buy("2024-01-10", "AAA", "10", "100")
    march = book.buy("2024-03-10", "AAA", "10", "200")
    book.sell("2024-02-15", "AAA", "1", "150", picks=(LotPick(march.id, D(1)),))
    error = impossible(book.ledger())
    assert (error.code, error.on) == (LOT_UNAVAILABLE, d("2024-02-15"))
    assert error.message == (
        f"On 2024-02-15 lot {march.id} would hold 0 AAA, less than the 1 the sale of that day takes from it."
    )


def test_a_pick_of_more_than_the_lot_holds_or_of_another_symbol_is_impossible():
    book = Book()
    aaa = book.buy("2024-01-10", "AAA", "10", "100")
    bbb = book.buy("2024-01-10", "BBB", "10", "100")
    book.sell("2024-02-01", "AAA", "4", "150")  # FIFO: 6 left in aaa
    too_much = book.sell("2024-03-01", "AAA", "7", "150", picks=(LotPick(aaa.id, D(7)),))
    error = impossible(book.ledger())
    assert (error.code, error.activity.id) == (LOT_UNAVAILABLE, too_much.id)
    assert f"On 2024-03-01 lot {aaa.id} would hold 6 AAA" in error.message
    wrong = book.ledger().replacing(replace(too_much, picks=(LotPick(bbb.id, D(1)),), quantity=D(1)))
    assert impossible(wrong).code == LOT_UNAVAILABLE


def recorded_transfer() -> tuple[Book, Activity, Activity]:
    """A sender with a transfer out recorded with the lots it carried (as the service stores it)."""
    book = Book()
    first = book.buy("2023-01-10", "AAA", "10", "100")
    book.buy("2023-09-01", "AAA", "10", "150")
    out = book.transfer_out("2024-06-01", "AAA", "12")
    transfer = book.replay().history.transfer(out.id)
    assert transfer is not None
    recorded = with_moved_lots(out, tuple(replace(m, lot_id=f"R{k}") for k, m in enumerate(transfer.moved)))
    book.activities[-1] = recorded
    book.replay()  # still possible
    return book, first, recorded


def test_a_back_dated_split_that_changes_a_recorded_transfer_is_impossible():
    book, _, out = recorded_transfer()
    book.split("2024-01-01", "AAA", "1", "2")  # the transfer's 10 shares of the first lot now cost 500
    error = impossible(book.ledger())
    assert (error.code, error.on, error.activity.id) == (TRANSFER_CHANGED, d("2024-06-01"), out.id)
    assert error.message == (
        "This change would alter the cost of the lots transferred out on 2024-06-01; "
        "remove that transfer first, then record it again."
    )


def test_a_back_dated_sale_of_a_lot_a_recorded_transfer_carried_is_impossible():
    book, first, out = recorded_transfer()
    # FIFO: the back-dated sale takes 5 of the first lot, which the transfer carried whole.
    book.sell("2024-02-01", "AAA", "5", "120")
    error = impossible(book.ledger())
    assert (error.code, error.on, error.activity.id) == (LOT_UNAVAILABLE, d("2024-06-01"), out.id)
    assert f"On 2024-06-01 lot {first.id} would hold 5 AAA" in error.message


def test_a_back_dated_buy_leaves_a_recorded_fifo_transfer_as_it_was():
    book, first, out = recorded_transfer()
    book.buy("2022-01-01", "AAA", "1", "1")  # older than every lot: FIFO would now take it first
    books = book.replay()
    transfer = books.history.transfer(out.id)
    assert transfer is not None and transfer.moved == out.moved  # it carried what it carried
    assert first.id not in {lot.id for lot in books.holdings.open_lots}


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


# --- rounding -------------------------------------------------------------------------------------


def test_a_sales_rows_add_up_exactly_to_its_rounded_proceeds_and_cost():
    book = Book()
    lots = [book.buy(f"2024-01-1{k}", "AAA", "1", "10.005") for k in range(3)]  # 10.005 each
    sale = book.sell("2024-02-01", "AAA", "3", "10.0049")
    result = book.replay().history.sale(sale.id)
    assert result is not None
    # Proceeds 3 * 10.0049 = 30.0147 -> 30.01. Cost 30.015 -> 30.02 (half-even: 1 is odd).
    assert (result.proceeds, result.cost, result.exact_cost) == (D("30.01"), D("30.02"), D("30.015"))
    # Rounded cumulatively: proceeds 30.01 * 1/3 = 10.0033 -> 10.00; * 2/3 = 20.0067 -> 20.01, so the
    # second row 10.01; the last takes the remainder 30.01 - 20.01 = 10.00. Cost: 10.005 -> 10.00
    # (0 is even); 20.010 -> 20.01: 10.01; the last 30.02 - 20.01 = 10.01.
    assert [(r.lot_id, r.proceeds, r.cost) for r in result.rows] == [
        (lots[0].id, D("10.00"), D("10.00")),
        (lots[1].id, D("10.01"), D("10.01")),
        (lots[2].id, D("10.00"), D("10.01")),
    ]
    assert sum(r.gain for r in result.rows) == result.realized_gain == D("-0.01")


def test_small_proceeds_over_many_rows_never_give_a_row_of_the_wrong_sign():
    book = Book()
    for k in range(5):
        book.buy(f"2024-01-1{k}", "AAA", "1", "0")
    sale = book.sell("2024-02-01", "AAA", "5", "0.006")
    result = book.replay().history.sale(sale.id)
    assert result is not None
    # 0.03 over five equal rows: cumulative 0.006 -> 0.01, 0.012 -> 0.01, 0.018 -> 0.02, 0.024 -> 0.02.
    assert [r.proceeds for r in result.rows] == [D("0.01"), D("0.00"), D("0.01"), D("0.00"), D("0.01")]


def test_jpy_lines_have_no_decimals():
    book = Book(currency="JPY")
    lot = book.buy("2024-01-10", "7203", "3", "1234.5")  # 3703.5
    sale = book.sell("2024-02-01", "7203", "1", "1500.5")
    books = book.replay()
    result = books.history.sale(sale.id)
    assert result is not None
    # Proceeds 1500.5 -> 1500 (half-even: 0 is even); cost 3703.5 / 3 = 1234.5 -> 1234.
    assert [str(x) for x in (result.proceeds, result.cost, result.realized_gain)] == ["1500", "1234", "266"]
    # Cash: -3703.5 -> -3704 (3 is odd), + 1500 = -2204.
    assert str(books.holdings.cash) == "-2204"
    assert open_lots(books) == [(lot.id, D(2), D("2469.0"))]
    assert str(books.holdings.positions()[0].cost_basis.value) == "2469"


def test_bhd_lines_have_three_decimals():
    book = Book(currency="BHD")
    book.buy("2024-01-10", "ALBH", "3", "0.33335")  # 1.00005
    sale = book.sell("2024-02-01", "ALBH", "2", "0.5")
    book.cash(ActivityType.DIVIDEND, "2024-03-01", "0.0125", symbol="ALBH")  # -> 0.012 (2 is even)
    books = book.replay()
    result = books.history.sale(sale.id)
    assert result is not None
    # Cost 1.00005 * 2 / 3 = 0.6667 (exact: 0.66670), a line of 0.667. Proceeds 1.000.
    assert [str(x) for x in (result.proceeds, result.cost, result.realized_gain)] == [
        "1.000",
        "0.667",
        "0.333",
    ]
    # Cash: -1.00005 -> -1.000 (0 is even), + 1.000 + 0.012 = 0.012.
    assert str(books.holdings.cash) == "0.012"
    assert [str(line.amount) for line in books.history.income] == ["0.012"]


@pytest.mark.parametrize(
    ("total", "quantity", "expected"),
    [
        (D("1312.79575"), D(10), "131.279575"),  # exact: kept
        (D(100), D(3), "33.3333333333"),  # 33.333... to 10 places
        (D(2), D(3), "0.6666666667"),  # rounds up
        (D(1), D(1024), "0.0009765625"),  # exactly 10 places
        (D(1), D(2048), "0.0004882812"),  # 0.00048828125: half-even drops the 5
        (D(5), D(0), "0"),  # nothing held, no average
    ],
)
def test_average_cost_keeps_at_most_ten_places(total, quantity, expected):
    assert str(average(total, quantity)) == expected


def test_a_position_sums_its_lots_rounded_costs_and_averages_the_exact_cost():
    book = Book()
    book.buy("2024-01-10", "BBB", "1", "1")
    book.buy("2024-01-10", "AAA", "1", "0.005")  # a line of 0.00 (0 is even)
    book.buy("2024-01-11", "AAA", "2", "0.0075")  # 0.015: a line of 0.02
    aaa, bbb = book.replay().holdings.positions()
    assert (aaa.symbol, bbb.symbol) == ("AAA", "BBB")
    assert aaa.quantity == D(3)
    # Cost basis is the sum of the rounded lot lines: 0.00 + 0.02 = 0.02 (the exact 0.020 would agree
    # here; the lines are what the statement shows). Average: 0.02 / 3 = 0.0066666667 (10 places).
    assert aaa.cost_basis == Amount(D("0.02"), "USD")
    assert aaa.exact_cost == D("0.020")
    assert aaa.average_cost == Amount(D("0.0066666667"), "USD")
