"""What the createPortfolio and addInvestment tests share: the portfolio they read back, a date in the
future, and the codes of a payload.
"""

from datetime import UTC, datetime, timedelta

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
