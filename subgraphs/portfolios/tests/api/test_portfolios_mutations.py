"""createPortfolio and addInvestment through GraphQL (in-process ASGI), against DynamoDB Local.

Every rejected input must answer userErrors and leave the table exactly as it was.
"""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from ulid import ULID

PORTFOLIO = """
query($id: ID!) {
  portfolio(id: $id) {
    id name kind baseCurrency costBasisMethod owner { id }
    positions {
      instrument { symbol } quantity
      costBasis { amount currencyCode } averageCost { amount currencyCode }
      lots { id quantity }
    }
    investments { id instrument { symbol } purchasedAt }
  }
}"""

FUTURE = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()


def codes(payload):
    return sorted((tuple(e["field"]), e["code"]) for e in payload["userErrors"])


@pytest.fixture(scope="module")
async def customer(api):
    return await api.register_customer()


@pytest.fixture(scope="module")
async def usd_portfolio(api, customer):
    return await api.create_portfolio(customer, name="USD book", baseCurrency="USD")


# --- createPortfolio --------------------------------------------------------------------------


async def test_create_portfolio_and_read_it_back(api, customer):
    before = await api.count_items()
    created = await api.create_portfolio(customer, name="  Retirement  ", kind="ROTH_IRA", baseCurrency="EUR")
    assert await api.count_items() == before + 1  # the META item only
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


# --- addInvestment ----------------------------------------------------------------------------


async def test_add_investment_and_see_the_position(api, customer):
    portfolio = await api.create_portfolio(customer)
    assert await api.kinds(portfolio["id"]) == {"META": 1}
    first = await api.add_investment(
        portfolio["id"],
        symbol=" aapl ",
        fees={"amount": "1.00", "currencyCode": "USD"},
        purchasedAt="2024-05-03",
    )
    # The BUY activity, its audit entry, the ref that finds its portfolio by the lot's id, and the
    # projection (one chunk of holdings; no history yet); no idempotency key, so no record of one.
    # The BUY, its audit entry and ref, the projection and the journal (every activity, for fast reads).
    assert await api.kinds(portfolio["id"]) == {
        "META": 1,
        "ACTIVITY": 1,
        "AUDIT": 1,
        "REF": 1,
        "HOLDINGS": 1,
        "JOURNAL": 1,
    }
    assert first["instrument"] == {"symbol": "AAPL"}
    assert first["quantity"] == "10"
    assert first["purchasePrice"] == {"amount": "150.25", "currencyCode": "USD"}
    assert first["fees"] == {"amount": "1.00", "currencyCode": "USD"}
    # 10 * 150.25 + 1.00 = 1503.50
    assert first["costBasis"] == {"amount": "1503.50", "currencyCode": "USD"}
    assert first["purchasedAt"] == "2024-05-03"
    assert first["portfolio"] == {"id": portfolio["id"]}

    second = await api.add_investment(
        portfolio["id"], quantity="5", purchasePrice={"amount": "160.10", "currencyCode": "USD"}
    )
    await api.add_investment(
        portfolio["id"], symbol="MSFT", quantity="2", purchasePrice={"amount": "300", "currencyCode": "USD"}
    )

    read = (await api.data(PORTFOLIO, {"id": portfolio["id"]}))["portfolio"]
    aapl, msft = read["positions"]
    assert aapl["instrument"] == {"symbol": "AAPL"}
    # 10 + 5 = 15; 1503.50 + 5 * 160.10 = 1503.50 + 800.50 = 2304.00
    # 2304.00 / 15 = 153.60 (an exact quotient keeps the dividend's scale)
    assert aapl["quantity"] == "15"
    assert aapl["costBasis"] == {"amount": "2304.00", "currencyCode": "USD"}
    # A unit price keeps its precision, trailing zeros trimmed (DESIGN.md decision 6).
    assert aapl["averageCost"] == {"amount": "153.6", "currencyCode": "USD"}
    # lots in purchase order: 1 May (second) before 3 May (first)
    assert [lot["id"] for lot in aapl["lots"]] == [second["id"], first["id"]]
    assert msft["costBasis"] == {"amount": "600.00", "currencyCode": "USD"}  # 2 * 300, to the cent
    assert [i["purchasedAt"] for i in read["investments"]] == ["2024-05-01", "2024-05-01", "2024-05-03"]


async def test_investment_in_another_currency_with_fx_rate(api, usd_portfolio):
    investment = await api.add_investment(
        usd_portfolio["id"],
        symbol="SAP",
        quantity="4",
        purchasePrice={"amount": "120.50", "currencyCode": "EUR"},
        fees={"amount": "2.00", "currencyCode": "EUR"},
        fxRate="1.0850",
    )
    # A unit price keeps its digits but no trailing zeros; fees are an amount: exactly two decimals.
    assert investment["purchasePrice"] == {"amount": "120.5", "currencyCode": "EUR"}
    assert investment["fees"] == {"amount": "2.00", "currencyCode": "EUR"}
    # (4 * 120.50 + 2.00) * 1.0850 = 484.00 * 1.0850 = 525.14 USD, shown to the cent
    assert investment["costBasis"] == {"amount": "525.14", "currencyCode": "USD"}


async def test_amounts_round_half_even_to_the_cent(api, usd_portfolio):
    # 3 * 0.335 = 1.005 -> 1.00 (half-even keeps the even cent); 1 * 0.125 + 0.0050 fees = 0.13
    # (0.1300 exactly); 7 * 1.0015 = 7.0105 -> 7.01
    for quantity, price, fees, cost in (
        ("3", "0.335", None, "1.00"),
        ("1", "0.125", "0.005", "0.13"),
        ("7", "1.0015", None, "7.01"),
    ):
        extra = {"fees": {"amount": fees, "currencyCode": "USD"}} if fees else {}
        lot = await api.add_investment(
            usd_portfolio["id"],
            symbol="PENNY",
            quantity=quantity,
            purchasePrice={"amount": price, "currencyCode": "USD"},
            **extra,
        )
        assert lot["costBasis"] == {"amount": cost, "currencyCode": "USD"}
        assert lot["purchasePrice"]["amount"] == price  # a unit price is never rounded to the cent


def _bad_inputs():
    eur = {"amount": "10", "currencyCode": "EUR"}
    return [
        ({"portfolioId": "MISSING"}, [(("input", "portfolioId"), "NOT_FOUND")]),
        ({"portfolioId": "p-1"}, [(("input", "portfolioId"), "INVALID")]),
        ({"symbol": "$$$"}, [(("input", "symbol"), "INVALID")]),
        ({"symbol": "A" * 21}, [(("input", "symbol"), "INVALID")]),
        ({"quantity": "0"}, [(("input", "quantity"), "INVALID")]),
        ({"quantity": "-3"}, [(("input", "quantity"), "INVALID")]),
        ({"quantity": "0.123456789"}, [(("input", "quantity"), "INVALID")]),
        (
            {"purchasePrice": {"amount": "-1", "currencyCode": "USD"}},
            [(("input", "purchasePrice", "amount"), "INVALID")],
        ),
        (
            {"purchasePrice": {"amount": "1", "currencyCode": "DOLLARS"}},
            [(("input", "purchasePrice", "currencyCode"), "INVALID")],
        ),
        ({"purchasedAt": FUTURE}, [(("input", "purchasedAt"), "INVALID")]),
        ({"fees": {"amount": "-0.01", "currencyCode": "USD"}}, [(("input", "fees", "amount"), "INVALID")]),
        ({"fees": eur}, [(("input", "fees", "currencyCode"), "INVALID")]),
        ({"purchasePrice": eur}, [(("input", "fxRate"), "FX_RATE_REQUIRED")]),
        ({"purchasePrice": eur, "fxRate": "0"}, [(("input", "fxRate"), "INVALID")]),
        ({"purchasePrice": eur, "fxRate": "-1.08"}, [(("input", "fxRate"), "INVALID")]),
        ({"fxRate": "1.5"}, [(("input", "fxRate"), "INVALID")]),
        ({"idempotencyKey": ""}, [(("input", "idempotencyKey"), "INVALID")]),
        (
            {"symbol": "!", "quantity": "0", "purchasedAt": FUTURE, "purchasePrice": eur},
            [
                (("input", "fxRate"), "FX_RATE_REQUIRED"),
                (("input", "purchasedAt"), "INVALID"),
                (("input", "quantity"), "INVALID"),
                (("input", "symbol"), "INVALID"),
            ],
        ),
    ]


@pytest.mark.parametrize(("overrides", "expected"), _bad_inputs())
async def test_add_investment_rejects_bad_input_and_writes_nothing(api, usd_portfolio, overrides, expected):
    if overrides.get("portfolioId") == "MISSING":
        overrides = {**overrides, "portfolioId": str(ULID())}
    before = await api.count_items()
    payload = await api.add_investment_payload(usd_portfolio["id"], **overrides)
    assert payload["investment"] is None
    assert codes(payload) == sorted(expected)
    assert await api.count_items() == before


async def test_malformed_scalars_are_graphql_errors(api, usd_portfolio):
    # Not a date / not a number cannot even be coerced into the input: a GraphQL error, no data.
    before = await api.count_items()
    for overrides in ({"purchasedAt": "2024-13-45"}, {"quantity": "ten"}):
        body = await api.gql(
            "mutation($input: AddInvestmentInput!) { addInvestment(input: $input) { investment { id } } }",
            {"input": api.investment_input(usd_portfolio["id"], **overrides)},
        )
        assert body.get("data") is None and body["errors"]
    assert await api.count_items() == before


# --- idempotency ------------------------------------------------------------------------------


async def test_idempotency_replay_returns_the_first_lot_and_writes_nothing(api, customer):
    portfolio = await api.create_portfolio(customer)
    first = await api.add_investment(portfolio["id"], idempotencyKey="order-1", quantity="10")
    # The BUY, its audit entry, its ref, the projection and the key's record (with the first result).
    recorded = {"META": 1, "ACTIVITY": 1, "AUDIT": 1, "REF": 1, "HOLDINGS": 1, "JOURNAL": 1, "IDEMPOTENCY": 1}
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
