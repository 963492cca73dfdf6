"""The activity ledger's money through the router, every number worked out by hand (README,
"Portfolios: the activity ledger"; DESIGN.md decisions 6 and 11): rounding to the cent, whole yen,
dividends in another currency, short and long terms, and the seeded demo ledger.

Each test registers a customer of its own on the shared stack, so that the Dashboard it reads holds
only what the test recorded.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from devstack.seed import seed_demo

from .ledger_books import (
    assert_statement_money,
    assert_totals_add_up,
    gain_rows,
    ledger,
    money,
    open_portfolio,
    record,
    record_raw,
    register,
)

pytestmark = pytest.mark.e2e


def test_money_is_rounded_to_the_cent_and_totals_are_sums_of_rows(router) -> None:
    """A sale across three lots whose exact amounts have fractions of a cent: proceeds 3 x 12.3333 =
    36.9999 -> 37.00, cost 3 x 10.001 = 30.003 -> 30.00; the rows split those so that they add up to
    the sale exactly (gain 7.00). Two EUR dividends of 10.00 at 1.0855 are 10.855 each -> 10.86
    (half-even), and income is the sum of those rounded lines: 21.72 (not 21.71)."""
    customer_id = register(router, "Rounding")
    portfolio_id = open_portfolio(router, customer_id, "Cents")
    for month in ("01", "02", "03"):
        record(
            router,
            portfolio_id,
            type="BUY",
            occurredAt=f"2024-{month}-15",
            symbol="ZZCENT",
            quantity="1",
            price=money("10.001"),
        )
    sale = record(
        router,
        portfolio_id,
        type="SELL",
        occurredAt="2024-04-15",
        symbol="ZZCENT",
        quantity="3",
        price=money("12.3333"),
    )
    assert sale["activity"]["realizedGain"] == money("7.00")
    assert sale["activity"]["price"] == money("12.3333")  # a unit price keeps its precision
    for _ in range(2):
        record(
            router,
            portfolio_id,
            type="DIVIDEND",
            occurredAt="2024-04-20",
            symbol="ZZCENT",
            amount=money("10.00", "EUR"),
            fxRate="1.0855",
        )
    books = ledger(router, portfolio_id)
    rows = books["realizedGains"]["lots"]
    assert len(rows) == 3
    assert sum(Decimal(r["proceeds"]["amount"]) for r in rows) == Decimal("37.00")
    assert sum(Decimal(r["costBasis"]["amount"]) for r in rows) == Decimal("30.00")
    for row in rows:  # each row is its lot's share, to within the cent the split moves
        assert abs(Decimal(row["proceeds"]["amount"]) - Decimal("12.3333")) < Decimal("0.01")
        assert abs(Decimal(row["costBasis"]["amount"]) - Decimal("10.001")) < Decimal("0.01")
    assert books["realizedGains"]["total"] == money("7.00")
    assert books["income"] == {
        "total": money("21.72"),
        "dividends": money("21.72"),
        "interest": money("0.00"),
    }
    # Each cash movement is a rounded line, the balance their sum: 3 x -10.00 + 37.00 + 2 x 10.86
    # = 28.72 (the exact sum, 28.7069, would round to 28.71).
    assert books["cash"] == money("28.72")
    assert books["positions"] == []
    assert_totals_add_up(books)
    assert assert_statement_money(books) >= 15


def test_a_jpy_portfolio_shows_whole_yen_rounded_half_even(router) -> None:
    """JPY has no minor unit. 10 @ 1234.5 costs 12345; selling 5 @ 1500 takes half: 6172.5, shown
    6172 (half-even), and the 5 left cost 6172.5 too, shown 6172. Proceeds 7500, gain 7500 - 6172 =
    1328. Cash 100000 - 12345 + 7500 = 95155."""
    customer_id = register(router, "Yen")
    portfolio_id = open_portfolio(router, customer_id, "Yen book", currency="JPY")
    record(router, portfolio_id, type="DEPOSIT", occurredAt="2024-01-04", amount=money("100000", "JPY"))
    buy = record(
        router,
        portfolio_id,
        type="BUY",
        occurredAt="2024-01-05",
        symbol="ZZYEN",
        quantity="10",
        price=money("1234.5", "JPY"),
    )
    assert buy["activity"]["price"] == money("1234.5", "JPY")
    assert buy["portfolio"]["cash"] == money("87655", "JPY")
    sale = record(
        router,
        portfolio_id,
        type="SELL",
        occurredAt="2024-06-05",
        symbol="ZZYEN",
        quantity="5",
        price=money("1500", "JPY"),
    )
    assert sale["activity"]["realizedGain"] == money("1328", "JPY")
    books = ledger(router, portfolio_id)
    assert books["baseCurrency"] == "JPY"
    assert books["cash"] == money("95155", "JPY")
    assert gain_rows(books) == [("ZZYEN", "2024-01-05", "2024-06-05", "5", "7500", "6172", "1328", "SHORT")]
    (position,) = books["positions"]
    assert position["costBasis"] == money("6172", "JPY")
    assert Decimal(position["averageCost"]["amount"]) == Decimal("1234.5")
    assert_totals_add_up(books)
    assert assert_statement_money(books) >= 8


def test_a_dividend_in_euros_is_converted_at_its_fx_rate(router) -> None:
    customer_id = register(router, "Euro Dividend")
    portfolio_id = open_portfolio(router, customer_id, "USD book")
    # 100.00 EUR less 1.50 EUR withheld, at 1.0857 USD a euro: 106.94145 -> cash 106.94; income is
    # the gross dividend, 108.57.
    dividend = record(
        router,
        portfolio_id,
        type="DIVIDEND",
        occurredAt="2024-03-15",
        symbol="ZZEURO",
        amount=money("100.00", "EUR"),
        fees=money("1.50", "EUR"),
        fxRate="1.0857",
    )
    activity = dividend["activity"]
    assert activity["amount"] == money("100.00", "EUR")
    assert activity["fees"] == money("1.50", "EUR")
    assert Decimal(activity["fxRate"]) == Decimal("1.0857")
    assert dividend["portfolio"]["cash"] == money("106.94")
    # Interest in the base currency needs no rate.
    record(router, portfolio_id, type="INTEREST", occurredAt="2024-03-31", amount=money("0.45"))
    books = ledger(router, portfolio_id)
    assert books["income"] == {
        "total": money("109.02"),
        "dividends": money("108.57"),
        "interest": money("0.45"),
    }
    assert books["cash"] == money("107.39")
    # A period that leaves the dividend out.
    april = ledger(router, portfolio_id, period=("2024-03-16", None))
    assert april["income"] == {"total": money("0.45"), "dividends": money("0.00"), "interest": money("0.45")}

    # Another currency without a rate, and none known (MXN is not among assets' reference
    # currencies), is refused, and nothing is written.
    refused = record_raw(
        router,
        portfolio_id,
        type="DIVIDEND",
        occurredAt="2024-03-20",
        symbol="ZZPESO",
        amount=money("5.00", "MXN"),
    )
    assert refused["activity"] is None
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        (["input", "fxRate"], "FX_RATE_REQUIRED")
    ]
    assert ledger(router, portfolio_id) == books


def test_held_one_year_or_less_is_short_term_and_longer_is_long(router) -> None:
    """Bought on Feb 29, 2024: one year later is Feb 28, 2025. Sold that day: SHORT; a day later:
    LONG. 2 @ 50 cost 100; each sale of 1 @ 80 gains 30."""
    customer_id = register(router, "Term")
    portfolio_id = open_portfolio(router, customer_id, "Terms")
    record(
        router,
        portfolio_id,
        type="BUY",
        occurredAt="2024-02-29",
        symbol="ZZTERM",
        quantity="2",
        price=money("50"),
    )
    for day in ("2025-03-01", "2025-02-28"):  # the later one first: order of recording is irrelevant
        sale = record(
            router,
            portfolio_id,
            type="SELL",
            occurredAt=day,
            symbol="ZZTERM",
            quantity="1",
            price=money("80"),
        )
        assert sale["activity"]["realizedGain"] == money("30.00")
    books = ledger(router, portfolio_id)
    assert gain_rows(books) == [
        ("ZZTERM", "2024-02-29", "2025-02-28", "1", "80.00", "50.00", "30.00", "SHORT"),
        ("ZZTERM", "2024-02-29", "2025-03-01", "1", "80.00", "50.00", "30.00", "LONG"),
    ]
    assert books["realizedGains"]["total"] == money("60.00")
    march = ledger(router, portfolio_id, period=("2025-03-01", "2025-12-31"))
    assert [row["term"] for row in march["realizedGains"]["lots"]] == ["LONG"]
    assert march["realizedGains"]["total"] == money("30.00")
    february = ledger(router, portfolio_id, period=(None, "2025-02-28"))
    assert [row["term"] for row in february["realizedGains"]["lots"]] == ["SHORT"]
    assert books["positions"] == []


def test_the_demo_ledger_is_seeded_and_a_second_seed_changes_nothing(router, stack) -> None:
    """`make dev`'s demo book, recorded through recordActivity, by hand. Taxable brokerage: deposit
    40000; buys 6011 (40 AAPL @ 150.25 + 1), 2731.50, 7761 (MSFT + 1), 2565 (NVDA), 9515 (0.35 BTC @
    27150 + 12.50), 1000 (ACME-PRIVATE); dividend 13.20; 10 AAPL sold @ 183.63 - 1 = 1835.30, FIFO
    from the first lot at 6011 / 40 = 150.275: cost 1502.75, gain 332.55; NVDA split 1:10 (600 shares,
    cost kept); interest 42.17. Cash 12307.17. Roth IRA: 48000 - 24636 - 10650 - 5796 + 146.88 =
    7064.88. A second seed on the same data (as every `make dev` start does) records nothing new."""
    assert stack.demo is not None
    brokerage, roth, k401 = stack.demo.portfolio_ids

    def books_of(portfolio_id: str) -> dict[str, Any]:
        return ledger(router, portfolio_id, first=100)

    before = {pid: books_of(pid) for pid in (brokerage, roth, k401)}
    taxable = before[brokerage]
    assert taxable["cash"] == money("12307.17")
    assert taxable["realizedGains"]["total"] == money("332.55")
    assert gain_rows(taxable) == [
        ("AAPL", "2022-03-14", "2024-01-16", "10", "1835.30", "1502.75", "332.55", "LONG")
    ]
    assert taxable["income"] == {
        "total": money("55.37"),
        "dividends": money("13.20"),
        "interest": money("42.17"),
    }
    positions = {p["instrument"]["symbol"]: p for p in taxable["positions"]}
    assert (Decimal(positions["NVDA"]["quantity"]), positions["NVDA"]["costBasis"]) == (600, money("2565.00"))
    assert (Decimal(positions["AAPL"]["quantity"]), positions["AAPL"]["costBasis"]) == (45, money("7239.75"))
    kinds = sorted(edge["node"]["type"] for edge in taxable["activities"]["edges"])
    assert kinds == sorted(["BUY"] * 6 + ["DEPOSIT", "DIVIDEND", "SELL", "SPLIT", "INTEREST"])
    assert before[roth]["cash"] == money("7064.88")
    assert before[roth]["income"]["dividends"] == money("146.88")
    assert_totals_add_up(taxable)
    for books in before.values():
        assert_statement_money(books)

    again = seed_demo(stack.config, stack.issuer.admin())
    assert again.customer_id == stack.demo.customer_id
    assert again.portfolio_ids == stack.demo.portfolio_ids
    assert {pid: books_of(pid) for pid in (brokerage, roth, k401)} == before
