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
from portfolios.domain.model import CostBasisMethod, Lot, Portfolio, PortfolioKind
from portfolios.domain.ports import (
    CustomerNotRegistered,
    IdempotencyKeyTaken,
    IdempotencyRecord,
    PortfolioMissing,
)
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


def lot(portfolio_id, symbol="AAPL", fees=None, fx=None, currency="USD"):
    return Lot(
        id=str(ULID()),
        portfolio_id=portfolio_id,
        symbol=symbol,
        quantity=D("10.50000000"),
        purchase_price=Amount(D("150.00"), currency),
        purchased_at=date(2024, 4, 30),
        fees=fees,
        fx_rate=fx,
        base_currency="USD",
        created_at=NOW,
    )


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
    copy = items.investment_item(x)
    assert (copy["pk"], copy["sk"]) == (f"INVESTMENT#{x.id}", "LOT") and "gsi1pk" not in copy


@pytest.mark.parametrize(
    ("fees", "fx"), [(None, None), (Amount(D("1.50"), "EUR"), D("1.0850")), (Amount(D("0"), "EUR"), None)]
)
def test_items_round_trip_keeping_scale(fees, fx):
    p = portfolio("C1")
    x = lot(p.id, fees=fees, fx=fx, currency="EUR" if fees else "USD")
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
    with pytest.raises(CustomerNotRegistered):
        await repository.create_portfolio(p)
    assert await repository.portfolios([p.id]) == {}
    await directory.register(customer_id, NOW)
    assert await directory.is_registered(customer_id)
    await repository.create_portfolio(p)
    assert await repository.portfolios([p.id]) == {p.id: p}


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
            await repository.add_lot(p, x, None)

    book = await repository.book(customer_id)
    assert book.portfolios == (older, newer)
    assert sorted(x.id for x in book.lots_of(older.id)) == sorted(x.id for x in lots[older.id])
    assert book.lots_of(foreign.id) == ()
    assert sorted(x.id for x in await repository.lots(newer.id)) == sorted(x.id for x in lots[newer.id])
    by_id = await repository.lots_by_id([x.id for x in lots[newer.id]])
    assert set(by_id) == {x.id for x in lots[newer.id]}


async def test_add_lot_conditions(dynamo):
    repository, directory = dynamo
    customer_id = str(ULID())
    await directory.register(customer_id, NOW)
    p = portfolio(customer_id)
    with pytest.raises(PortfolioMissing):  # not created yet
        await repository.add_lot(p, lot(p.id), None)
    await repository.create_portfolio(p)

    first = lot(p.id)
    await repository.add_lot(p, first, IdempotencyRecord("k", first.id, "f1"))
    found, record = await repository.portfolio_and_idempotency(p.id, "k")
    assert found == p and record == IdempotencyRecord("k", first.id, "f1")
    with pytest.raises(IdempotencyKeyTaken):
        second = lot(p.id)
        await repository.add_lot(p, second, IdempotencyRecord("k", second.id, "f2"))
    assert [x.id for x in await repository.lots(p.id)] == [first.id]  # the cancelled lot was not written
