"""A property of the portfolios service on DynamoDB Local: for any sequence of changes of a
portfolio (through the use cases, refused ones included), its event items are one per change that
happened, numbered exactly by the portfolio's event sequence after that change, strictly increasing
from 1 (the opening) without a gap; a refused change writes none."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kit.core.errors import InputProblems
from kit.core.principal import Principal, Role
from portfolios.domain.commands import (
    KEEP,
    ActivityRequest,
    CorrectionRequest,
    MoneyRequest,
    PortfolioRequest,
)
from portfolios.domain.model import ActivityType, PortfolioKind
from portfolios.services import PortfolioService
from ulid import ULID

from .events_support import meta_sequence, published
from .support import register_customer

FIRST_DAY = date(2024, 1, 1)
ADMIN = Principal.of("admin-1", [Role.ADMIN])

day = st.integers(min_value=0, max_value=30)
symbol = st.sampled_from(["AAPL", "MSFT"])
change = st.one_of(
    st.tuples(st.just("buy"), day, symbol, st.integers(min_value=1, max_value=5)),
    st.tuples(st.just("sell"), day, symbol, st.integers(min_value=1, max_value=5)),  # may be impossible
    st.tuples(st.just("deposit"), day),
    st.tuples(
        st.just("correct"),
        st.integers(min_value=0, max_value=9),
        st.one_of(st.none(), day),
        st.one_of(st.none(), symbol),
    ),
    st.tuples(st.just("remove"), st.integers(min_value=0, max_value=9)),
    st.tuples(st.just("rename"), st.sampled_from(["Main", "Other"])),
    st.tuples(st.just("close")),
)


def _request(portfolio_id: str, kind: ActivityType, offset: int, **fields) -> ActivityRequest:
    return ActivityRequest(
        portfolio_id=portfolio_id, type=kind, occurred_at=FIRST_DAY + timedelta(days=offset), **fields
    )


async def _apply(service: PortfolioService, portfolio_id: str, step: tuple, recorded: list[str]) -> bool:
    """Applies one change; False when the service refused it."""
    name, *args = step
    ledger, portfolios = service.ledger, service.portfolios
    try:
        if name in ("buy", "sell"):
            offset, ticker, quantity = args
            kind = ActivityType.BUY if name == "buy" else ActivityType.SELL
            price = MoneyRequest(Decimal(100), "USD")
            done = await ledger.record_activity(
                ADMIN,
                _request(portfolio_id, kind, offset, symbol=ticker, quantity=Decimal(quantity), price=price),
            )
            recorded.append(done.activity.id)
        elif name == "deposit":
            amount = MoneyRequest(Decimal(1000), "USD")
            done = await ledger.record_activity(
                ADMIN, _request(portfolio_id, ActivityType.DEPOSIT, args[0], amount=amount)
            )
            recorded.append(done.activity.id)
        elif name in ("correct", "remove"):
            if not recorded:
                return False
            target = recorded[args[0] % len(recorded)]
            if name == "remove":
                await ledger.remove_activity(ADMIN, target)
                recorded.remove(target)
            else:
                on = KEEP if args[1] is None else FIRST_DAY + timedelta(days=args[1])
                await ledger.correct_activity(
                    ADMIN,
                    CorrectionRequest(
                        activity_id=target, occurred_at=on, symbol=KEEP if args[2] is None else args[2]
                    ),
                )
        elif name == "rename":
            await portfolios.rename_portfolio(ADMIN, portfolio_id, args[0])
        else:
            await portfolios.close_portfolio(ADMIN, portfolio_id)
    except InputProblems:
        return False
    return True


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(change, min_size=1, max_size=12))
async def test_the_events_of_a_portfolio_are_its_changes_numbered_by_its_sequence(store, steps):
    service = PortfolioService(store.repository, store.directory, store.fx_rates)
    customer_id = str(ULID())
    await register_customer(store, customer_id)
    portfolio = await service.portfolios.create_portfolio(
        ADMIN, PortfolioRequest(customer_id, "Main", PortfolioKind.BROKERAGE, "USD")
    )
    recorded: list[str] = []
    name, closed = "Main", False
    seen = await published(store, portfolio.id)
    assert [(t, n) for t, n, _ in seen] == [("PortfolioOpened", 1)]
    for step in steps:
        accepted = await _apply(service, portfolio.id, step, recorded)
        now = await published(store, portfolio.id)
        new = now[len(seen) :]
        assert now[: len(seen)] == seen  # nothing rewritten
        if not accepted:
            assert new == [], step
        elif step[0] == "rename":
            assert len(new) == (0 if step[1] == name else 1), (step, new)  # the same name changes nothing
            name = step[1]
        elif step[0] == "close":
            assert len(new) == (0 if closed else 1), (step, new)  # closed already: nothing changes
            closed = True
        elif step[0] == "correct":
            assert len(new) <= 1, (step, new)  # none when the correction keeps everything
        else:
            assert len(new) == 1, (step, new)
        if new:
            assert (
                new[0][0]
                == {
                    "buy": "ActivityRecorded",
                    "sell": "ActivityRecorded",
                    "deposit": "ActivityRecorded",
                    "correct": "ActivityCorrected",
                    "remove": "ActivityRemoved",
                    "rename": "PortfolioRenamed",
                    "close": "PortfolioClosed",
                }[step[0]]
            )
        # The last event's number is the portfolio's sequence after the change.
        assert await meta_sequence(store, portfolio.id) == now[-1][1]
        seen = now
    assert [n for _, n, _ in seen] == list(range(1, len(seen) + 1))  # strictly increasing, no gap


async def test_concurrent_changes_from_two_processes_number_their_events_without_a_gap(store):
    """Two services (as two processes: no shared in-process queue) record, rename and close at once:
    the losers of each race read again, and every change that happened has one event."""
    first, second = (
        PortfolioService(store.repository, store.directory, store.fx_rates),
        PortfolioService(store.repository, store.directory, store.fx_rates),
    )
    customer_id = str(ULID())
    await register_customer(store, customer_id)
    portfolio = await first.portfolios.create_portfolio(
        ADMIN, PortfolioRequest(customer_id, "Main", PortfolioKind.BROKERAGE, "USD")
    )
    recorded: list[str] = []
    steps = [("buy", n, "AAPL", 1) for n in range(4)] + [("rename", "Other"), ("deposit", 3)]
    results = await asyncio.gather(
        *(
            _apply(service, portfolio.id, step, recorded)
            for service, step in zip([first, second] * 3, steps, strict=True)
        )
    )
    assert all(results)
    events = await published(store, portfolio.id)
    assert [n for _, n, _ in events] == list(range(1, 8))
    assert sorted(t for t, _, _ in events) == ["ActivityRecorded"] * 5 + [
        "PortfolioOpened",
        "PortfolioRenamed",
    ]
    assert await meta_sequence(store, portfolio.id) == 7
