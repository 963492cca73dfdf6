"""Builders of portfolios, activities and ledger changes for the storage tests, and probes of what
the table holds and of the calls the repository makes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal as D
from typing import Any

from kit.aws.dynamo import from_item, to_item
from kit.core.money import Amount
from portfolios.adapters.repository import DynamoPortfolioRepository
from portfolios.domain.books import Books
from portfolios.domain.ledger import Ledger
from portfolios.domain.model import (
    Activity,
    ActivityType,
    AuditAction,
    AuditEntry,
    CostBasisMethod,
    DirectoryEntry,
    Portfolio,
    PortfolioKind,
)
from portfolios.domain.ports import DirectoryChange, LedgerChange
from ulid import ULID

NOW = datetime(2024, 6, 1, 12, 0, 0, 123456, tzinfo=UTC)


def usd(value: str) -> Amount:
    return Amount(D(value), "USD")


def new_portfolio(customer_id: str, method: CostBasisMethod = CostBasisMethod.FIFO) -> Portfolio:
    return Portfolio(
        id=str(ULID()),
        customer_id=customer_id,
        name="Main",
        kind=PortfolioKind.BROKERAGE,
        base_currency="USD",
        cost_basis_method=method,
        created_at=NOW,
    )


def activity(portfolio: Portfolio, kind: ActivityType, on: date, **fields: Any) -> Activity:
    return Activity(
        id=str(ULID()), portfolio_id=portfolio.id, type=kind, occurred_on=on, recorded_at=NOW, **fields
    )


def buy(
    portfolio: Portfolio, on: date, symbol: str = "AAPL", quantity: str = "10", price: str = "150.00"
) -> Activity:
    return activity(portfolio, ActivityType.BUY, on, symbol=symbol, quantity=D(quantity), price=usd(price))


def audit(portfolio: Portfolio, after: Activity | None, before: Activity | None = None) -> AuditEntry:
    subject = after or before
    assert subject is not None
    action = (
        AuditAction.RECORDED
        if before is None
        else AuditAction.REMOVED
        if after is None
        else AuditAction.CORRECTED
    )
    return AuditEntry(str(ULID()), portfolio.id, action, "tester", NOW, subject.id, before, after)


async def register_customer(store: Any, customer_id: str) -> None:
    """The directory entry a CustomerRegistered (version 1) leaves."""
    await store.directory.apply(DirectoryChange(str(ULID()), DirectoryEntry(customer_id, 1), None))


async def close_customer(store: Any, customer_id: str) -> None:
    """The directory entry a CustomerClosed (version 2) leaves after the registration."""
    change = DirectoryChange(
        str(ULID()), DirectoryEntry(customer_id, 2, closed_at=NOW), DirectoryEntry(customer_id, 1)
    )
    assert await store.directory.apply(change)


async def open_portfolio(store: Any, method: CostBasisMethod = CostBasisMethod.FIFO) -> Portfolio:
    customer_id = str(ULID())
    await register_customer(store, customer_id)
    portfolio = new_portfolio(customer_id, method)
    await store.repository.create_portfolio(portfolio)
    return portfolio


async def record(
    repository: DynamoPortfolioRepository, portfolio: Portfolio, *added: Activity, **change: Any
) -> Books:
    """Reads the ledger, adds `added`, replays and writes (with the journal): a use case, in short."""
    stored = await repository.ledger(portfolio.id)
    assert stored is not None
    after = Ledger(portfolio, [*stored.activities, *added])
    books = after.replay(version=stored.version + 1)
    await repository.write(
        [
            LedgerChange(
                portfolio=portfolio,
                expected_version=stored.version,
                books=books,
                put=added,
                audit=tuple(audit(portfolio, a) for a in added),
                activities=tuple(after.activities.values()),
                **change,
            )
        ]
    )
    return books


@contextmanager
def count_calls(store: Any) -> Iterator[list[str]]:
    """The names of the DynamoDB operations the store's client makes inside the block."""
    calls: list[str] = []

    def count(model: Any, **_: Any) -> None:
        calls.append(model.name)

    store.client.meta.events.register("before-call.dynamodb", count)
    try:
        yield calls
    finally:
        store.client.meta.events.unregister("before-call.dynamodb", count)


async def raw_item(store: Any, key: dict[str, str]) -> dict[str, Any] | None:
    response = await store.client.get_item(TableName=store.table, Key=to_item(key), ConsistentRead=True)
    item = response.get("Item")
    return from_item(item) if item else None
