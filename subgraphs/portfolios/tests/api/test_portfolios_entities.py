"""Federation entity references cost a fixed number of DynamoDB calls (DESIGN.md decision 9).

The router sends one `_entities` call with N representations; these tests count the DynamoDB
calls that call makes (runtime.counter), after seeding through the real service.
"""

import asyncio
from datetime import date, timedelta
from decimal import Decimal

import pytest
from kit.core.principal import Principal
from portfolios.domain.commands import ActivityRequest, MoneyRequest, PortfolioRequest
from portfolios.domain.model import ActivityType, PortfolioKind

PORTFOLIO_ENTITIES = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Portfolio { id name baseCurrency kind owner { id } }
  }
}"""

PORTFOLIO_ENTITIES_WITH_LOTS = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Portfolio {
      id positions { quantity }
      holdings {
        symbol quantity costBasis
        openLots { quantities purchasedOn purchasePrices currencies fxRates }
      }
    }
  }
}"""

INVESTMENT_ENTITIES = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Investment {
      id quantity instrument { symbol } purchasePrice { amount currencyCode } costBasis { amount }
    }
  }
}"""

CUSTOMER_ENTITIES = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Customer {
      id
      portfolios {
        id name
        positions { instrument { symbol } quantity costBasis { amount currencyCode } }
        holdings { symbol quantity costBasis }
        investments { id }
      }
    }
  }
}"""

SYMBOLS = ["AAPL", "MSFT", "VOO", "BRK.B"]
ADMIN = Principal.of("admin-1", ["admin"])


async def seed_customer(api, portfolios: int, lots: int) -> tuple[str, list[str], list[str]]:
    """A registered customer with `portfolios` USD portfolios of `lots` lots each:
    lot i buys (i + 1) shares of SYMBOLS[i % 4] at 10.00 USD with 0.50 fees."""
    service = api.runtime.service
    customer_id = await api.register_customer()
    portfolio_ids, lot_ids = [], []
    for n in range(portfolios):
        portfolio = await service.portfolios.create_portfolio(
            ADMIN,
            PortfolioRequest(
                customer_id=customer_id, name=f"P{n}", kind=PortfolioKind.BROKERAGE, base_currency="USD"
            ),
        )
        portfolio_ids.append(portfolio.id)
        added = await asyncio.gather(
            *(
                service.ledger.record_activity(
                    ADMIN,
                    ActivityRequest(
                        type=ActivityType.BUY,
                        portfolio_id=portfolio.id,
                        symbol=SYMBOLS[i % 4],
                        quantity=Decimal(i + 1),
                        price=MoneyRequest(Decimal("10.00"), "USD"),
                        occurred_at=date(2024, 1, 1) + timedelta(days=i),
                        fees=MoneyRequest(Decimal("0.50"), "USD"),
                    ),
                )
                for i in range(lots)
            )
        )
        lot_ids.extend(a.activity.id for a in added)
    return customer_id, portfolio_ids, lot_ids


def representations(typename, ids):
    return {"representations": [{"__typename": typename, "id": i} for i in ids]}


@pytest.fixture(scope="module")
async def small(api):
    """3 customers, 1 portfolio x 20 lots each."""
    return await asyncio.gather(*(seed_customer(api, 1, 20) for _ in range(3)))


@pytest.fixture(scope="module")
async def large(api):
    """3 customers, 5 portfolios x 20 lots each."""
    return await asyncio.gather(*(seed_customer(api, 5, 20) for _ in range(3)))


async def test_three_portfolio_references_cost_one_batch_get(api, large):
    ids = [portfolio_ids[0] for _, portfolio_ids, _ in large]
    api.runtime.counter.reset()
    data = await api.data(PORTFOLIO_ENTITIES, representations("Portfolio", ids))
    assert api.calls == {"BatchGetItem": 1}
    assert [e["id"] for e in data["_entities"]] == ids
    assert [e["owner"]["id"] for e in data["_entities"]] == [customer for customer, _, _ in large]
    assert all(e["name"] == "P0" and e["baseCurrency"] == "USD" for e in data["_entities"])


async def test_portfolio_references_load_lots_only_when_asked(api, large):
    ids = [portfolio_ids[1] for _, portfolio_ids, _ in large]
    api.runtime.counter.reset()
    data = await api.data(PORTFOLIO_ENTITIES_WITH_LOTS, representations("Portfolio", ids))
    # One BatchGetItem for the META items, then the holdings of all three: their META again (the
    # version their chunks must carry) and those chunks, one batch each; no Query of any ledger.
    assert api.calls == {"BatchGetItem": 3}
    for entity in data["_entities"]:
        # 20 lots, lot i has i + 1 shares: AAPL gets i = 0, 4, ..., 16 -> 1 + 5 + 9 + 13 + 17 = 45 shares,
        # cost 45 * 10.00 + 5 * 0.50 = 450.00 + 2.50 = 452.50
        aapl = next(h for h in entity["holdings"] if h["symbol"] == "AAPL")
        lots = aapl.pop("openLots")
        assert aapl == {"symbol": "AAPL", "quantity": "45", "costBasis": "452.50"}
        # Its open lots for the assets' day change, from the same stored projection (no extra read):
        # lots i = 0, 4, ..., 16, bought on 2024-01-01 + i days, at 10.00 USD (no rate: the base).
        assert lots == {
            "quantities": ["1", "5", "9", "13", "17"],
            "purchasedOn": [(date(2024, 1, 1) + timedelta(days=i)).isoformat() for i in (0, 4, 8, 12, 16)],
            "purchasePrices": ["10.00"] * 5,
            "currencies": ["USD"] * 5,
            "fxRates": [None] * 5,
        }
        # all four positions together: 1 + 2 + ... + 20 = 210 shares
        assert sum(Decimal(p["quantity"]) for p in entity["positions"]) == 210


async def test_missing_portfolio_reference_is_null(api, large):
    known = large[0][1][0]
    api.runtime.counter.reset()
    data = await api.data(
        PORTFOLIO_ENTITIES, representations("Portfolio", [known, "01J00000000000000000000000"])
    )
    assert api.calls == {"BatchGetItem": 1}
    assert data["_entities"][0]["id"] == known and data["_entities"][1] is None


async def test_three_investment_references_cost_one_batch_get(api, large):
    ids = [lot_ids[7] for _, _, lot_ids in large]  # lot 7: 8 shares of BRK.B at 10.00, fees 0.50
    api.runtime.counter.reset()
    data = await api.data(INVESTMENT_ENTITIES, representations("Investment", ids))
    # The 3 lots' refs (which portfolio holds each), then those portfolios' holdings (META, chunks)
    assert api.calls == {"BatchGetItem": 3}
    assert [e["id"] for e in data["_entities"]] == ids
    for entity in data["_entities"]:
        assert entity["quantity"] == "8"
        assert entity["instrument"] == {"symbol": "BRK.B"}
        assert entity["purchasePrice"] == {"amount": "10", "currencyCode": "USD"}  # a unit price, trimmed
        assert entity["costBasis"] == {"amount": "80.50"}  # 8 * 10.00 + 0.50


async def _customer_calls(api, seeded):
    customer_ids = [customer for customer, _, _ in seeded]
    api.runtime.counter.reset()
    data = await api.data(CUSTOMER_ENTITIES, representations("Customer", customer_ids))
    return dict(api.calls), data["_entities"]


async def test_customer_book_costs_one_query_per_customer(api, small, large):
    small_calls, _ = await _customer_calls(api, small)
    large_calls, entities = await _customer_calls(api, large)
    # 3 customers -> 3 Queries of their books, whether they hold 1 x 20 or 5 x 20 lots. `investments`
    # lists used-up lots too, which only each portfolio's history has: its META and history chunks,
    # read consistently per portfolio (GetItem, BatchGetItem): 3 portfolios, then 15.
    assert small_calls == {"Query": 3, "GetItem": 3, "BatchGetItem": 3}
    assert large_calls == {"Query": 3, "GetItem": 15, "BatchGetItem": 15}
    dashboard = CUSTOMER_ENTITIES.replace("investments { id }", "")
    for seeded in (small, large):
        api.runtime.counter.reset()
        await api.data(dashboard, representations("Customer", [c for c, _, _ in seeded]))
        assert api.calls == {"Query": 3}  # without used-up lots: the books alone

    for (customer_id, portfolio_ids, lot_ids), entity in zip(large, entities, strict=True):
        assert entity["id"] == customer_id
        # oldest first (creation order)
        assert [p["id"] for p in entity["portfolios"]] == portfolio_ids
        for portfolio in entity["portfolios"]:
            assert len(portfolio["investments"]) == 20
            assert [p["instrument"]["symbol"] for p in portfolio["positions"]] == sorted(SYMBOLS)
            # sum of position quantities = sum of lot quantities = 1 + ... + 20 = 210
            assert sum(Decimal(p["quantity"]) for p in portfolio["positions"]) == 210
            # cost: 210 * 10.00 + 20 * 0.50 = 2100.00 + 10.00 = 2110.00
            assert sum(Decimal(p["costBasis"]["amount"]) for p in portfolio["positions"]) == Decimal(
                "2110.00"
            )
            assert [h["symbol"] for h in portfolio["holdings"]] == sorted(SYMBOLS)
        assert sorted(i["id"] for p in entity["portfolios"] for i in p["investments"]) == sorted(lot_ids)


async def test_customer_without_portfolios(api):
    customer_id = await api.register_customer()
    api.runtime.counter.reset()
    data = await api.data(CUSTOMER_ENTITIES, representations("Customer", [customer_id, "not-a-ulid"]))
    assert data["_entities"] == [
        {"id": customer_id, "portfolios": []},
        {"id": "not-a-ulid", "portfolios": []},
    ]
    assert api.calls == {"Query": 1}  # the malformed id is not looked up


async def test_dashboard_shape_through_customer_reference_reads_each_book_once(api, large):
    # The router's dashboard plan asks portfolios for Customer.portfolios { positions ... } and
    # Portfolio.holdings for assets' @requires: the lots primed from the book serve both.
    customer_id = large[0][0]
    api.runtime.counter.reset()
    query = """
    query($representations: [_Any!]!) {
      _entities(representations: $representations) {
        ... on Customer {
          portfolios { id positions { lots { id portfolio { id name } } } holdings { symbol } }
        }
      }
    }"""
    data = await api.data(query, representations("Customer", [customer_id]))
    assert api.calls == {"Query": 1}  # Investment.portfolio is served from the primed portfolio loader
    portfolios = data["_entities"][0]["portfolios"]
    assert all(
        lot["portfolio"]["id"] == p["id"] for p in portfolios for pos in p["positions"] for lot in pos["lots"]
    )
