"""addInvestment through GraphQL on DynamoDB Local: the lot and its position, another currency at its
fxRate, rounding half-even to the cent, and bad input refused with nothing written.
"""

import pytest
from ulid import ULID

from .mutations_operations import (
    FUTURE,
    PORTFOLIO,
    codes,
)


@pytest.fixture(scope="module")
async def usd_portfolio(api, customer):
    return await api.create_portfolio(customer, name="USD book", baseCurrency="USD")


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
    # The BUY, its audit entry and ref, the projection (holdings and the timeline for value over
    # time) and the journal (every activity, for fast reads).
    assert await api.kinds(portfolio["id"]) == {
        "META": 1,
        "ACTIVITY": 1,
        "AUDIT": 1,
        "REF": 1,
        "HOLDINGS": 1,
        "TIMELINE": 1,
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
