"""The contract's ledger operations (schema/operations) and the helpers the ledger's GraphQL tests send
them with.
"""

from __future__ import annotations

from typing import Any

from devstack.client import operation

RECORD = operation("RecordActivity")


CORRECT = operation("CorrectActivity")


REMOVE = operation("RemoveActivity")


LEDGER = operation("PortfolioLedger")


AUDIT = operation("PortfolioAuditTrail")


# The fields of an activity the contract's RecordActivity does not ask for.
ACTIVITY_DETAIL = """
query($id: ID!) {
  portfolio(id: $id) {
    activities(first: 100) {
      edges {
        node {
          id type occurredAt recordedAt symbol quantity fxRate note counterpartPortfolioId investmentId
          price { amount currencyCode } amount { amount currencyCode } fees { amount currencyCode }
          splitRatio { from to } realizedGain { amount currencyCode } lots { investmentId quantity }
        }
      }
    }
    realizedGains { total { amount } lots { saleId investmentId symbol quantity acquiredOn soldOn term
      proceeds { amount } costBasis { amount } gain { amount } } }
  }
}"""


def money(amount: str, currency: str = "USD") -> dict[str, str]:
    return {"amount": amount, "currencyCode": currency}


def codes(payload: dict[str, Any]) -> list[tuple[tuple[str, ...], str]]:
    return sorted((tuple(e["field"]), e["code"]) for e in payload["userErrors"])


async def record_payload(api, portfolio_id: str, kind: str, day: str, token=None, **fields) -> dict:
    values = {"portfolioId": portfolio_id, "type": kind, "occurredAt": day, **fields}
    return (await api.data(RECORD, {"input": values}, token=token))["recordActivity"]


async def record(api, portfolio_id: str, kind: str, day: str, token=None, **fields) -> dict:
    payload = await record_payload(api, portfolio_id, kind, day, token, **fields)
    assert payload["userErrors"] == [], payload
    return payload["activity"]


async def buy(api, portfolio_id: str, day: str, quantity: str, price: str, symbol="AAPL", **fields) -> dict:
    return await record(
        api, portfolio_id, "BUY", day, symbol=symbol, quantity=quantity, price=money(price), **fields
    )


async def sell(api, portfolio_id: str, day: str, quantity: str, price: str, symbol="AAPL", **fields) -> dict:
    return await record(
        api, portfolio_id, "SELL", day, symbol=symbol, quantity=quantity, price=money(price), **fields
    )


async def ledger(api, portfolio_id: str, token=None, **variables) -> dict:
    values = {"id": portfolio_id, "first": 100, **variables}
    return (await api.data(LEDGER, values, token=token))["portfolio"]


async def detail(api, portfolio_id: str) -> dict:
    return (await api.data(ACTIVITY_DETAIL, {"id": portfolio_id}))["portfolio"]


async def activities_by_id(api, portfolio_id: str) -> dict[str, dict]:
    return {e["node"]["id"]: e["node"] for e in (await detail(api, portfolio_id))["activities"]["edges"]}


def books(answer: dict) -> dict:
    """A PortfolioLedger answer without what differs between two portfolios of the same history (ids,
    names, cursors): what the books say."""
    positions = [
        {**p, "lots": [{k: v for k, v in lot.items() if k != "id"} for lot in p["lots"]]}
        for p in answer["positions"]
    ]
    activities = sorted(
        ({k: v for k, v in e["node"].items() if k != "id"} for e in answer["activities"]["edges"]),
        key=repr,
    )
    return {
        "cash": answer["cash"],
        "positions": positions,
        "activities": activities,
        "realizedGains": answer["realizedGains"],
        "income": answer["income"],
    }


# --- the issue's late entry: any recording order, the same books ---------------------------------


ISSUE_HISTORY = [
    ("BUY", "2024-01-10", "10", "100"),
    ("BUY", "2024-03-10", "10", "200"),
    ("SELL", "2024-04-01", "10", "250"),
    ("SELL", "2024-02-01", "5", "150"),  # entered last, dated before the other sale
]


async def record_history(api, portfolio_id: str, history) -> list[dict]:
    recorded = []
    for kind, day, quantity, price in history:
        recorded.append(await (buy if kind == "BUY" else sell)(api, portfolio_id, day, quantity, price))
    return recorded
