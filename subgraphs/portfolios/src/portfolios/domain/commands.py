"""What clients ask the portfolios service to do, as they sent it (not yet validated), and
`corrected_request`: a correction as the recordActivity input of the corrected activity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum

from kit.core.money import Amount

from portfolios.domain.model import (
    Activity,
    ActivityType,
    CostBasisMethod,
    FxRateSource,
    PortfolioKind,
    ReferenceRate,
)


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
    # A correction keeps the rate looked up before when it changes neither the date nor the currency.
    kept_reference: ReferenceRate | None = None


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


def _kept(value: object, current: object) -> object:
    return current if isinstance(value, Keep) else value


def _money_request(value: Amount | None) -> MoneyRequest | None:
    return MoneyRequest(value.value, value.currency_code) if value is not None else None


def corrected_request(activity: Activity, correction: CorrectionRequest) -> ActivityRequest:
    """The recordActivity input that would record `activity` as corrected, to validate it the same
    way. A new currency drops the activity's fxRate (a rate belongs to one currency pair) unless the
    correction gives one. A looked-up rate is kept while the date and currency stay; a new date or
    currency looks it up again, and a given fxRate replaces it (GIVEN then)."""
    price = _kept(correction.price, _money_request(activity.price))
    amount = _kept(correction.amount, _money_request(activity.amount))
    new_currency = next((m.currency_code for m in (price, amount) if isinstance(m, MoneyRequest)), None)
    keeps_currency = new_currency == activity.currency_code
    occurred_at = _kept(correction.occurred_at, activity.occurred_on)
    looked_up = activity.fx_rate_source is FxRateSource.REFERENCE
    fx_rate: object = activity.fx_rate if keeps_currency and activity.fx_rate != 1 and not looked_up else None
    kept_reference = None
    if looked_up and keeps_currency and occurred_at == activity.occurred_on and activity.fx_rate_date:
        kept_reference = ReferenceRate(activity.fx_rate, activity.fx_rate_date)
    if not isinstance(correction.fx_rate, Keep):
        fx_rate, kept_reference = correction.fx_rate, None
    picks = tuple(PickRequest(p.lot_id, p.quantity) for p in activity.picks) or None
    return ActivityRequest(
        portfolio_id=activity.portfolio_id,
        type=activity.type,
        occurred_at=occurred_at,  # type: ignore[arg-type]
        symbol=_kept(correction.symbol, activity.symbol),  # type: ignore[arg-type]
        quantity=_kept(correction.quantity, activity.quantity),  # type: ignore[arg-type]
        price=price,  # type: ignore[arg-type]
        amount=amount,  # type: ignore[arg-type]
        fees=_kept(correction.fees, _money_request(activity.fees)),  # type: ignore[arg-type]
        fx_rate=fx_rate,  # type: ignore[arg-type]
        split_from=_kept(correction.split_from, activity.split.from_ if activity.split else None),  # type: ignore[arg-type]
        split_to=_kept(correction.split_to, activity.split.to if activity.split else None),  # type: ignore[arg-type]
        counterpart_portfolio_id=activity.counterpart_portfolio_id,
        lots=_kept(correction.lots, picks),  # type: ignore[arg-type]
        note=_kept(correction.note, activity.note),  # type: ignore[arg-type]
        fields=correction.fields,
        kept_reference=kept_reference,
    )
