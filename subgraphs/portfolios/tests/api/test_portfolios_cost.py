"""Called directly (not through the router), the portfolios subgraph bounds what one request makes it
resolve (kit.graphql.cost): the fan-out of issue 11 is refused before any read, the router's own requests for
a large book run."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import Decimal

import pytest
from graphql import parse
from kit.core.principal import Principal
from kit.graphql.cost import COST_CODE, cost_model_of, estimate_cost
from kit.graphql.schema import MAX_COST
from portfolios.domain.commands import ActivityRequest, MoneyRequest, PortfolioRequest
from portfolios.domain.model import ActivityType, PortfolioKind
from portfolios.schema import schema

ADMIN = Principal.of("admin-1", ["admin"])
SYMBOLS = [f"S{n:02}" for n in range(40)]

# Straight at the subgraph, issue 11 got 512 lots from a 2-lot portfolio with this shape, 9 levels deep.
FAN_OUT = """
query($id: ID!) {
  portfolio(id: $id) { investments { portfolio { investments { portfolio { investments { id } } } } } }
}"""

# What the router asks this subgraph for the Dashboard (customers -> portfolios -> assets).
DASHBOARD_FETCH = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Customer {
      portfolios {
        __typename id name kind baseCurrency costBasisMethod
        positions { instrument { __typename symbol } quantity costBasis { amount currencyCode } }
        holdings {
          symbol quantity costBasis
          openLots { quantities purchasedOn purchasePrices currencies fxRates }
        }
        owner { id }
      }
    }
  }
}"""


@pytest.fixture(scope="module")
async def book(api) -> tuple[str, list[str]]:
    """A customer with 5 portfolios x 40 lots of 40 instruments (the bench's large book)."""
    service = api.runtime.service
    customer_id = await api.register_customer()
    portfolio_ids = []
    for n in range(5):
        portfolio = await service.portfolios.create_portfolio(
            ADMIN,
            PortfolioRequest(
                customer_id=customer_id, name=f"P{n}", kind=PortfolioKind.BROKERAGE, base_currency="USD"
            ),
        )
        portfolio_ids.append(portfolio.id)
        await asyncio.gather(
            *(
                service.ledger.record_activity(
                    ADMIN,
                    ActivityRequest(
                        type=ActivityType.BUY,
                        portfolio_id=portfolio.id,
                        symbol=symbol,
                        quantity=Decimal(1),
                        price=MoneyRequest(Decimal("10.00"), "USD"),
                        occurred_at=date(2024, 1, 1) + timedelta(days=i),
                    ),
                )
                for i, symbol in enumerate(SYMBOLS)
            )
        )
    return customer_id, portfolio_ids


async def test_the_fan_out_is_refused_with_a_code_before_any_read(api, book) -> None:
    _, portfolio_ids = book
    api.runtime.counter.reset()
    body = await api.gql(FAN_OUT, {"id": portfolio_ids[0]})
    assert body.get("data") is None, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == COST_CODE
    assert error["extensions"]["cost"]["estimated"] > MAX_COST
    assert api.calls == {}


async def test_one_level_of_the_same_lists_runs(api, book) -> None:
    _, portfolio_ids = book
    document = "query($id: ID!) { portfolio(id: $id) { investments { id portfolio { name } } } }"
    data = await api.data(document, {"id": portfolio_ids[0]})
    assert len(data["portfolio"]["investments"]) == 40


async def test_the_routers_dashboard_fetch_for_a_5_x_40_book_runs(api, book) -> None:
    customer_id, _ = book
    representations = [{"__typename": "Customer", "id": customer_id}]
    data = await api.data(DASHBOARD_FETCH, {"representations": representations})
    [customer] = data["_entities"]
    assert [len(p["positions"]) for p in customer["portfolios"]] == [40] * 5
    assert all(len(h["openLots"]["quantities"]) == 1 for p in customer["portfolios"] for h in p["holdings"])


def test_the_open_lots_of_the_holdings_cost_nothing_in_the_estimate() -> None:
    """What the router asks for assets' valuation estimates the same with the open lots as without:
    parallel lists of scalars under a @cost(weight: 0) object, however many holdings."""
    variables = {"representations": [{"__typename": "Customer", "id": "C"}]}
    lots = "openLots { quantities purchasedOn purchasePrices currencies fxRates }"
    without = DASHBOARD_FETCH.replace(lots, "")
    assert without != DASHBOARD_FETCH
    model = cost_model_of(schema)
    with_lots = estimate_cost(schema._schema, model, parse(DASHBOARD_FETCH), variables)
    assert with_lots == estimate_cost(schema._schema, model, parse(without), variables)
    # The customer, then 10 assumed portfolios x (itself, 50 positions with their instrument and
    # costBasis, 50 holdings, its owner): the holdings' open lots add nothing.
    assert with_lots == 1 + 10 * (1 + 50 * 3 + 50 + 1)
