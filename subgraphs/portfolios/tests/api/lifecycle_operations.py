"""The operations the portfolio-lifecycle tests send (rename, close, update and remove a lot, pages)
and their helpers.
"""

from datetime import UTC, datetime, timedelta

from devstack.client import operation

RENAME = """
mutation($input: RenamePortfolioInput!) {
  renamePortfolio(input: $input) { portfolio { id name status } userErrors { field message code } }
}"""


CLOSE = """
mutation($input: ClosePortfolioInput!) {
  closePortfolio(input: $input) { portfolio { id status closedAt } userErrors { field message code } }
}"""


UPDATE = """
mutation($input: UpdateInvestmentInput!) {
  updateInvestment(input: $input) {
    investment {
      id quantity purchasePrice { amount currencyCode } purchasedAt fees { amount currencyCode } fxRate
      costBasis { amount currencyCode } remainingQuantity remainingCostBasis { amount }
    }
    userErrors { field message code }
  }
}"""


REMOVE = """
mutation($input: RemoveInvestmentInput!) {
  removeInvestment(input: $input) {
    removedInvestmentId
    portfolio { id positions { instrument { symbol } quantity } }
    userErrors { field message code }
  }
}"""


INVESTMENT_ENTITY = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Investment { id quantity costBasis { amount } } }
}"""


ACTIVITIES = """
query($id: ID!, $first: Int!, $after: String) {
  portfolio(id: $id) {
    activities(first: $first, after: $after) {
      edges { cursor node { id type quantity } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}"""


AUDIT_TRAIL = operation("PortfolioAuditTrail")


FUTURE = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()


def usd(amount):
    return {"amount": amount, "currencyCode": "USD"}


def codes(payload):
    return sorted((tuple(e["field"]), e["code"]) for e in payload["userErrors"])


async def mutate(api, document, name, values):
    return (await api.data(document, {"input": values}))[name]


async def rejected(api, document, name, values, expected):
    """Runs a mutation that must fail with `expected` and write nothing; returns its payload."""
    before = await api.snapshot()
    payload = await mutate(api, document, name, values)
    assert codes(payload) == expected, payload
    assert all(e["message"] for e in payload["userErrors"])
    assert await api.snapshot() == before
    return payload


async def audit_trail(api, portfolio_id):
    """The portfolio's audit entries, newest first."""
    data = await api.data(AUDIT_TRAIL, {"id": portfolio_id, "first": 100})
    return [edge["node"] for edge in data["portfolio"]["auditTrail"]["edges"]]
