"""Fixtures for the portfolios tests: the app on a fresh DynamoDB Local table, and GraphQL helpers."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from kit_testing import ISSUER, create_table, execute, running_app, unique_table_name
from kit_testing.queues import event_detail, incoming
from portfolios.adapters.table import table_definition
from portfolios.app import PortfoliosRuntime, PortfoliosSettings, create_app
from ulid import ULID

CREATE_PORTFOLIO = """
mutation CreatePortfolio($input: CreatePortfolioInput!) {
  createPortfolio(input: $input) {
    portfolio { id name kind baseCurrency costBasisMethod createdAt owner { id } }
    userErrors { field message code }
  }
}"""

ADD_INVESTMENT = """
mutation AddInvestment($input: AddInvestmentInput!) {
  addInvestment(input: $input) {
    investment {
      id
      instrument { symbol }
      quantity
      purchasePrice { amount currencyCode }
      purchasedAt
      fees { amount currencyCode }
      costBasis { amount currencyCode }
      createdAt
      portfolio { id }
    }
    userErrors { field message code }
  }
}"""

SELL_INVESTMENT = """
mutation SellInvestment($input: SellInvestmentInput!) {
  sellInvestment(input: $input) {
    realizedGain { amount currencyCode }
    activity { id type symbol quantity occurredAt lots { investmentId quantity } realizedGain { amount } }
    portfolio {
      id
      positions {
        instrument { symbol } quantity costBasis { amount currencyCode } averageCost { amount }
        realizedGain { amount currencyCode }
        lots { id quantity remainingQuantity remainingCostBasis { amount } }
      }
    }
    userErrors { field message code }
  }
}"""

PORTFOLIO_STATE = """
query($id: ID!) {
  portfolio(id: $id) {
    id name status closedAt
    realizedGain { amount currencyCode }
    positions {
      instrument { symbol } quantity costBasis { amount } realizedGain { amount }
      lots { id remainingQuantity remainingCostBasis { amount } }
    }
    investments { id quantity remainingQuantity remainingCostBasis { amount } costBasis { amount } }
    activities(first: 100) {
      edges {
        cursor
        node {
          id type symbol quantity price { amount currencyCode } fees { amount } fxRate occurredAt
          realizedGain { amount } investmentId
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
}"""


@dataclass(frozen=True)
class Seeded:
    """A customer with one portfolio holding one lot (`Api.seed`)."""

    customer_id: str
    portfolio_id: str
    lot_id: str

    @property
    def token(self) -> str:
        """The customer's own token."""
        return ISSUER.customer(self.customer_id)


@dataclass
class Api:
    http: httpx.AsyncClient
    runtime: PortfoliosRuntime
    app: FastAPI

    @property
    def calls(self) -> dict[str, int]:
        return dict(self.runtime.counter.calls)

    async def gql(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """Sent with `token`, or the client's admin token by default."""
        return await execute(self.http, query, variables, token=token)

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        body = await self.gql(query, variables, token=token)
        assert "errors" not in body, body
        return body["data"]

    async def customer_event(self, type_: str, customer_id: str, sequence: int) -> None:
        """A customer event applied as the event queue's consumer applies it (the consumer itself:
        integration/test_portfolios_event_queue.py)."""
        detail = event_detail(type_, customer_id, sequence, {"customerId": customer_id})
        await self.runtime.service.apply_customer_event(incoming(detail))

    async def count_items(self) -> int:
        """Items in the table (a Scan; reset the counter afterwards when counting calls)."""
        total, start = 0, None
        while True:
            page = {"ExclusiveStartKey": start} if start else {}
            response = await self.runtime.dynamodb.scan(
                TableName=self.runtime.settings.table_name, Select="COUNT", ConsistentRead=True, **page
            )
            total += response["Count"]
            start = response.get("LastEvaluatedKey")
            if not start:
                return total

    async def snapshot(self) -> list[dict[str, Any]]:
        """Every item of the table, as stored, in key order (to show that nothing was written)."""
        found: list[dict[str, Any]] = []
        start = None
        while True:
            page = {"ExclusiveStartKey": start} if start else {}
            response = await self.runtime.dynamodb.scan(
                TableName=self.runtime.settings.table_name, ConsistentRead=True, **page
            )
            found.extend(response["Items"])
            start = response.get("LastEvaluatedKey")
            if not start:
                return sorted(found, key=lambda item: (item["pk"]["S"], item["sk"]["S"]))

    async def kinds(self, portfolio_id: str | None = None) -> Counter[str]:
        """How many items of each kind (the sort key's first word: META, ACTIVITY, AUDIT, HOLDINGS,
        HISTORY, TIMELINE, JOURNAL, IDEMPOTENCY, REF, DIRECTORY) the table holds; of one portfolio
        when given (its REF items included)."""
        counted: Counter[str] = Counter()
        for item in await self.snapshot():
            pk, sk = item["pk"]["S"], item["sk"]["S"]
            mine = pk == f"PORTFOLIO#{portfolio_id}" or (
                sk == "REF" and item.get("portfolioId", {}).get("S") == portfolio_id
            )
            if portfolio_id is None or mine:
                counted[sk.split("#", 1)[0]] += 1
        return counted

    async def register_customer(self, customer_id: str | None = None) -> str:
        """A new customer (a ULID unless given), as the customers service's event tells it."""
        customer_id = customer_id or str(ULID())
        await self.customer_event("CustomerRegistered", customer_id, 1)
        return customer_id

    async def seed(
        self, customer_id: str | None = None, *, name: str = "Savings", sell: bool = False
    ) -> Seeded:
        """A new customer (a ULID unless given) with a portfolio `name` holding one lot (10 AAPL at
        150.25 USD); with `sell`, 1 AAPL of it sold at 200 USD."""
        customer_id = await self.register_customer(customer_id)
        portfolio = await self.create_portfolio(customer_id, name=name)
        lot = await self.add_investment(portfolio["id"])
        if sell:
            await self.sell(portfolio["id"])
        return Seeded(customer_id, portfolio["id"], lot["id"])

    async def create_portfolio(self, customer_id: str, **overrides: Any) -> dict[str, Any]:
        payload = await self.create_portfolio_payload(customer_id, **overrides)
        assert payload["userErrors"] == [], payload
        return payload["portfolio"]

    async def create_portfolio_payload(self, customer_id: str, **overrides: Any) -> dict[str, Any]:
        values = {"customerId": customer_id, "name": "Main", "kind": "BROKERAGE", "baseCurrency": "USD"}
        data = await self.data(CREATE_PORTFOLIO, {"input": {**values, **overrides}})
        return data["createPortfolio"]

    async def add_investment(self, portfolio_id: str, **overrides: Any) -> dict[str, Any]:
        payload = await self.add_investment_payload(portfolio_id, **overrides)
        assert payload["userErrors"] == [], payload
        return payload["investment"]

    async def add_investment_payload(self, portfolio_id: str, **overrides: Any) -> dict[str, Any]:
        data = await self.data(ADD_INVESTMENT, {"input": self.investment_input(portfolio_id, **overrides)})
        return data["addInvestment"]

    async def close_customer(self, customer_id: str) -> None:
        await self.customer_event("CustomerClosed", customer_id, 2)

    async def sell_payload(self, portfolio_id: str, **overrides: Any) -> dict[str, Any]:
        """Sells 1 AAPL at 200 USD on 2024-06-03, unless overridden."""
        values = {
            "portfolioId": portfolio_id,
            "symbol": "AAPL",
            "quantity": "1",
            "price": {"amount": "200", "currencyCode": "USD"},
            "soldAt": "2024-06-03",
        }
        data = await self.data(SELL_INVESTMENT, {"input": {**values, **overrides}})
        return data["sellInvestment"]

    async def sell(self, portfolio_id: str, **overrides: Any) -> dict[str, Any]:
        payload = await self.sell_payload(portfolio_id, **overrides)
        assert payload["userErrors"] == [], payload
        return payload

    async def state(self, portfolio_id: str) -> dict[str, Any]:
        return (await self.data(PORTFOLIO_STATE, {"id": portfolio_id}))["portfolio"]

    @staticmethod
    def investment_input(portfolio_id: str, **overrides: Any) -> dict[str, Any]:
        """10 AAPL at 150.25 USD on 2024-05-01, unless overridden."""
        values = {
            "portfolioId": portfolio_id,
            "symbol": "AAPL",
            "quantity": "10",
            "purchasePrice": {"amount": "150.25", "currencyCode": "USD"},
            "purchasedAt": "2024-05-01",
        }
        return {**values, **overrides}


@pytest.fixture(scope="module")
async def api(dynamodb_endpoint: str) -> AsyncIterator[Api]:
    """The portfolios app on its own table (one per test module), its lifespan entered."""
    settings = PortfoliosSettings(
        dynamodb_endpoint_url=dynamodb_endpoint,
        table_name=unique_table_name("portfolios"),
        graphiql=False,
    )
    app = create_app(settings)
    async with running_app(app) as http:
        runtime: PortfoliosRuntime = app.state.runtime
        await create_table(runtime.dynamodb, table_definition(settings.table_name))
        runtime.counter.reset()
        yield Api(http=http, runtime=runtime, app=app)


@pytest.fixture(scope="module")
async def customer(api: Api) -> str:
    """A registered customer, one per test module (as the module's table is)."""
    return await api.register_customer()
