"""Deterministic ledgers for `make bench`'s ledger measurements (devstack.bench_ledger).

Generated in trade-date order by a seeded random walk: valid by construction (the replay checks
them again before anything is written), and the same on every run.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from kit.core.money import Amount
from portfolios.domain.model import Activity, ActivityType, SplitRatio
from ulid import ULID

CURRENCY = "USD"
HISTORY_START = date(2015, 1, 1)
HISTORY_DAYS = 3652  # ten years: 2015-01-01 to 2024-12-31


class _Ids:
    """ULIDs in recording order: one millisecond apart from a fixed instant, random part seeded."""

    def __init__(self, rng: random.Random, start: datetime) -> None:
        self.rng = rng
        self.start_ms = int(start.timestamp() * 1000)
        self.count = 0

    def next(self) -> tuple[str, datetime]:
        ms = self.start_ms + self.count
        self.count += 1
        ulid = ULID.from_bytes(ms.to_bytes(6, "big") + self.rng.randbytes(10))
        return str(ulid), datetime.fromtimestamp(ms / 1000, UTC)


def history(
    portfolio_id: str,
    size: int,
    symbols: Sequence[str],
    seed: int,
    start: date = HISTORY_START,
    span_days: int = HISTORY_DAYS,
) -> list[Activity]:
    """`size` activities over `span_days` from `start` (ten years by default), every kind but
    transfers, valid by construction: generated
    in trade-date order, a sale never takes more than was held before it that day, and what the
    replay puts before a sale on its day (splits, buys) only adds to what is held."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible history, not crypto
    ids = _Ids(rng, datetime(2025, 1, 2, tzinfo=UTC))
    days = sorted(start + timedelta(days=rng.randrange(span_days)) for _ in range(size))
    prices = {symbol: Decimal(rng.randrange(2_000, 40_000)) / 100 for symbol in symbols}
    held = dict.fromkeys(symbols, Decimal(0))
    splits_left = 10

    def money(value: Decimal) -> Amount:
        return Amount(value, CURRENCY)

    activities: list[Activity] = []
    for index, day in enumerate(days):
        activity_id, recorded_at = ids.next()
        base: dict[str, Any] = {
            "id": activity_id,
            "portfolio_id": portfolio_id,
            "occurred_on": day,
            "recorded_at": recorded_at,
        }
        for symbol in symbols:  # a random walk, two decimals, never below a dollar
            step = Decimal(rng.randrange(-150, 151)) / 10_000
            prices[symbol] = max(Decimal(1), (prices[symbol] * (1 + step)).quantize(Decimal("0.01")))
        symbol = rng.choice(symbols)
        owned = [s for s in symbols if held[s] >= 2]
        roll = rng.random()
        if index == 0 or roll < 0.04:
            amount = Decimal(rng.randrange(100_000, 1_000_000)) / 100
            activities.append(Activity(type=ActivityType.DEPOSIT, amount=money(amount), **base))
        elif roll < 0.06:
            amount = Decimal(rng.randrange(100, 20_000)) / 100
            activities.append(Activity(type=ActivityType.INTEREST, amount=money(amount), **base))
        elif roll < 0.08:
            amount = Decimal(rng.randrange(100, 2_000)) / 100
            activities.append(Activity(type=ActivityType.FEE, amount=money(amount), **base))
        elif roll < 0.09:
            amount = Decimal(rng.randrange(10_000, 200_000)) / 100
            activities.append(Activity(type=ActivityType.WITHDRAWAL, amount=money(amount), **base))
        elif roll < 0.26 and owned:
            symbol = rng.choice(owned)
            amount = Decimal(rng.randrange(100, 50_000)) / 100
            activities.append(
                Activity(type=ActivityType.DIVIDEND, symbol=symbol, amount=money(amount), **base)
            )
        elif roll < 0.2620 and owned and splits_left:
            splits_left -= 1
            symbol = rng.choice(owned)
            held[symbol] *= 2
            prices[symbol] = (prices[symbol] / 2).quantize(Decimal("0.01"))
            split = SplitRatio(Decimal(1), Decimal(2))
            activities.append(Activity(type=ActivityType.SPLIT, symbol=symbol, split=split, **base))
        elif roll < 0.46 and owned:
            symbol = rng.choice(owned)
            quantity = Decimal(rng.randint(1, int(held[symbol]) // 2))
            held[symbol] -= quantity
            fees = money(Decimal(rng.randrange(0, 1_000)) / 100) if rng.random() < 0.5 else None
            activities.append(
                Activity(
                    type=ActivityType.SELL,
                    symbol=symbol,
                    quantity=quantity,
                    price=money(prices[symbol]),
                    fees=fees,
                    **base,
                )
            )
        else:
            quantity = Decimal(rng.randint(1, 50))
            held[symbol] += quantity
            fees = money(Decimal(rng.randrange(0, 1_000)) / 100) if rng.random() < 0.5 else None
            activities.append(
                Activity(
                    type=ActivityType.BUY,
                    symbol=symbol,
                    quantity=quantity,
                    price=money(prices[symbol]),
                    fees=fees,
                    **base,
                )
            )
    return activities


def one_share_lots(portfolio_id: str, count: int) -> list[Activity]:
    """`count` one-share BUYs of one symbol, a day apart, at prices that differ (so FIFO matters)."""
    ids = _Ids(random.Random(count), datetime(2025, 1, 2, tzinfo=UTC))  # noqa: S311 - not crypto
    activities = []
    for n in range(count):
        activity_id, recorded_at = ids.next()
        activities.append(
            Activity(
                id=activity_id,
                portfolio_id=portfolio_id,
                type=ActivityType.BUY,
                occurred_on=date(2020, 1, 1) + timedelta(days=n),
                recorded_at=recorded_at,
                symbol="SPY",
                quantity=Decimal(1),
                price=Amount(Decimal(300) + Decimal(n) / 100, CURRENCY),
            )
        )
    return activities
