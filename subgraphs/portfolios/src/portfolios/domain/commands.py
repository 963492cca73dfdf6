"""What clients ask the portfolios service to do, as they sent it (not yet validated)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum

from portfolios.domain.model import ActivityType, CostBasisMethod, PortfolioKind


@dataclass(frozen=True, slots=True)
class PortfolioRequest:
    """createPortfolio's input."""

    customer_id: str
    name: str
    kind: PortfolioKind
    base_currency: str
    cost_basis_method: CostBasisMethod = CostBasisMethod.FIFO


@dataclass(frozen=True, slots=True)
class MoneyRequest:
    amount: Decimal
    currency_code: str


@dataclass(frozen=True, slots=True)
class PickRequest:
    """One specific lot a sale or transfer takes from."""

    investment_id: str
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class FieldNames:
    """The input field names an activity's parts go by: recordActivity's, or addInvestment's and
    sellInvestment's older names, so that userErrors point at the field the client sent."""

    price: str = "price"
    occurred: str = "occurredAt"


RECORD_FIELDS = FieldNames()
PURCHASE_FIELDS = FieldNames(price="purchasePrice", occurred="purchasedAt")
SALE_FIELDS = FieldNames(price="price", occurred="soldAt")


@dataclass(frozen=True, slots=True, kw_only=True)
class ActivityRequest:
    """recordActivity's input (addInvestment and sellInvestment map onto it)."""

    portfolio_id: str
    type: ActivityType
    occurred_at: date
    symbol: str | None = None
    quantity: Decimal | None = None
    price: MoneyRequest | None = None
    amount: MoneyRequest | None = None
    fees: MoneyRequest | None = None
    fx_rate: Decimal | None = None
    split_from: Decimal | None = None
    split_to: Decimal | None = None
    counterpart_portfolio_id: str | None = None
    lots: tuple[PickRequest, ...] | None = None
    note: str | None = None
    idempotency_key: str | None = None
    fields: FieldNames = RECORD_FIELDS


class Keep(Enum):
    """A correction's field that was not given: the activity keeps its value."""

    KEEP = "KEEP"


KEEP = Keep.KEEP


@dataclass(frozen=True, slots=True, kw_only=True)
class CorrectionRequest:
    """correctActivity's input (updateInvestment maps onto it): the fields given replace the
    activity's; None clears an optional one (fees, fxRate, note). Type and portfolio stay."""

    activity_id: str
    occurred_at: date | Keep = KEEP
    symbol: str | Keep = KEEP
    quantity: Decimal | Keep = KEEP
    price: MoneyRequest | Keep = KEEP
    amount: MoneyRequest | Keep = KEEP
    fees: MoneyRequest | Keep | None = KEEP
    fx_rate: Decimal | Keep | None = KEEP
    split_from: Decimal | Keep = KEEP
    split_to: Decimal | Keep = KEEP
    lots: tuple[PickRequest, ...] | Keep | None = KEEP
    note: str | Keep | None = KEEP
    fields: FieldNames = RECORD_FIELDS
    id_field: str = "activityId"
