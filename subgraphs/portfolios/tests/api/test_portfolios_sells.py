"""sellInvestment through GraphQL (in-process ASGI), against DynamoDB Local: hand-computed FIFO and
AVERAGE sales, every error code a sale can answer (writing nothing), idempotency, and races."""

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from kit.aws.dynamo import to_item
from portfolios.adapters import items, table
from portfolios.adapters.repository import (
    DynamoCustomerDirectory,
    DynamoFxReferenceRates,
    DynamoPortfolioRepository,
)
from portfolios.services import PortfolioService
from ulid import ULID

FUTURE = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()


def usd(amount):
    return {"amount": amount, "currencyCode": "USD"}


def codes(payload):
    return sorted((tuple(e["field"]), e["code"]) for e in payload["userErrors"])


async def three_lots(api, customer, method):
    """L1: 10 @ 100 + 5 fees = 1005 (10 Jan), L2: 10 @ 120 = 1200 (10 Feb), L3: 5 @ 150 = 750 (10 Mar),
    recorded newest first so that only purchase dates can put them in order."""
    portfolio = await api.create_portfolio(customer, costBasisMethod=method)
    l3 = await api.add_investment(
        portfolio["id"], quantity="5", purchasePrice=usd("150"), purchasedAt="2024-03-10"
    )
    l2 = await api.add_investment(
        portfolio["id"], quantity="10", purchasePrice=usd("120"), purchasedAt="2024-02-10"
    )
    l1 = await api.add_investment(
        portfolio["id"], quantity="10", purchasePrice=usd("100"), purchasedAt="2024-01-10", fees=usd("5")
    )
    return portfolio["id"], l1["id"], l2["id"], l3["id"]


async def test_fifo_sale_by_hand(api, customer):
    pid, l1, l2, l3 = await three_lots(api, customer, "FIFO")
    before = await api.kinds(pid)
    sold = await api.sell(pid, quantity="15", price=usd("130"), fees=usd("10"), soldAt="2024-04-01")
    # FIFO: L1 whole (1005) + 5 of L2's 10 (1200 * 5 / 10 = 600) = 1605 consumed.
    # Proceeds 15 * 130 - 10 = 1940; gain 1940 - 1605 = 335.
    assert sold["realizedGain"] == usd("335.00")
    assert sold["activity"]["type"] == "SELL" and sold["activity"]["occurredAt"] == "2024-04-01"
    assert sold["activity"]["lots"] == [
        {"investmentId": l1, "quantity": "10"},
        {"investmentId": l2, "quantity": "5"},
    ]
    (aapl,) = sold["portfolio"]["positions"]
    # left: 5 of L2 (600) + L3 (750) = 10 shares, 1350
    assert (aapl["quantity"], aapl["costBasis"], aapl["realizedGain"]) == (
        "10",
        usd("1350.00"),
        usd("335.00"),
    )
    assert aapl["averageCost"] == {"amount": "135"}  # a unit price: trailing zeros trimmed
    assert [(x["id"], x["remainingQuantity"], x["remainingCostBasis"]["amount"]) for x in aapl["lots"]] == [
        (l2, "5", "600.00"),
        (l3, "5", "750.00"),
    ]
    # The sale added its activity, its audit entry and its ref; the lots live in the projection.
    after = await api.kinds(pid)
    assert [after[k] - before[k] for k in ("ACTIVITY", "AUDIT", "REF", "IDEMPOTENCY")] == [1, 1, 1, 0]

    # Selling the rest (10 @ 140, no fees): 1400 - 1350 = 50. The position is gone; 385 realized.
    rest = await api.sell(pid, quantity="10", price=usd("140"), soldAt="2024-04-02")
    assert rest["realizedGain"] == usd("50.00")
    assert rest["portfolio"]["positions"] == []
    state = await api.state(pid)
    assert state["realizedGain"] == usd("385.00")
    assert state["positions"] == []
    assert sorted(i["remainingQuantity"] for i in state["investments"]) == ["0", "0", "0"]
    assert [e["node"]["type"] for e in state["activities"]["edges"]] == ["SELL", "SELL", "BUY", "BUY", "BUY"]
    assert [e["node"]["realizedGain"] for e in state["activities"]["edges"][:2]] == [
        {"amount": "50.00"},
        {"amount": "335.00"},
    ]


async def test_average_sale_by_hand(api, customer):
    pid, l1, l2, l3 = await three_lots(api, customer, "AVERAGE")
    sold = await api.sell(pid, quantity="15", price=usd("130"), fees=usd("10"), soldAt="2024-04-01")
    # 25 shares cost 1005 + 1200 + 750 = 2955; 15 of them at the average cost: 2955 * 15 / 25 = 1773.
    # Proceeds 15 * 130 - 10 = 1940; 1940 - 1773 = 167.
    assert sold["realizedGain"] == usd("167.00")
    (aapl,) = sold["portfolio"]["positions"]
    # 10 shares left at 2955 - 1773 = 1182, i.e. 118.2 each. The pool's shares leave oldest first:
    # L1's 10, then 5 of L2's; L2 and L3 keep 5 each, at the average: 5 * 118.2 = 591.00.
    assert aapl["quantity"] == "10" and aapl["averageCost"] == {"amount": "118.2"}
    assert aapl["costBasis"] == usd("1182.00")
    assert [(x["id"], x["remainingQuantity"], x["remainingCostBasis"]["amount"]) for x in aapl["lots"]] == [
        (l2, "5", "591.00"),
        (l3, "5", "591.00"),
    ]
    assert sold["activity"]["lots"] == [
        {"investmentId": l1, "quantity": "10"},
        {"investmentId": l2, "quantity": "5"},
    ]


async def test_sale_in_another_currency(api, customer):
    portfolio = await api.create_portfolio(customer)
    await api.add_investment(
        portfolio["id"],
        symbol="SAP",
        quantity="10",
        purchasePrice={"amount": "100", "currencyCode": "EUR"},
        fxRate="1.10",
    )
    eur = {"amount": "120", "currencyCode": "EUR"}
    before = await api.snapshot()
    missing_rate = await api.sell_payload(portfolio["id"], symbol="SAP", quantity="4", price=eur)
    assert codes(missing_rate) == [(("input", "fxRate"), "FX_RATE_REQUIRED")]
    assert missing_rate["realizedGain"] is None and missing_rate["portfolio"] is None
    assert await api.snapshot() == before
    sold = await api.sell(
        portfolio["id"],
        symbol="SAP",
        quantity="4",
        price=eur,
        fees={"amount": "2", "currencyCode": "EUR"},
        fxRate="1.20",
    )
    # cost 10 * 100 * 1.10 = 1100 USD, 4 of 10 -> 440; proceeds (480 - 2) * 1.20 = 573.6; gain 133.6
    assert sold["realizedGain"] == usd("133.60")  # 573.60 - 440.0


def _bad_sales():
    return [
        ({"quantity": "25.00000001"}, [(("input", "quantity"), "INSUFFICIENT_QUANTITY")]),
        ({"symbol": "MSFT"}, [(("input", "quantity"), "INSUFFICIENT_QUANTITY")]),
        ({"quantity": "0"}, [(("input", "quantity"), "INVALID")]),
        ({"quantity": "1.123456789"}, [(("input", "quantity"), "INVALID")]),
        ({"soldAt": FUTURE}, [(("input", "soldAt"), "INVALID")]),
        # On 15 Jan only L1's 10 shares were held: 11 cannot have been sold then.
        ({"quantity": "11", "soldAt": "2024-01-15"}, [(("input", "quantity"), "INSUFFICIENT_QUANTITY")]),
        ({"price": {"amount": "-1", "currencyCode": "USD"}}, [(("input", "price", "amount"), "INVALID")]),
        ({"fees": {"amount": "1", "currencyCode": "EUR"}}, [(("input", "fees", "currencyCode"), "INVALID")]),
        ({"portfolioId": "MISSING"}, [(("input", "portfolioId"), "NOT_FOUND")]),
        ({"portfolioId": "p-1"}, [(("input", "portfolioId"), "INVALID")]),
    ]


@pytest.fixture(scope="module")
async def fifo_book(api, customer):
    return await three_lots(api, customer, "FIFO")


@pytest.mark.parametrize(("overrides", "expected"), _bad_sales())
async def test_bad_sales_answer_user_errors_and_write_nothing(api, fifo_book, overrides, expected):
    pid = fifo_book[0]
    if overrides.get("portfolioId") == "MISSING":
        overrides = {**overrides, "portfolioId": str(ULID())}
    before = await api.snapshot()
    payload = await api.sell_payload(pid, **overrides)
    assert codes(payload) == expected
    assert (payload["realizedGain"], payload["activity"], payload["portfolio"]) == (None, None, None)
    assert await api.snapshot() == before
    if overrides.get("soldAt") == "2024-01-15":
        assert "2024-01-15" in payload["userErrors"][0]["message"]
    assert (await api.state(pid))["positions"][0]["quantity"] == "25"


async def test_sale_idempotency(api, customer):
    pid, *_ = await three_lots(api, customer, "FIFO")
    first = await api.sell(pid, quantity="3", idempotencyKey="sale-1")
    before = await api.snapshot()
    api.runtime.counter.reset()
    again = await api.sell(pid, quantity="3.000", symbol=" aapl", idempotencyKey="sale-1")
    assert api.calls.get("TransactWriteItems", 0) == 0
    assert again["activity"]["id"] == first["activity"]["id"]
    assert again["realizedGain"] == first["realizedGain"]
    assert again["portfolio"]["positions"][0]["quantity"] == "22"  # 25 - 3, sold once
    assert await api.snapshot() == before
    kinds = await api.kinds(pid)

    reused = await api.sell_payload(pid, quantity="4", idempotencyKey="sale-1")
    assert codes(reused) == [(("input", "idempotencyKey"), "IDEMPOTENCY_KEY_REUSED")]
    # A purchase's key cannot be replayed as a sale either.
    await api.add_investment(pid, idempotencyKey="order-9")
    crossed = await api.sell_payload(pid, idempotencyKey="order-9")
    assert codes(crossed) == [(("input", "idempotencyKey"), "IDEMPOTENCY_KEY_REUSED")]
    # Only the purchase was written: its activity, audit entry, ref and key record.
    after = await api.kinds(pid)
    assert [after[k] - kinds[k] for k in ("ACTIVITY", "AUDIT", "REF", "IDEMPOTENCY")] == [1, 1, 1, 1]


@pytest.mark.parametrize("method", ["FIFO", "AVERAGE"])
async def test_two_concurrent_sales_of_60_percent_one_wins(api, customer, method):
    portfolio = await api.create_portfolio(customer, costBasisMethod=method)
    for quantity, day in (("4", "2024-01-02"), ("3.5", "2024-01-03"), ("2.5", "2024-01-04")):
        await api.add_investment(portfolio["id"], quantity=quantity, purchasedAt=day)
    before = await api.kinds(portfolio["id"])
    results = await asyncio.gather(*(api.sell_payload(portfolio["id"], quantity="6") for _ in range(2)))
    outcomes = sorted(tuple(e["code"] for e in r["userErrors"]) for r in results)
    assert outcomes == [(), ("INSUFFICIENT_QUANTITY",)]
    state = await api.state(portfolio["id"])
    (position,) = state["positions"]
    assert Decimal(position["quantity"]) == Decimal(4)  # 10 - 6
    assert sum(Decimal(i["remainingQuantity"]) for i in state["investments"]) == Decimal(4)
    assert [e["node"]["type"] for e in state["activities"]["edges"]].count("SELL") == 1
    after = await api.kinds(portfolio["id"])  # one SELL: its activity, audit entry and ref
    assert [after[k] - before[k] for k in ("ACTIVITY", "AUDIT", "REF")] == [1, 1, 1]


async def test_many_concurrent_sales_never_sell_more_than_is_held(api, customer):
    portfolio = await api.create_portfolio(customer)
    for day in ("2024-01-02", "2024-01-03"):
        await api.add_investment(portfolio["id"], quantity="5", purchasedAt=day)
    results = await asyncio.gather(*(api.sell_payload(portfolio["id"], quantity="2") for _ in range(8)))
    succeeded = [r for r in results if not r["userErrors"]]
    failed = {e["code"] for r in results for e in r["userErrors"]}
    assert failed <= {"INSUFFICIENT_QUANTITY", "CONFLICT"}
    assert 1 <= len(succeeded) <= 5
    state = await api.state(portfolio["id"])
    held = sum(Decimal(i["remainingQuantity"]) for i in state["investments"])
    assert held == 10 - 2 * len(succeeded)
    assert [e["node"]["type"] for e in state["activities"]["edges"]].count("SELL") == len(succeeded)
    # each sold 2 @ 200 of lots costing 150.25 a share: 2 * (200 - 150.25) = 99.50 each
    assert Decimal(state["realizedGain"]["amount"]) == Decimal("99.50") * len(succeeded)


class InterferingRepository(DynamoPortfolioRepository):
    """Another writer moves the portfolio's version on right after each read of its ledger, so every
    write conditioned on the version read loses its race."""

    async def ledger(self, portfolio_id):
        ledger = await super().ledger(portfolio_id)
        await self._client.update_item(
            TableName=self._table,
            Key=to_item(table.portfolio_key(portfolio_id)),
            UpdateExpression="SET #v = #v + :one",
            ExpressionAttributeNames={"#v": items.VERSION},
            ExpressionAttributeValues=to_item({":one": 1}),
        )
        return ledger


async def test_conflict_after_bounded_retries_writes_nothing(api, customer):
    portfolio = await api.create_portfolio(customer)
    await api.add_investment(portfolio["id"])
    runtime = api.runtime
    table_name = runtime.settings.table_name
    original = runtime.service
    runtime.service = PortfolioService(
        InterferingRepository(runtime.dynamodb, table_name),
        DynamoCustomerDirectory(runtime.dynamodb, table_name),
        DynamoFxReferenceRates(runtime.dynamodb, table_name),
        attempts=3,
    )
    key = to_item(table.portfolio_key(portfolio["id"]))
    meta = (await runtime.dynamodb.get_item(TableName=table_name, Key=key, ConsistentRead=True))["Item"]
    try:
        before = await api.snapshot()
        runtime.counter.reset()
        payload = await api.sell_payload(portfolio["id"])
        assert codes(payload) == [(("input",), "CONFLICT")]
        # Three attempts, each losing to the writer that moved the version after its read (the
        # repository sees the version moved before it even sends the transaction).
        assert api.calls["UpdateItem"] == 3
        after = await api.snapshot()
        # Only the interfering writer's version moved (3 times); nothing of the sale was written.
        moved = next(i for i in after if i["sk"]["S"] == "META" and i["pk"] == key["pk"])
        assert int(moved["version"]["N"]) == int(meta["version"]["N"]) + 3
        assert [i for i in after if i is not moved] == [i for i in before if i != meta]
    finally:
        runtime.service = original
        await runtime.dynamodb.put_item(TableName=table_name, Item=meta)  # the projection's version again
    assert (await api.state(portfolio["id"]))["positions"][0]["quantity"] == "10"


async def test_a_sale_may_take_any_number_of_lots(api, customer):
    # More lots than DynamoDB's 100-item transaction limit: it does not show through.
    portfolio = await api.create_portfolio(customer)
    for n in range(120):
        await api.add_investment(portfolio["id"], quantity="1", purchasedAt=f"2024-0{1 + n % 4}-1{n % 10}")
    sold = await api.sell(portfolio["id"], quantity="120")
    # 120 * (200 - 150.25) = 120 * 49.75 = 5970.00
    assert sold["realizedGain"] == usd("5970.00")
    assert len(sold["activity"]["lots"]) == 120
    assert {lot["quantity"] for lot in sold["activity"]["lots"]} == {"1"}
    assert sold["portfolio"]["positions"] == []
    state = await api.state(portfolio["id"])
    assert {i["remainingQuantity"] for i in state["investments"]} == {"0"}
