"""The replay, worked by hand (no I/O): what each activity type does to lots, cash and income."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

from kit.core.money import Amount
from portfolios.domain.books import Term
from portfolios.domain.ledger import (
    TRANSFER_CHANGED,
    Ledger,
    with_moved_lots,
)
from portfolios.domain.model import (
    DAY_ORDER,
    ActivityType,
    LotPick,
)

from .replay_support import (
    AVERAGE,
    Book,
    d,
    impossible,
    open_lots,
    rows,
)

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
