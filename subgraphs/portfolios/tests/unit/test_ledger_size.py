"""The replay at size: a sale across 1,000 lots, and a ledger of 10,000 activities.

Times are printed (run with -s to see them even when passing quietly), never asserted: a unit test
on a shared machine is no benchmark; `make bench` measures the service.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import pytest
from kit.core.money import EXACT, Amount
from portfolios.domain.ledger import Ledger
from portfolios.domain.model import (
    Activity,
    ActivityType,
    CostBasisMethod,
    Portfolio,
    PortfolioKind,
    SplitRatio,
)

T0 = datetime(2024, 1, 1, tzinfo=UTC)
START = date(2015, 1, 1)


def portfolio(method: CostBasisMethod) -> Portfolio:
    return Portfolio("P", "C", "P", PortfolioKind.BROKERAGE, "USD", method, T0)


def activity(n: int, kind: ActivityType, on: date, **fields: object) -> Activity:
    return Activity(f"01J{n:023d}", "P", kind, on, T0, **fields)  # type: ignore[arg-type]


def trade(n: int, kind: ActivityType, on: date, symbol: str, quantity: D, price: D) -> Activity:
    return activity(n, kind, on, symbol=symbol, quantity=quantity, price=Amount(price, "USD"))


def thousand_lots() -> list[Activity]:
    # Lot i: 1 share bought on day i at 10 + i/1000, so its cost is 10.000 ... 10.999; in all
    # 1000 * 10 + (0 + 1 + ... + 999) / 1000 = 10000 + 499.5 = 10499.5.
    return [
        trade(i, ActivityType.BUY, START + timedelta(days=i), "AAA", D(1), D(10) + D(i) / 1000)
        for i in range(1000)
    ]


@pytest.mark.parametrize("method", [CostBasisMethod.FIFO, CostBasisMethod.HIFO])
def test_a_sale_across_a_thousand_lots_is_accepted_and_every_row_is_its_lot(method):
    buys = thousand_lots()
    sale = trade(1000, ActivityType.SELL, date(2020, 1, 1), "AAA", D(1000), D(12))
    books = Ledger(portfolio(method), [*buys, sale]).replay()
    result = books.history.sale(sale.id)
    assert result is not None
    # Proceeds 12000.00, cost 10499.50, gain 1500.50; every lot closed.
    assert (result.proceeds, result.cost, result.realized_gain) == (
        D("12000.00"),
        D("10499.50"),
        D("1500.50"),
    )
    assert books.holdings.open_lots == () and len(books.history.closed_lots) == 1000
    assert len(result.rows) == 1000
    # FIFO takes the lots oldest first, HIFO dearest first: here the same lots in opposite orders.
    order = [b.id for b in buys] if method is CostBasisMethod.FIFO else [b.id for b in reversed(buys)]
    assert [r.lot_id for r in result.rows] == order
    exact = {b.id: D(10) + D(int(b.id[3:])) / 1000 for b in buys}
    # Each row: 12.00 of the proceeds (12000 * k / 1000 is a whole number of cents), and a cost
    # within a cent of its lot's, the rows adding up to the sale exactly.
    assert all(r.proceeds == D("12.00") and abs(r.cost - exact[r.lot_id]) <= D("0.01") for r in result.rows)
    assert sum(r.cost for r in result.rows) == D("10499.50")
    assert books.holdings.realized == {"AAA": D("1500.50")}


def test_an_average_sale_across_a_thousand_lots_takes_the_oldest_at_the_average_cost():
    buys = thousand_lots()
    sale = trade(1000, ActivityType.SELL, date(2020, 1, 1), "AAA", D(500), D(12))
    books = Ledger(portfolio(CostBasisMethod.AVERAGE), [*buys, sale]).replay()
    result = books.history.sale(sale.id)
    assert result is not None
    # Half of the pool: cost 10499.5 / 2 = 5249.75; proceeds 6000; gain 750.25. The shares are the
    # 500 oldest lots (their dates decide the term), each at the average 10.4995.
    assert (result.proceeds, result.cost, result.realized_gain) == (D("6000.00"), D("5249.75"), D("750.25"))
    assert [r.lot_id for r in result.rows] == [b.id for b in buys[:500]]
    assert {r.quantity for r in result.rows} == {D(1)}
    assert {(lot.remaining_quantity, lot.remaining_cost) for lot in books.holdings.open_lots} == {
        (D(1), D("10.4995"))
    }
    assert len(books.holdings.open_lots) == 500
    assert sum(r.proceeds for r in result.rows) == D("6000.00")
    assert sum(r.cost for r in result.rows) == D("5249.75")
    assert all(abs(r.cost - D("10.4995")) <= D("0.01") for r in result.rows)


def ten_thousand_activities(seed: int = 13) -> tuple[list[Activity], dict[str, D]]:
    """20 symbols over 10 years, recorded in a random order (back-dated throughout): buys, sales
    of up to half of what is held, 1:2 splits (exact), dividends, interest, deposits, fees and
    withdrawals. Returns the activities and what each symbol holds in the end (tracked here)."""
    rng = random.Random(seed)
    symbols = [f"S{k:02d}" for k in range(20)]
    held = dict.fromkeys(symbols, D(0))
    recording = list(range(10_000))
    rng.shuffle(recording)
    days = sorted(rng.randrange(3652) for _ in range(10_000))
    drafted: list[Activity] = []
    splits: set[tuple[str, int]] = set()
    day_began = dict(held)
    for n, day in enumerate(days):
        if n and day != days[n - 1]:
            day_began = dict(held)
        on = START + timedelta(days=day)
        symbol = rng.choice(symbols)
        roll = rng.random()
        ident = recording[n]
        price = D(rng.randrange(100, 50_000)) / 100
        if roll < 0.40 or held[symbol] == 0:
            quantity = D(rng.randrange(1, 10_000)) / 100
            held[symbol] = EXACT.add(held[symbol], quantity)
            drafted.append(trade(ident, ActivityType.BUY, on, symbol, quantity, price))
        elif roll < 0.70:
            quantity = max(D("0.01"), (held[symbol] * D(rng.randrange(1, 50)) / 100).quantize(D("0.01")))
            quantity = min(quantity, held[symbol])
            held[symbol] = EXACT.subtract(held[symbol], quantity)
            drafted.append(trade(ident, ActivityType.SELL, on, symbol, quantity, price))
        elif roll < 0.705 and (symbol, day) not in splits:
            # A split replays first on its day: it doubles what was held when the day began.
            splits.add((symbol, day))
            drafted.append(
                activity(ident, ActivityType.SPLIT, on, symbol=symbol, split=SplitRatio(D(1), D(2)))
            )
            held[symbol] = EXACT.add(held[symbol], day_began[symbol])
        else:
            kind = rng.choice(
                [
                    ActivityType.DIVIDEND,
                    ActivityType.INTEREST,
                    ActivityType.DEPOSIT,
                    ActivityType.FEE,
                    ActivityType.WITHDRAWAL,
                ]
            )
            amount = Amount(D(rng.randrange(1, 100_000)) / 100, "USD")
            drafted.append(
                activity(
                    ident, kind, on, symbol=symbol if kind is ActivityType.DIVIDEND else None, amount=amount
                )
            )
    return drafted, held


@pytest.mark.parametrize("method", list(CostBasisMethod))
def test_ten_thousand_activities_replay_to_the_tracked_holdings(
    method: CostBasisMethod, capsys: pytest.CaptureFixture[str]
) -> None:
    activities, held = ten_thousand_activities()
    assert len(activities) == 10_000 and len({a.symbol for a in activities if a.symbol}) == 20
    assert (activities[-1].occurred_on - activities[0].occurred_on).days > 3600
    # Recording a back-dated activity is this: the ledger with it, replayed whole.
    backdated = activity(10_001, ActivityType.DEPOSIT, date(2015, 6, 1), amount=Amount(D(1000), "USD"))
    ledger = Ledger(portfolio(method), activities).with_activity(backdated)
    started = time.perf_counter()
    books = ledger.replay()
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(
            f"\n  10,001 activities (20 symbols, 10 years), {method.value}: replay {elapsed:.3f} s; "
            f"{len(books.lots())} lots, {len(books.holdings.open_lots)} open, "
            f"{len(books.history.sales)} sales, {sum(len(s.rows) for s in books.history.sales)} sale rows"
        )
    assert books.holdings.activity_count == 10_001
    by_symbol: dict[str, D] = {}
    for lot in books.holdings.open_lots:
        by_symbol[lot.symbol] = by_symbol.get(lot.symbol, D(0)) + lot.remaining_quantity
    assert {s: q for s, q in held.items() if q} == by_symbol
    sold = sum((s.exact_cost for s in books.history.sales), D(0))
    left = sum((lot.remaining_cost for lot in books.holdings.open_lots), D(0))
    assert sum((lot.cost for lot in books.lots()), D(0)) == sold + left
