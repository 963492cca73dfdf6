"""Domain objects to DynamoDB items and back.

Decimals are stored as strings, not as DynamoDB numbers: a number attribute loses its scale
("150.00" comes back as "150"), and what a client recorded should read back exactly as sent.
Versions (optimistic locking) are DynamoDB numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from kit.money import STORED_DECIMAL, Amount, parse_decimal

from portfolios.domain.model import (
    Activity,
    ActivityType,
    CostBasisMethod,
    Lot,
    LotTake,
    Portfolio,
    PortfolioKind,
    PortfolioStatus,
    PositionSummary,
)
from portfolios.domain.ports import IdempotencyRecord

META = "META"
PORTFOLIO_TYPE = "Portfolio"
LOT_TYPE = "Investment"
SUMMARY_TYPE = "PositionSummary"
ACTIVITY_TYPE = "Activity"
IDEMPOTENCY_TYPE = "Idempotency"
DIRECTORY_TYPE = "CustomerDirectoryEntry"

LOT_PREFIX = "LOT#"
SUMMARY_PREFIX = "POSITION#"
ACTIVITY_PREFIX = "ACTIVITY#"
# Under a portfolio's key, sort keys run ACTIVITY#... < IDEMPOTENCY#... < LOT#... < META < POSITION#...:
# one Query from LOT# to LEDGER_END returns the lots, the portfolio and its position summaries,
# and never the activities (which grow without bound).
LEDGER_END = "POSITION$"  # "$" sorts right after "#"


def portfolio_pk(portfolio_id: str) -> str:
    return f"PORTFOLIO#{portfolio_id}"


def lot_sk(lot_id: str) -> str:
    return f"{LOT_PREFIX}{lot_id}"


def summary_sk(symbol: str) -> str:
    return f"{SUMMARY_PREFIX}{symbol}"


def activity_sk(activity_id: str) -> str:
    return f"{ACTIVITY_PREFIX}{activity_id}"


def customer_pk(customer_id: str) -> str:
    return f"CUSTOMER#{customer_id}"


def investment_pk(lot_id: str) -> str:
    return f"INVESTMENT#{lot_id}"


def idempotency_sk(key: str) -> str:
    return f"IDEMPOTENCY#{key}"


def portfolio_key(portfolio_id: str) -> dict[str, str]:
    return {"pk": portfolio_pk(portfolio_id), "sk": META}


def lot_key(portfolio_id: str, lot_id: str) -> dict[str, str]:
    return {"pk": portfolio_pk(portfolio_id), "sk": lot_sk(lot_id)}


def investment_key(lot_id: str) -> dict[str, str]:
    return {"pk": investment_pk(lot_id), "sk": "LOT"}


def summary_key(portfolio_id: str, symbol: str) -> dict[str, str]:
    return {"pk": portfolio_pk(portfolio_id), "sk": summary_sk(symbol)}


def activity_key(portfolio_id: str, activity_id: str) -> dict[str, str]:
    return {"pk": portfolio_pk(portfolio_id), "sk": activity_sk(activity_id)}


def idempotency_key(portfolio_id: str, key: str) -> dict[str, str]:
    return {"pk": portfolio_pk(portfolio_id), "sk": idempotency_sk(key)}


def directory_key(customer_id: str) -> dict[str, str]:
    return {"pk": customer_pk(customer_id), "sk": "DIRECTORY"}


def _decimal(value: Decimal) -> str:
    return format(value, "f")


def _number(value: Any) -> Decimal:
    # Bounded like every Decimal made from text (kit.money): a broken or tampered item cannot
    # make this service compute with 1E-999999999.
    return parse_decimal(value, STORED_DECIMAL)


def _optional_decimal(value: Any) -> Decimal | None:
    return _number(value) if value is not None else None


def portfolio_item(portfolio: Portfolio) -> dict[str, Any]:
    return {
        **portfolio_key(portfolio.id),
        "type": PORTFOLIO_TYPE,
        "gsi1pk": customer_pk(portfolio.customer_id),
        "gsi1sk": f"{portfolio_pk(portfolio.id)}#{META}",
        "id": portfolio.id,
        "customerId": portfolio.customer_id,
        "name": portfolio.name,
        "kind": portfolio.kind.value,
        "baseCurrency": portfolio.base_currency,
        "costBasisMethod": portfolio.cost_basis_method.value,
        "createdAt": portfolio.created_at.isoformat(),
        "status": portfolio.status.value,
        "closedAt": portfolio.closed_at.isoformat() if portfolio.closed_at else None,
    }


def portfolio_from(item: Mapping[str, Any]) -> Portfolio:
    return Portfolio(
        id=item["id"],
        customer_id=item["customerId"],
        name=item["name"],
        kind=PortfolioKind(item["kind"]),
        base_currency=item["baseCurrency"],
        cost_basis_method=CostBasisMethod(item["costBasisMethod"]),
        created_at=datetime.fromisoformat(item["createdAt"]),
        status=PortfolioStatus(item.get("status", PortfolioStatus.OPEN.value)),
        closed_at=datetime.fromisoformat(item["closedAt"]) if item.get("closedAt") else None,
    )


def _lot_attributes(lot: Lot, customer_id: str) -> dict[str, Any]:
    return {
        "type": LOT_TYPE,
        "id": lot.id,
        "portfolioId": lot.portfolio_id,
        "customerId": customer_id,
        "symbol": lot.symbol,
        "quantity": _decimal(lot.quantity),
        "priceAmount": _decimal(lot.purchase_price.value),
        "priceCurrency": lot.purchase_price.currency_code,
        "purchasedAt": lot.purchased_at.isoformat(),
        "feesAmount": _decimal(lot.fees.value) if lot.fees else None,
        "feesCurrency": lot.fees.currency_code if lot.fees else None,
        "fxRate": _decimal(lot.fx_rate) if lot.fx_rate is not None else None,
        "baseCurrency": lot.base_currency,
        "createdAt": lot.created_at.isoformat(),
        "remainingQuantity": _decimal(lot.remaining_quantity),
        "remainingCost": _decimal(lot.remaining_cost),
        "version": lot.version,
    }


def lot_item(lot: Lot, customer_id: str) -> dict[str, Any]:
    """The lot under its portfolio, in the customer's book (gsi1)."""
    return {
        **lot_key(lot.portfolio_id, lot.id),
        "gsi1pk": customer_pk(customer_id),
        "gsi1sk": f"{portfolio_pk(lot.portfolio_id)}#{lot_sk(lot.id)}",
        **_lot_attributes(lot, customer_id),
    }


def investment_item(lot: Lot, customer_id: str) -> dict[str, Any]:
    """The copy of the lot addressable by its id alone (Investment entity references); its
    `customerId` lets a reference be checked against the caller without reading the portfolio."""
    return {**investment_key(lot.id), **_lot_attributes(lot, customer_id)}


def lot_from(item: Mapping[str, Any]) -> Lot:
    fees_amount = item.get("feesAmount")
    quantity = _number(item["quantity"])
    lot = Lot(
        id=item["id"],
        portfolio_id=item["portfolioId"],
        symbol=item["symbol"],
        quantity=quantity,
        purchase_price=Amount(_number(item["priceAmount"]), item["priceCurrency"]),
        purchased_at=date.fromisoformat(item["purchasedAt"]),
        fees=Amount(_number(fees_amount), item["feesCurrency"]) if fees_amount is not None else None,
        fx_rate=_optional_decimal(item.get("fxRate")),
        base_currency=item["baseCurrency"],
        created_at=datetime.fromisoformat(item["createdAt"]),
        remaining_quantity=_number(item.get("remainingQuantity", quantity)),
        remaining_cost=Decimal(0),
        # Lots written before sales existed have no version: 0, so that the first write expects none.
        version=int(item.get("version", 0)),
        customer_id=item.get("customerId"),  # absent from lots stored before it was recorded
    )
    remaining_cost = item.get("remainingCost")
    return replace(
        lot, remaining_cost=_number(remaining_cost) if remaining_cost is not None else lot.cost_basis.value
    )


def summary_item(summary: PositionSummary, customer_id: str) -> dict[str, Any]:
    """A position's realized total, in the customer's book (gsi1) beside the lots."""
    return {
        **summary_key(summary.portfolio_id, summary.symbol),
        "gsi1pk": customer_pk(customer_id),
        "gsi1sk": f"{portfolio_pk(summary.portfolio_id)}#{summary_sk(summary.symbol)}",
        "type": SUMMARY_TYPE,
        "portfolioId": summary.portfolio_id,
        "symbol": summary.symbol,
        "realizedGain": _decimal(summary.realized_gain),
        "soldQuantity": _decimal(summary.sold_quantity),
        "version": summary.version,
    }


def summary_from(item: Mapping[str, Any]) -> PositionSummary:
    return PositionSummary(
        portfolio_id=item["portfolioId"],
        symbol=item["symbol"],
        realized_gain=_number(item["realizedGain"]),
        sold_quantity=_number(item["soldQuantity"]),
        version=int(item["version"]),
    )


def activity_item(activity: Activity) -> dict[str, Any]:
    """One ledger entry, under its portfolio only (not in gsi1: the book must not grow with it)."""
    return {
        **activity_key(activity.portfolio_id, activity.id),
        "type": ACTIVITY_TYPE,
        "id": activity.id,
        "portfolioId": activity.portfolio_id,
        "activityType": activity.type.value,
        "symbol": activity.symbol,
        "quantity": _decimal(activity.quantity),
        "priceAmount": _decimal(activity.price.value),
        "priceCurrency": activity.price.currency_code,
        "feesAmount": _decimal(activity.fees.value) if activity.fees else None,
        "feesCurrency": activity.fees.currency_code if activity.fees else None,
        "fxRate": _decimal(activity.fx_rate) if activity.fx_rate is not None else None,
        "occurredAt": activity.occurred_at.isoformat(),
        "recordedAt": activity.recorded_at.isoformat(),
        "baseCurrency": activity.base_currency,
        "realizedGain": _decimal(activity.realized_gain) if activity.realized_gain is not None else None,
        "lotId": activity.lot_id,
        "takes": [{"lotId": t.lot_id, "quantity": _decimal(t.quantity)} for t in activity.takes] or None,
    }


def activity_from(item: Mapping[str, Any]) -> Activity:
    fees_amount = item.get("feesAmount")
    return Activity(
        id=item["id"],
        portfolio_id=item["portfolioId"],
        type=ActivityType(item["activityType"]),
        symbol=item["symbol"],
        quantity=_number(item["quantity"]),
        price=Amount(_number(item["priceAmount"]), item["priceCurrency"]),
        fees=Amount(_number(fees_amount), item["feesCurrency"]) if fees_amount is not None else None,
        fx_rate=_optional_decimal(item.get("fxRate")),
        occurred_at=date.fromisoformat(item["occurredAt"]),
        recorded_at=datetime.fromisoformat(item["recordedAt"]),
        base_currency=item["baseCurrency"],
        realized_gain=_optional_decimal(item.get("realizedGain")),
        lot_id=item.get("lotId"),
        takes=tuple(
            LotTake(lot_id=t["lotId"], quantity=_number(t["quantity"])) for t in item.get("takes") or ()
        ),
    )


def idempotency_item(portfolio_id: str, record: IdempotencyRecord, created_at: datetime) -> dict[str, Any]:
    return {
        **idempotency_key(portfolio_id, record.key),
        "type": IDEMPOTENCY_TYPE,
        "key": record.key,
        "lotId": record.lot_id,
        "activityId": record.activity_id,
        "fingerprint": record.fingerprint,
        "createdAt": created_at.isoformat(),
    }


def idempotency_from(item: Mapping[str, Any]) -> IdempotencyRecord:
    return IdempotencyRecord(
        key=item["key"],
        lot_id=item.get("lotId"),
        fingerprint=item["fingerprint"],
        activity_id=item.get("activityId"),
    )
