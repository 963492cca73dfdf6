"""createPortfolio, and addInvestment's idempotency keys, through GraphQL (in-process ASGI), against
DynamoDB Local.

Every rejected input must answer userErrors and leave the table exactly as it was.
"""

import asyncio
from datetime import UTC, datetime

import pytest
from ulid import ULID

from .mutations_operations import (
    PORTFOLIO,
    codes,
)

# --- createPortfolio --------------------------------------------------------------------------


async def test_create_portfolio_and_read_it_back(api, customer):
    before = await api.count_items()
    created = await api.create_portfolio(customer, name="  Retirement  ", kind="ROTH_IRA", baseCurrency="EUR")
    assert await api.count_items() == before + 2  # the META item and its PortfolioOpened event item
    assert created["name"] == "Retirement"  # trimmed
    assert (created["kind"], created["baseCurrency"], created["costBasisMethod"]) == (
        "ROTH_IRA",
        "EUR",
        "FIFO",
    )
    assert created["owner"] == {"id": customer}
    assert datetime.fromisoformat(created["createdAt"]).tzinfo is not None
    assert ULID.from_str(created["id"]).datetime <= datetime.now(UTC)

    read = (await api.data(PORTFOLIO, {"id": created["id"]}))["portfolio"]
    assert read["name"] == "Retirement"
    assert read["owner"] == {"id": customer}
    assert read["positions"] == [] and read["investments"] == []


@pytest.mark.parametrize(("given", "expected"), [("AVERAGE", "AVERAGE"), (None, "FIFO")])
async def test_cost_basis_method(api, customer, given, expected):
    created = await api.create_portfolio(customer, costBasisMethod=given)
    assert created["costBasisMethod"] == expected


async def test_unknown_portfolio_reads_as_null(api):
    assert (await api.data(PORTFOLIO, {"id": str(ULID())}))["portfolio"] is None
    assert (await api.data(PORTFOLIO, {"id": "not-an-id"}))["portfolio"] is None


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"name": "   "}, [(("input", "name"), "INVALID")]),
        ({"name": "x" * 101}, [(("input", "name"), "INVALID")]),
        ({"baseCurrency": "usd"}, [(("input", "baseCurrency"), "INVALID")]),
        ({"baseCurrency": "ABC"}, [(("input", "baseCurrency"), "INVALID")]),
        ({"customerId": "c-42"}, [(("input", "customerId"), "INVALID")]),
        ({"customerId": "UNREGISTERED"}, [(("input", "customerId"), "NOT_FOUND")]),
        (
            {"customerId": "UNREGISTERED", "name": "", "baseCurrency": "$$$"},
            [
                (("input", "baseCurrency"), "INVALID"),
                (("input", "customerId"), "NOT_FOUND"),
                (("input", "name"), "INVALID"),
            ],
        ),
    ],
)
async def test_create_portfolio_rejects_bad_input_and_writes_nothing(api, customer, overrides, expected):
    if overrides.get("customerId") == "UNREGISTERED":
        overrides = {**overrides, "customerId": str(ULID())}  # well-formed, never registered
    before = await api.count_items()
    payload = await api.create_portfolio_payload(customer, **overrides)
    assert payload["portfolio"] is None
    assert codes(payload) == sorted(expected)
    assert all(e["message"] for e in payload["userErrors"])
    assert await api.count_items() == before


# --- idempotency ------------------------------------------------------------------------------


async def test_idempotency_replay_returns_the_first_lot_and_writes_nothing(api, customer):
    portfolio = await api.create_portfolio(customer)
    first = await api.add_investment(portfolio["id"], idempotencyKey="order-1", quantity="10")
    # The BUY, its audit entry, its ref, the projection (holdings, timeline), the journal and the
    # key's record (with the first result).
    recorded = {
        "META": 1,
        "ACTIVITY": 1,
        "AUDIT": 1,
        "REF": 1,
        "HOLDINGS": 1,
        "TIMELINE": 1,
        "JOURNAL": 1,
        "IDEMPOTENCY": 1,
    }
    assert await api.kinds(portfolio["id"]) == recorded
    before = await api.snapshot()

    api.runtime.counter.reset()
    # Same input, spelt differently (10.00 vs 10, lower-case symbol): the same lot comes back.
    replay = await api.add_investment(
        portfolio["id"], idempotencyKey="order-1", quantity="10.00", symbol="aapl"
    )
    assert api.calls.get("TransactWriteItems", 0) == 0
    assert replay == first
    assert await api.snapshot() == before

    read = (await api.data(PORTFOLIO, {"id": portfolio["id"]}))["portfolio"]
    assert [i["id"] for i in read["investments"]] == [first["id"]]


async def test_idempotency_key_reused_with_other_input(api, customer):
    portfolio = await api.create_portfolio(customer)
    await api.add_investment(portfolio["id"], idempotencyKey="order-2")
    before = await api.count_items()
    payload = await api.add_investment_payload(portfolio["id"], idempotencyKey="order-2", quantity="11")
    assert payload["investment"] is None
    assert codes(payload) == [(("input", "idempotencyKey"), "IDEMPOTENCY_KEY_REUSED")]
    assert await api.count_items() == before


async def test_idempotency_keys_are_per_portfolio(api, customer):
    one, two = await api.create_portfolio(customer), await api.create_portfolio(customer)
    a = await api.add_investment(one["id"], idempotencyKey="same")
    b = await api.add_investment(two["id"], idempotencyKey="same")
    assert a["id"] != b["id"]


async def test_concurrent_requests_with_one_key_record_one_lot(api, customer):
    portfolio = await api.create_portfolio(customer)
    results = await asyncio.gather(
        *(api.add_investment(portfolio["id"], idempotencyKey="burst") for _ in range(5))
    )
    assert len({r["id"] for r in results}) == 1
    # One BUY (with its audit entry, ref and key record), not five.
    kinds = await api.kinds(portfolio["id"])
    assert (kinds["ACTIVITY"], kinds["AUDIT"], kinds["REF"], kinds["IDEMPOTENCY"]) == (1, 1, 1, 1)
    state = await api.state(portfolio["id"])
    assert [i["id"] for i in state["investments"]] == [results[0]["id"]]
    assert state["positions"][0]["quantity"] == "10"
