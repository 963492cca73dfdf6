"""The timeline the replay records (domain.timeline), worked by hand: held quantities and costs per
symbol at each day's end, the cash balance, external flows (inflows positive), transfers, splits."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest
from portfolios.domain.ledger import Ledger
from portfolios.domain.model import ActivityType, MovedLot
from portfolios.domain.timeline import DatedAmount, HeldStep, SplitStep, Timeline, TransferStep

from ..five_years import five_years
from .replay_support import AVERAGE, FIFO, HIFO, LIFO, Book, d

T = ActivityType


def steps(timeline: Timeline, symbol: str) -> list[tuple[str, str, str]]:
    return [(s.on.isoformat(), str(s.quantity), str(s.cost)) for s in timeline.of(symbol)]


def dated(amounts: tuple[DatedAmount, ...]) -> list[tuple[str, str]]:
    return [(a.on.isoformat(), str(a.amount)) for a in amounts]


def test_an_empty_ledger_has_an_empty_timeline():
    assert Book().replay().timeline == Timeline()


def test_without_cash_every_activitys_cash_effect_is_a_flow_inflows_positive():
    book = Book()
    book.buy("2024-01-02", "AAPL", "10", "100", fees="1")  # 1001 paid in
    book.cash(T.DIVIDEND, "2024-02-01", "5", fees="0.50", symbol="AAPL")  # 4.50 paid out
    book.cash(T.INTEREST, "2024-02-01", "1.25")  # 1.25 out: the day nets -5.75
    book.cash(T.FEE, "2024-03-01", "3")  # 3 paid in
    book.cash(T.TAX, "2024-03-02", "2", fees="0.10")  # 2.10 paid in
    book.sell("2024-04-01", "AAPL", "4", "120", fees="2")  # 480 - 2 = 478 out
    timeline = book.replay().timeline
    assert timeline.records_cash is False
    assert dated(timeline.flows) == [
        ("2024-01-02", "1001"),
        ("2024-02-01", "-5.75"),
        ("2024-03-01", "3"),
        ("2024-03-02", "2.10"),
        ("2024-04-01", "-478"),
    ]
    # Cash is not part of the value: no balance is given.
    assert timeline.cash == ()
    # 10 held at 1001; after selling 4 (FIFO, one lot) 6 at 1001 * 6 / 10 = 600.6.
    assert steps(timeline, "AAPL") == [("2024-01-02", "10", "1001"), ("2024-04-01", "6", "600.6")]
    assert [s.symbol for s in timeline.symbols] == ["AAPL"]


def test_with_a_deposit_flows_are_deposits_and_withdrawals_and_cash_is_given_each_day_it_changed():
    book = Book()
    book.buy("2024-01-01", "MSFT", "2", "300")  # before the first deposit: cash goes below 0
    book.cash(T.DEPOSIT, "2024-01-02", "1000", fees="5")  # flow +1000; cash +995
    book.cash(T.DIVIDEND, "2024-01-10", "3", symbol="MSFT")  # cash only
    book.cash(T.WITHDRAWAL, "2024-01-20", "100", fees="1")  # flow -100; cash -101
    book.cash(T.FEE, "2024-01-20", "2")  # cash -2
    book.sell("2024-01-25", "MSFT", "2", "310")  # cash +620
    timeline = book.replay().timeline
    assert timeline.records_cash is True
    assert dated(timeline.flows) == [("2024-01-02", "1000"), ("2024-01-20", "-100")]
    assert dated(timeline.cash) == [
        ("2024-01-01", "-600.00"),
        ("2024-01-02", "395.00"),
        ("2024-01-10", "398.00"),
        ("2024-01-20", "295.00"),
        ("2024-01-25", "915.00"),
    ]
    assert steps(timeline, "MSFT") == [("2024-01-01", "2", "600"), ("2024-01-25", "0", "0")]


def test_a_withdrawal_alone_makes_a_portfolio_record_cash():
    book = Book()
    book.buy("2024-01-01", "MSFT", "1", "10")
    book.cash(T.WITHDRAWAL, "2024-01-05", "4")
    timeline = book.replay().timeline
    assert timeline.records_cash is True
    assert dated(timeline.flows) == [("2024-01-05", "-4")]
    assert dated(timeline.cash) == [("2024-01-01", "-10.00"), ("2024-01-05", "-14.00")]


def test_a_split_changes_the_quantity_on_its_day_and_keeps_the_cost():
    book = Book()
    book.buy("2024-06-03", "NVDA", "3", "1200")
    book.buy("2024-06-10", "NVDA", "1", "1210")  # split day: the split applies first (to the 3)
    book.split("2024-06-10", "NVDA", "1", "10")
    book.sell("2024-06-11", "NVDA", "5", "121")
    timeline = book.replay().timeline
    assert steps(timeline, "NVDA") == [
        ("2024-06-03", "3", "3600"),
        ("2024-06-10", "31", "4810"),  # 3 * 10 + 1 bought that day (not split)
        ("2024-06-11", "26", "4210"),  # FIFO: 5 of the 30 split shares at 3600 / 30 = 120: 600
    ]
    assert timeline.splits == (SplitStep(d("2024-06-10"), "NVDA", D(1), D(10)),)
    # No money moved on the split: its only flow is the purchases and the sale.
    assert dated(timeline.flows) == [("2024-06-03", "3600"), ("2024-06-10", "1210"), ("2024-06-11", "-605")]


def test_transfers_are_given_as_quantities_to_be_valued_with_their_cost_and_fees_flow_in_without_cash():
    book = Book()
    book.buy("2024-01-02", "VOO", "10", "400")
    book.buy("2024-01-03", "VOO", "5", "420")
    out = book.transfer_out("2024-02-01", "VOO", "12", fees=book.money("1.50", None))
    moved = (MovedLot("L9", "X1", d("2023-05-01"), D(2), D("700")),)
    incoming = book.transfer_in("2024-03-01", "SPY", moved)
    timeline = book.replay().timeline
    assert timeline.transfers == (
        # FIFO: the 10 at 4000, then 2 of the 5 at 420 = 840.
        TransferStep(d("2024-02-01"), "VOO", D(12), T.TRANSFER_OUT, D(4840)),
        TransferStep(d("2024-03-01"), "SPY", D(2), T.TRANSFER_IN, D(700)),
    )
    assert (out.type, incoming.type) == (T.TRANSFER_OUT, T.TRANSFER_IN)
    assert steps(timeline, "VOO") == [
        ("2024-01-02", "10", "4000"),
        ("2024-01-03", "15", "6100"),
        ("2024-02-01", "3", "1260"),
    ]
    assert steps(timeline, "SPY") == [("2024-03-01", "2", "700")]
    # The transfer's fee is a cash effect: it flows in; the lots themselves are not money flows.
    assert dated(timeline.flows) == [("2024-01-02", "4000"), ("2024-01-03", "2100"), ("2024-02-01", "1.50")]


def test_transfers_of_a_cash_recording_portfolio_are_not_money_flows_and_their_fees_are_cash():
    book = Book()
    book.cash(T.DEPOSIT, "2024-01-01", "100")
    book.transfer_in("2024-01-02", "SPY", (MovedLot("L1", "X1", d("2023-01-01"), D(1), D(400)),))
    book.transfer_out("2024-01-03", "SPY", "1", fees=book.money("2", None))
    timeline = book.replay().timeline
    assert dated(timeline.flows) == [("2024-01-01", "100")]
    assert dated(timeline.cash) == [("2024-01-01", "100.00"), ("2024-01-03", "98.00")]
    assert [(t.type, t.quantity, t.cost) for t in timeline.transfers] == [
        (T.TRANSFER_IN, D(1), D(400)),
        (T.TRANSFER_OUT, D(1), D(400)),
    ]


def test_a_same_day_buy_and_sell_leaving_nothing_held_is_no_step_but_its_flows_net():
    book = Book()
    book.sell("2024-05-02", "TSLA", "10", "180", fees="1")  # recorded first; the day's order sells after
    book.buy("2024-05-02", "TSLA", "10", "175", fees="1")
    book.buy("2024-05-02", "AMD", "4", "150")
    book.sell("2024-05-02", "AMD", "1", "151")
    timeline = book.replay().timeline
    assert steps(timeline, "TSLA") == []  # nothing held at any close
    assert steps(timeline, "AMD") == [("2024-05-02", "3", "450")]
    # In: 1751 + 600; out: 1799 + 151: net 401 in, one flow for the day.
    assert dated(timeline.flows) == [("2024-05-02", "401")]


def test_average_cost_gives_the_pools_exact_cost():
    book = Book(method=AVERAGE)
    book.buy("2024-01-01", "KO", "3", "10")
    book.buy("2024-01-02", "KO", "3", "11")
    book.sell("2024-01-03", "KO", "2", "12")
    timeline = book.replay().timeline
    # 63 / 6 = 10.5 a share; 2 sold take 21: 4 left at 42.
    assert steps(timeline, "KO") == [
        ("2024-01-01", "3", "30"),
        ("2024-01-02", "6", "63"),
        ("2024-01-03", "4", "42"),
    ]


def test_amounts_in_another_currency_are_base_currency_at_full_precision():
    book = Book()
    book.buy("2024-01-10", "SAP", "10", "120.50", fees="4.95", fx="1.0850", currency="EUR")
    book.cash(T.DIVIDEND, "2024-01-11", "10.01", symbol="SAP", fx="1.08571", currency="EUR")
    timeline = book.replay().timeline
    # (1205 + 4.95) * 1.0850 = 1312.79575 and 10.01 * 1.08571 = 10.8679571: exact, not rounded to cents.
    assert dated(timeline.flows) == [("2024-01-10", "1312.795750"), ("2024-01-11", "-10.8679571")]
    assert steps(timeline, "SAP") == [("2024-01-10", "10", "1312.795750")]


def test_a_back_dated_correction_changes_every_step_after_it():
    book = Book()
    first = book.buy("2024-03-01", "AAPL", "10", "100")
    book.sell("2024-04-01", "AAPL", "5", "110")
    before = book.replay().timeline
    assert steps(before, "AAPL") == [("2024-03-01", "10", "1000"), ("2024-04-01", "5", "500")]

    # A forgotten, older purchase: FIFO now sells it first, and every later step moves.
    book.buy("2024-02-01", "AAPL", "5", "80")
    after = book.replay().timeline
    assert steps(after, "AAPL") == [
        ("2024-02-01", "5", "400"),
        ("2024-03-01", "15", "1400"),
        ("2024-04-01", "10", "1000"),
    ]
    assert dated(after.flows)[0] == ("2024-02-01", "400")

    # The first purchase corrected (price 90), then removed: the timeline follows the ledger.
    ledger = book.ledger()
    corrected = ledger.replacing(replace(first, price=book.money("90", None))).replay().timeline
    assert steps(corrected, "AAPL")[1:] == [("2024-03-01", "15", "1300"), ("2024-04-01", "10", "900")]
    removed = ledger.without(first.id).replay().timeline
    assert steps(removed, "AAPL") == [("2024-02-01", "5", "400"), ("2024-04-01", "0", "0")]
    assert HeldStep(d("2024-04-01"), D(0), D(0)) in removed.of("AAPL")


@pytest.mark.parametrize("method", [FIFO, LIFO, HIFO, AVERAGE])
def test_on_any_day_the_timeline_holds_what_the_ledger_up_to_that_day_replays_to(method):
    book = Book(method=method)
    activities = five_years(book.portfolio, activities=400, seed=7)
    timeline = Ledger(book.portfolio, activities).replay().timeline
    days = sorted({a.occurred_on for a in activities})
    for day in days[:: len(days) // 12] + days[-1:]:
        up_to = Ledger(book.portfolio, [a for a in activities if a.occurred_on <= day]).replay()
        held = {p.symbol: (p.quantity, p.exact_cost) for p in up_to.holdings.positions()}
        for symbol in {s.symbol for s in timeline.symbols}:
            steps = [s for s in timeline.of(symbol) if s.on <= day]
            at_close = (steps[-1].quantity, steps[-1].cost) if steps else (D(0), D(0))
            assert at_close == held.get(symbol, (D(0), D(0))), (method, day, symbol)
        cash = [c.amount for c in timeline.cash if c.on <= day]
        assert (cash[-1] if cash else D(0)) == up_to.holdings.cash
