"""The DynamoDB adapter: item mapping, table layout, and the repository against DynamoDB Local."""

from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
from kit.dynamo import dynamodb_client, ensure_table
from kit.money import Amount
from kit.testing import unique_table_name
from portfolios.adapters import items
from portfolios.adapters.repository import DynamoCustomerDirectory, DynamoPortfolioRepository
from portfolios.adapters.table import table_definition
from portfolios.app import PortfoliosSettings
from portfolios.domain.model import (
    ActivityType,
    CostBasisMethod,
    Lot,
    Portfolio,
    PortfolioKind,
    PortfolioStatus,
    PositionSummary,
    lot_activity,
)
from portfolios.domain.ports import IdempotencyRecord, WriteConflict
from portfolios.domain.validation import CustomerStatus
from ulid import ULID

NOW = datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=UTC)


def portfolio(customer_id, created_at=NOW, currency="USD"):
    return Portfolio(
        id=str(ULID.from_datetime(created_at)),
        customer_id=customer_id,
        name="Main",
        kind=PortfolioKind.K401,
        base_currency=currency,
        cost_basis_method=CostBasisMethod.AVERAGE,
        created_at=created_at,
    )


def lot(
    portfolio_id, symbol="AAPL", fees=None, fx=None, currency="USD", remaining=None, version=1, customer=None
):
    quantity = D("10.50000000")
    return Lot(
        id=str(ULID()),
        portfolio_id=portfolio_id,
        symbol=symbol,
        quantity=quantity,
        purchase_price=Amount(D("150.00"), currency),
        purchased_at=date(2024, 4, 30),
        fees=fees,
        fx_rate=fx,
        base_currency="USD",
        created_at=NOW,
        remaining_quantity=quantity if remaining is None else D(remaining),
        remaining_cost=D("1575.00000000") if remaining is None else D("100.5"),
        version=version,
        customer_id=customer,
    )


def buy(x):
    return lot_activity(str(ULID()), ActivityType.BUY, x, NOW)


def test_table_definition_has_the_book_index():
    definition = table_definition("t")
    assert definition["BillingMode"] == "PAY_PER_REQUEST"
    assert [k["AttributeName"] for k in definition["KeySchema"]] == ["pk", "sk"]
    (gsi,) = definition["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == "gsi1"
    assert [k["AttributeName"] for k in gsi["KeySchema"]] == ["gsi1pk", "gsi1sk"]
    assert gsi["Projection"] == {"ProjectionType": "ALL"}


def test_item_keys():
    p = portfolio("C1")
    item = items.portfolio_item(p)
    assert (item["pk"], item["sk"], item["gsi1pk"], item["gsi1sk"]) == (
        f"PORTFOLIO#{p.id}",
        "META",
        "CUSTOMER#C1",
        f"PORTFOLIO#{p.id}#META",
    )
    x = lot(p.id)
    lot_item = items.lot_item(x, "C1")
    assert (lot_item["pk"], lot_item["sk"], lot_item["gsi1pk"], lot_item["gsi1sk"]) == (
        f"PORTFOLIO#{p.id}",
        f"LOT#{x.id}",
        "CUSTOMER#C1",
        f"PORTFOLIO#{p.id}#LOT#{x.id}",
    )
    copy = items.investment_item(x, "C1")
    assert (copy["pk"], copy["sk"]) == (f"INVESTMENT#{x.id}", "LOT") and "gsi1pk" not in copy
    # Both copies name the owner: an Investment reference is checked without reading the portfolio.
    assert copy["customerId"] == lot_item["customerId"] == "C1"


@pytest.mark.parametrize(
    ("fees", "fx"), [(None, None), (Amount(D("1.50"), "EUR"), D("1.0850")), (Amount(D("0"), "EUR"), None)]
)
def test_items_round_trip_keeping_scale(fees, fx):
    p = portfolio("C1")
    x = lot(p.id, fees=fees, fx=fx, currency="EUR" if fees else "USD", customer="C1")
    assert items.portfolio_from(items.portfolio_item(p)) == p
    back = items.lot_from(items.lot_item(x, "C1"))
    assert back == x
    assert str(back.purchase_price.value) == "150.00"  # scale kept: stored as a string
    assert str(back.quantity) == "10.50000000"


@pytest.fixture(scope="module")
async def dynamo(dynamodb_endpoint):
    settings = PortfoliosSettings(
        dynamodb_endpoint_url=dynamodb_endpoint, table_name=unique_table_name("portfolios")
    )
    async with dynamodb_client(settings) as client:
        await ensure_table(client, table_definition(settings.table_name))
        yield (
            DynamoPortfolioRepository(client, settings.table_name),
            DynamoCustomerDirectory(client, settings.table_name),
        )


async def test_portfolio_needs_a_registered_customer(dynamo):
    repository, directory = dynamo
    customer_id = str(ULID())
    p = portfolio(customer_id)
    with pytest.raises(WriteConflict):
        await repository.create_portfolio(p)
    assert await repository.portfolios([p.id]) == {}
    assert await directory.status(customer_id) is CustomerStatus.UNKNOWN
    await directory.register(customer_id, NOW)
    assert await directory.status(customer_id) is CustomerStatus.ACTIVE
    await repository.create_portfolio(p)
    assert await repository.portfolios([p.id]) == {p.id: p}


async def test_closed_customer_gets_no_portfolio_and_no_lot(dynamo):
    repository, directory = dynamo
    customer_id = str(ULID())
    await directory.register(customer_id, NOW)
    p = portfolio(customer_id)
    await repository.create_portfolio(p)
    await directory.close(customer_id, NOW)
    assert await directory.status(customer_id) is CustomerStatus.CLOSED
    with pytest.raises(WriteConflict):
        await repository.create_portfolio(portfolio(customer_id, created_at=datetime(2024, 6, 1, tzinfo=UTC)))
    x = lot(p.id)
    with pytest.raises(WriteConflict):
        await repository.add_lot(p, x, buy(x), None)
    assert (await repository.ledger(p.id)).lots == ()


async def test_closed_before_registered_stays_closed(dynamo):
    _, directory = dynamo
    customer_id = str(ULID())
    await directory.close(customer_id, NOW)
    await directory.register(customer_id, NOW)  # delivered late
    assert await directory.status(customer_id) is CustomerStatus.CLOSED


async def test_book_returns_portfolios_and_lots_of_one_customer(dynamo):
    repository, directory = dynamo
    customer_id, other_id = str(ULID()), str(ULID())
    for c in (customer_id, other_id):
        await directory.register(c, NOW)
    older = portfolio(customer_id, created_at=datetime(2024, 1, 1, tzinfo=UTC))
    newer = portfolio(customer_id, created_at=datetime(2024, 2, 1, tzinfo=UTC))
    foreign = portfolio(other_id)
    for p in (newer, older, foreign):
        await repository.create_portfolio(p)
    lots = {p.id: [lot(p.id), lot(p.id, symbol="MSFT")] for p in (older, newer, foreign)}
    for p in (older, newer, foreign):
        for x in lots[p.id]:
            await repository.add_lot(p, x, buy(x), None)

    book = await repository.book(customer_id)
    assert book.portfolios == (older, newer)
    assert sorted(x.id for x in book.lots_of(older.id)) == sorted(x.id for x in lots[older.id])
    assert book.lots_of(foreign.id) == ()
    assert sorted(x.id for x in (await repository.ledger(newer.id)).lots) == sorted(
        x.id for x in lots[newer.id]
    )
    by_id = await repository.lots_by_id([x.id for x in lots[newer.id]])
    assert set(by_id) == {x.id for x in lots[newer.id]}


async def test_add_lot_conditions(dynamo):
    repository, directory = dynamo
    customer_id = str(ULID())
    await directory.register(customer_id, NOW)
    p = portfolio(customer_id)
    with pytest.raises(WriteConflict):  # not created yet
        x = lot(p.id)
        await repository.add_lot(p, x, buy(x), None)
    await repository.create_portfolio(p)

    first = lot(p.id)
    await repository.add_lot(p, first, buy(first), IdempotencyRecord("k", first.id, "f1"))
    found, record = await repository.portfolio_and_idempotency(p.id, "k")
    assert found == p and record == IdempotencyRecord("k", first.id, "f1")
    with pytest.raises(WriteConflict):
        second = lot(p.id)
        await repository.add_lot(p, second, buy(second), IdempotencyRecord("k", second.id, "f2"))
    assert [x.id for x in (await repository.ledger(p.id)).lots] == [first.id]  # nothing of it was written


async def test_lot_writes_are_conditioned_on_its_version(dynamo):
    repository, directory = dynamo
    customer_id = str(ULID())
    await directory.register(customer_id, NOW)
    p = portfolio(customer_id)
    await repository.create_portfolio(p)
    x = lot(p.id, customer=customer_id)
    await repository.add_lot(p, x, buy(x), None)
    v2 = x.consumed(D("4"), D("600"))
    assert v2.version == 2
    await repository.update_lot(p, v2, lot_activity(str(ULID()), ActivityType.CORRECTION, v2, NOW))
    # A second writer that read version 1 too loses, and writes nothing (not even its activity).
    stale = x.consumed(D("1"), D("150"))
    with pytest.raises(WriteConflict):
        await repository.update_lot(p, stale, lot_activity(str(ULID()), ActivityType.CORRECTION, stale, NOW))
    with pytest.raises(WriteConflict):
        await repository.remove_lot(p, x, lot_activity(str(ULID()), ActivityType.REMOVAL, x, NOW))
    # Both copies carry version 2.
    (stored,) = (await repository.ledger(p.id)).lots
    assert stored == v2
    assert (await repository.lots_by_id([x.id]))[x.id] == v2
    assert [a.type for a in (await repository.activities(p.id, 10, None)).activities] == [
        ActivityType.CORRECTION,
        ActivityType.BUY,
    ]
    await repository.remove_lot(p, v2, lot_activity(str(ULID()), ActivityType.REMOVAL, v2, NOW))
    assert (await repository.ledger(p.id)).lots == ()
    assert await repository.lots_by_id([x.id]) == {}


async def test_closed_portfolio_takes_no_lot(dynamo):
    repository, directory = dynamo
    customer_id = str(ULID())
    await directory.register(customer_id, NOW)
    p = portfolio(customer_id)
    await repository.create_portfolio(p)
    closed = await repository.close_portfolio(p.id, NOW)
    assert closed.status is PortfolioStatus.CLOSED and closed.closed_at == NOW
    # Closing again keeps the first closing time.
    later = datetime(2025, 1, 1, tzinfo=UTC)
    assert (await repository.close_portfolio(p.id, later)).closed_at == NOW
    x = lot(p.id)
    with pytest.raises(WriteConflict):
        await repository.add_lot(p, x, buy(x), None)
    assert await repository.close_portfolio(str(ULID()), NOW) is None
    assert await repository.rename_portfolio(str(ULID()), "x") is None
    assert (await repository.rename_portfolio(p.id, "Old account")).name == "Old account"


def test_summary_and_legacy_lot_items():
    summary = PositionSummary("P", "AAPL", D("12.50"), D("3"), 2)
    assert items.summary_from(items.summary_item(summary, "C")) == summary
    # A lot stored before sales existed: no remaining fields, no version.
    x = lot("P", fees=Amount(D("1.50"), "USD"))
    legacy = {
        k: v
        for k, v in items.lot_item(x, "C").items()
        if k not in ("remainingQuantity", "remainingCost", "version", "customerId")
    }
    back = items.lot_from(legacy)
    assert back.customer_id is None  # its owner is its portfolio's
    # remaining = the whole lot: 10.5 * 150.00 + 1.50 = 1575.00 + 1.50 = 1576.50
    assert (back.remaining_quantity, back.remaining_cost, back.version) == (
        x.quantity,
        D("1576.5000000000"),
        0,
    )


async def test_rename_and_close_for_an_owner_write_only_that_owners_portfolio(dynamo):
    repository, directory = dynamo
    owner, other = str(ULID()), str(ULID())
    await directory.register(owner, NOW)
    p = portfolio(owner)
    await repository.create_portfolio(p)
    # Someone else's: no rename (None), and close answers the portfolio as it is, still open.
    assert await repository.rename_portfolio(p.id, "Taken", owner=other) is None
    unchanged = await repository.close_portfolio(p.id, NOW, owner=other)
    assert unchanged == p and unchanged.status is PortfolioStatus.OPEN
    assert await repository.portfolios([p.id]) == {p.id: p}
    # The owner's own.
    assert (await repository.rename_portfolio(p.id, "Kept", owner=owner)).name == "Kept"
    closed = await repository.close_portfolio(p.id, NOW, owner=owner)
    assert (closed.name, closed.status) == ("Kept", PortfolioStatus.CLOSED)
