"""sellInvestment through GraphQL (in-process ASGI), against DynamoDB Local: hand-computed FIFO and
AVERAGE sales, every error code a sale can answer (writing nothing), idempotency, and races."""

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from kit.dynamo import to_item
from portfolios.adapters import items
from portfolios.adapters.repository import DynamoCustomerDirectory, DynamoPortfolioRepository
from portfolios.services import MAX_LOTS_PER_SALE, PortfolioService
from ulid import ULID

FUTURE = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()


def usd(amount):
    return {"amount": amount, "currencyCode": "USD"}


def codes(payload):
    return sorted((tuple(e["field"]), e["code"]) for e in payload["userErrors"])


@pytest.fixture(scope="module")
async def customer(api):
    return await api.register_customer()


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
    before = await api.count_items()
    sold = await api.sell(pid, quantity="15", price=usd("130"), fees=usd("10"), soldAt="2024-04-01")
    # FIFO: L1 whole (1005) + 5 of L2's 10 (1200 * 5 / 10 = 600) = 1605 consumed.
    # Proceeds 15 * 130 - 10 = 1940; gain 1940 - 1605 = 335.
    assert sold["realizedGain"] == usd("335")
    assert sold["activity"]["type"] == "SELL" and sold["activity"]["occurredAt"] == "2024-04-01"
    assert sold["activity"]["lots"] == [
        {"investmentId": l1, "quantity": "10"},
        {"investmentId": l2, "quantity": "5"},
    ]
    (aapl,) = sold["portfolio"]["positions"]
    # left: 5 of L2 (600) + L3 (750) = 10 shares, 1350
    assert (aapl["quantity"], aapl["costBasis"], aapl["realizedGain"]) == ("10", usd("1350"), usd("335"))
    assert aapl["averageCost"] == {"amount": "135"}
    assert [(x["id"], x["remainingQuantity"], x["remainingCostBasis"]["amount"]) for x in aapl["lots"]] == [
        (l2, "5", "600"),
        (l3, "5", "750"),
    ]
    # The sale added its activity and the position summary; the lots were rewritten in place.
    assert await api.count_items() == before + 2

    # Selling the rest (10 @ 140, no fees): 1400 - 1350 = 50. The position is gone; 385 realized.
    rest = await api.sell(pid, quantity="10", price=usd("140"), soldAt="2024-04-02")
    assert rest["realizedGain"] == usd("50")
    assert rest["portfolio"]["positions"] == []
    state = await api.state(pid)
    assert state["realizedGain"] == usd("385")
    assert state["positions"] == []
    assert sorted(i["remainingQuantity"] for i in state["investments"]) == ["0", "0", "0"]
    assert [e["node"]["type"] for e in state["activities"]["edges"]] == ["SELL", "SELL", "BUY", "BUY", "BUY"]
    assert [e["node"]["realizedGain"] for e in state["activities"]["edges"][:2]] == [
        {"amount": "50"},
        {"amount": "335"},
    ]


async def test_average_sale_by_hand(api, customer):
    pid, l1, l2, l3 = await three_lots(api, customer, "AVERAGE")
    sold = await api.sell(pid, quantity="15", price=usd("130"), fees=usd("10"), soldAt="2024-04-01")
    # 25 shares cost 2955; 15 of them at the average cost: 2955 * 15 / 25 = 1773. 1940 - 1773 = 167.
    assert sold["realizedGain"] == usd("167")
    (aapl,) = sold["portfolio"]["positions"]
    # 10 shares left at 2955 - 1773 = 1182, i.e. 118.2 each; every lot gave up 60%: 4, 4, 2 left.
    assert aapl["quantity"] == "10" and aapl["averageCost"] == {"amount": "118.2"}
    assert Decimal(aapl["costBasis"]["amount"]) == Decimal("1182")  # 472.8 + 472.8 + 236.4 = 1182.0
    assert [(x["id"], x["remainingQuantity"], x["remainingCostBasis"]["amount"]) for x in aapl["lots"]] == [
        (l1, "4", "472.8"),
        (l2, "4", "472.8"),
        (l3, "2", "236.4"),
    ]
    assert sold["activity"]["lots"] == [
        {"investmentId": l1, "quantity": "6"},
        {"investmentId": l2, "quantity": "6"},
        {"investmentId": l3, "quantity": "3"},
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
    before = await api.count_items()
    missing_rate = await api.sell_payload(portfolio["id"], symbol="SAP", quantity="4", price=eur)
    assert codes(missing_rate) == [(("input", "fxRate"), "FX_RATE_REQUIRED")]
    assert missing_rate["realizedGain"] is None and missing_rate["portfolio"] is None
    assert await api.count_items() == before
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
        ({"quantity": "11", "soldAt": "2024-01-15"}, [(("input", "soldAt"), "INVALID")]),
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
    before = await api.count_items()
    payload = await api.sell_payload(pid, **overrides)
    assert codes(payload) == expected
    assert (payload["realizedGain"], payload["activity"], payload["portfolio"]) == (None, None, None)
    assert await api.count_items() == before
    assert (await api.state(pid))["positions"][0]["quantity"] == "25"


async def test_sale_idempotency(api, customer):
    pid, *_ = await three_lots(api, customer, "FIFO")
    first = await api.sell(pid, quantity="3", idempotencyKey="sale-1")
    before = await api.count_items()
    api.runtime.counter.reset()
    again = await api.sell(pid, quantity="3.000", symbol=" aapl", idempotencyKey="sale-1")
    assert api.calls.get("TransactWriteItems", 0) == 0
    assert again["activity"]["id"] == first["activity"]["id"]
    assert again["realizedGain"] == first["realizedGain"]
    assert again["portfolio"]["positions"][0]["quantity"] == "22"  # 25 - 3, sold once
    assert await api.count_items() == before

    reused = await api.sell_payload(pid, quantity="4", idempotencyKey="sale-1")
    assert codes(reused) == [(("input", "idempotencyKey"), "IDEMPOTENCY_KEY_REUSED")]
    # A purchase's key cannot be replayed as a sale either.
    await api.add_investment(pid, idempotencyKey="order-9")
    crossed = await api.sell_payload(pid, idempotencyKey="order-9")
    assert codes(crossed) == [(("input", "idempotencyKey"), "IDEMPOTENCY_KEY_REUSED")]
    assert await api.count_items() == before + 4  # only the purchase: lot, copy, activity, record


@pytest.mark.parametrize("method", ["FIFO", "AVERAGE"])
async def test_two_concurrent_sales_of_60_percent_one_wins(api, customer, method):
    portfolio = await api.create_portfolio(customer, costBasisMethod=method)
    for quantity, day in (("4", "2024-01-02"), ("3.5", "2024-01-03"), ("2.5", "2024-01-04")):
        await api.add_investment(portfolio["id"], quantity=quantity, purchasedAt=day)
    before = await api.count_items()
    results = await asyncio.gather(*(api.sell_payload(portfolio["id"], quantity="6") for _ in range(2)))
    outcomes = sorted(tuple(e["code"] for e in r["userErrors"]) for r in results)
    assert outcomes == [(), ("INSUFFICIENT_QUANTITY",)]
    state = await api.state(portfolio["id"])
    (position,) = state["positions"]
    assert Decimal(position["quantity"]) == Decimal(4)  # 10 - 6
    assert sum(Decimal(i["remainingQuantity"]) for i in state["investments"]) == Decimal(4)
    assert [e["node"]["type"] for e in state["activities"]["edges"]].count("SELL") == 1
    assert await api.count_items() == before + 2  # one SELL activity, one position summary


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
    """Another writer bumps every lot's version right after each read, so every sale loses its race."""

    async def ledger(self, portfolio_id):
        ledger = await super().ledger(portfolio_id)
        for lot in ledger.lots:
            for key in (items.lot_key(portfolio_id, lot.id), items.investment_key(lot.id)):
                await self._client.update_item(
                    TableName=self._table,
                    Key=to_item(key),
                    UpdateExpression="SET #v = #v + :one",
                    ExpressionAttributeNames={"#v": "version"},
                    ExpressionAttributeValues=to_item({":one": 1}),
                )
        return ledger


async def test_conflict_after_bounded_retries_writes_nothing(api, customer):
    portfolio = await api.create_portfolio(customer)
    await api.add_investment(portfolio["id"])
    runtime = api.runtime
    table = runtime.settings.table_name
    original = runtime.service
    runtime.service = PortfolioService(
        InterferingRepository(runtime.dynamodb, table),
        DynamoCustomerDirectory(runtime.dynamodb, table),
        attempts=3,
    )
    try:
        before = await api.count_items()
        runtime.counter.reset()
        payload = await api.sell_payload(portfolio["id"])
        assert codes(payload) == [(("input",), "CONFLICT")]
        assert api.calls["TransactWriteItems"] == 3  # three attempts, each cancelled
        assert await api.count_items() == before
    finally:
        runtime.service = original
    assert (await api.state(portfolio["id"]))["positions"][0]["quantity"] == "10"


async def test_a_sale_may_change_at_most_48_lots(api, customer):
    portfolio = await api.create_portfolio(customer, costBasisMethod="AVERAGE")
    await asyncio.gather(
        *(api.add_investment(portfolio["id"], quantity="1") for _ in range(MAX_LOTS_PER_SALE + 1))
    )
    before = await api.count_items()
    payload = await api.sell_payload(portfolio["id"], quantity="1")
    assert codes(payload) == [(("input", "quantity"), "INVALID")]
    assert "48" in payload["userErrors"][0]["message"]
    assert await api.count_items() == before
