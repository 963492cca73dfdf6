"""A realistic ledger for size and cost tests of the timeline: about 1,000 activities over five years
of every type (monthly deposits, buys and sales of a dozen symbols some in EUR, quarterly dividends,
interest, fees, taxes, withdrawals, a split, transfers in and out). Deterministic for a seed."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

from kit.core.money import Amount
from portfolios.domain.model import Activity, ActivityType, MovedLot, Portfolio, SplitRatio
from ulid import ULID

T = ActivityType
START = date(2020, 1, 2)
DAYS = 5 * 365
SYMBOLS = ("AAPL", "MSFT", "VOO", "BND", "NVDA", "SAP", "ASML", "KO", "JNJ", "XOM", "BRK.B", "VTI")
EURO = frozenset({"SAP", "ASML"})
RECORDED = datetime(2025, 1, 1, tzinfo=UTC)


def five_years(portfolio: Portfolio, activities: int = 1000, seed: int = 15) -> list[Activity]:
    rng = random.Random(seed)
    held = dict.fromkeys(SYMBOLS, D(0))
    found: list[Activity] = []

    def add(kind: ActivityType, on: date, **fields: object) -> None:
        found.append(
            Activity(
                id=str(ULID.from_datetime(RECORDED + timedelta(seconds=len(found)))),
                portfolio_id=portfolio.id,
                type=kind,
                occurred_on=on,
                recorded_at=RECORDED,
                **fields,  # type: ignore[arg-type]
            )
        )

    def usd(value: str | D) -> Amount:
        return Amount(D(value), "USD")

    split_done = False
    for n in range(activities):
        on = START + timedelta(days=n * DAYS // activities)
        symbol = SYMBOLS[rng.randrange(len(SYMBOLS))]
        euro = symbol in EURO
        price = Amount(D(rng.randrange(2000, 40000)) / 100, "EUR" if euro else "USD")
        fx = D("1.0850") + D(rng.randrange(-300, 300)) / 10000 if euro else D(1)
        roll = rng.random()
        if n % 20 == 0:
            add(T.DEPOSIT, on, amount=usd(D(rng.randrange(1000, 5000))))
        elif n % 97 == 0:
            add(T.WITHDRAWAL, on, amount=usd("500"), fees=usd("1.50"))
        elif n % 61 == 0:
            add(T.INTEREST, on, amount=usd(D(rng.randrange(100, 2000)) / 100))
        elif n % 53 == 0:
            add(T.FEE, on, amount=usd("4.99"))
        elif n % 89 == 0:
            add(T.TAX, on, amount=usd(D(rng.randrange(100, 5000)) / 100))
        elif not split_done and n > activities // 2 and held["NVDA"] > 0:
            add(T.SPLIT, on, symbol="NVDA", split=SplitRatio(D(1), D(10)))
            held["NVDA"] *= 10
            split_done = True
        elif n % 151 == 0:
            moved = (MovedLot(str(ULID()), str(ULID()), on - timedelta(days=400), D(7), D("1234.56")),)
            add(T.TRANSFER_IN, on, symbol="VTI", quantity=D(7), counterpart_portfolio_id="X", moved=moved)
            held["VTI"] += 7
        elif n % 157 == 0 and held[symbol] >= 2:
            add(T.TRANSFER_OUT, on, symbol=symbol, quantity=D(2), counterpart_portfolio_id="X")
            held[symbol] -= 2
        elif roll < 0.2 and held[symbol] > 0:
            add(T.DIVIDEND, on, symbol=symbol, amount=usd(D(rng.randrange(50, 5000)) / 100))
        elif roll < 0.45 and held[symbol] > 0:
            quantity = min(held[symbol], D(rng.randrange(1, 20)))
            fees = Amount(D(1), price.currency_code)
            add(T.SELL, on, symbol=symbol, quantity=quantity, price=price, fees=fees, fx_rate=fx)
            held[symbol] -= quantity
        else:
            quantity = D(rng.randrange(1, 40)) + (D(rng.randrange(0, 1000)) / 1000 if roll > 0.9 else 0)
            fees = Amount(D("0.99"), price.currency_code)
            add(T.BUY, on, symbol=symbol, quantity=quantity, price=price, fees=fees, fx_rate=fx)
            held[symbol] += quantity
    return found
