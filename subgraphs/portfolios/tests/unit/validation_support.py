"""Shared inputs of the validation tests: ids, portfolios, activity requests and how a problem is read."""

from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
from kit.core.errors import InputProblems
from portfolios.domain.activity_validation import validate_activity
from portfolios.domain.commands import (
    ActivityRequest,
    MoneyRequest,
    PortfolioRequest,
)
from portfolios.domain.model import (
    ActivityType,
    CostBasisMethod,
    Portfolio,
    PortfolioKind,
)

CUSTOMER = "01HZX3Q4W5E6R7T8Y9Z0ABCDEF"


COGNITO_SUB = "3f1c9e7a-5b2d-4c8e-9a1f-0e2d4b6c8a90"  # a customer who registered itself


PORTFOLIO_ID = "01HZX3Q4W5E6R7T8Y9Z0PQRSTV"


OTHER_PORTFOLIO_ID = "01HZX3Q4W5E6R7T8Y9Z0XTHERS"


LOT_A = "01HZX3Q4W5E6R7T8Y9Z0AAAAAA"


LOT_B = "01HZX3Q4W5E6R7T8Y9Z0BBBBBB"


TODAY = date(2024, 6, 1)


USD_PORTFOLIO = Portfolio(
    id=PORTFOLIO_ID,
    customer_id=CUSTOMER,
    name="Main",
    kind=PortfolioKind.BROKERAGE,
    base_currency="USD",
    cost_basis_method=CostBasisMethod.FIFO,
    created_at=datetime(2024, 1, 1, tzinfo=UTC),
)


AVERAGE_PORTFOLIO = Portfolio(
    id=PORTFOLIO_ID,
    customer_id=CUSTOMER,
    name="Pooled",
    kind=PortfolioKind.BROKERAGE,
    base_currency="USD",
    cost_basis_method=CostBasisMethod.AVERAGE,
    created_at=datetime(2024, 1, 1, tzinfo=UTC),
)


def problems_of(call):
    with pytest.raises(InputProblems) as raised:
        call()
    return {(p.field, p.code) for p in raised.value.problems}


# --- portfolios -------------------------------------------------------------------------------


def portfolio_request(**overrides):
    values = {
        "customer_id": CUSTOMER,
        "name": "Retirement",
        "kind": PortfolioKind.IRA,
        "base_currency": "USD",
    }
    return PortfolioRequest(**{**values, **overrides})


# --- activities: what each type takes -----------------------------------------------------------


def usd(amount):
    return MoneyRequest(D(amount), "USD")


def eur(amount):
    return MoneyRequest(D(amount), "EUR")


# A valid request of each type (TRANSFER_IN aside: only its TRANSFER_OUT records it).
VALID = {
    ActivityType.BUY: {"symbol": "AAPL", "quantity": D("10"), "price": usd("150.25")},
    ActivityType.SELL: {"symbol": "AAPL", "quantity": D("4"), "price": usd("200")},
    ActivityType.DIVIDEND: {"symbol": "AAPL", "amount": usd("12.50")},
    ActivityType.INTEREST: {"amount": usd("3.21")},
    ActivityType.DEPOSIT: {"amount": usd("1000")},
    ActivityType.WITHDRAWAL: {"amount": usd("250")},
    ActivityType.FEE: {"amount": usd("9.99")},
    ActivityType.TAX: {"amount": usd("1.88")},
    ActivityType.SPLIT: {"symbol": "AAPL", "split_from": D("1"), "split_to": D("4")},
    ActivityType.TRANSFER_OUT: {
        "symbol": "AAPL",
        "quantity": D("2"),
        "counterpart_portfolio_id": OTHER_PORTFOLIO_ID,
    },
}


def request(kind, **overrides):
    values = {"portfolio_id": PORTFOLIO_ID, "type": kind, "occurred_at": date(2024, 5, 1), **VALID[kind]}
    return ActivityRequest(**{**values, **overrides})


def validate(req, portfolio=USD_PORTFOLIO):
    return validate_activity(req, portfolio=portfolio, latest_date=TODAY)


# --- corrections --------------------------------------------------------------------------------


def recorded(kind, **overrides):
    return validate(request(kind, **overrides)).as_activity(LOT_A, datetime(2024, 5, 1, 12, tzinfo=UTC))
