"""Domain objects to DynamoDB items and back.

Decimals are stored as strings, not as DynamoDB numbers: a number attribute loses its scale
("150.00" comes back as "150"), and what a client recorded should read back exactly as sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from kit.money import Amount

from portfolios.domain.model import CostBasisMethod, Lot, Portfolio, PortfolioKind
from portfolios.domain.ports import IdempotencyRecord

META = "META"
PORTFOLIO_TYPE = "Portfolio"
LOT_TYPE = "Investment"
IDEMPOTENCY_TYPE = "Idempotency"
DIRECTORY_TYPE = "CustomerDirectoryEntry"


def portfolio_pk(portfolio_id: str) -> str:
    return f"PORTFOLIO#{portfolio_id}"


def lot_sk(lot_id: str) -> str:
    return f"LOT#{lot_id}"


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


def idempotency_key(portfolio_id: str, key: str) -> dict[str, str]:
    return {"pk": portfolio_pk(portfolio_id), "sk": idempotency_sk(key)}


def directory_key(customer_id: str) -> dict[str, str]:
    return {"pk": customer_pk(customer_id), "sk": "DIRECTORY"}


def _decimal(value: Decimal) -> str:
    return format(value, "f")


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
    )


def _lot_attributes(lot: Lot) -> dict[str, Any]:
    return {
        "type": LOT_TYPE,
        "id": lot.id,
        "portfolioId": lot.portfolio_id,
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
    }


def lot_item(lot: Lot, customer_id: str) -> dict[str, Any]:
    """The lot under its portfolio, in the customer's book (gsi1)."""
    return {
        **lot_key(lot.portfolio_id, lot.id),
        "gsi1pk": customer_pk(customer_id),
        "gsi1sk": f"{portfolio_pk(lot.portfolio_id)}#{lot_sk(lot.id)}",
        **_lot_attributes(lot),
    }


def investment_item(lot: Lot) -> dict[str, Any]:
    """The copy of the lot addressable by its id alone (Investment entity references)."""
    return {**investment_key(lot.id), **_lot_attributes(lot)}


def lot_from(item: Mapping[str, Any]) -> Lot:
    fees_amount = item.get("feesAmount")
    fx_rate = item.get("fxRate")
    return Lot(
        id=item["id"],
        portfolio_id=item["portfolioId"],
        symbol=item["symbol"],
        quantity=Decimal(item["quantity"]),
        purchase_price=Amount(Decimal(item["priceAmount"]), item["priceCurrency"]),
        purchased_at=date.fromisoformat(item["purchasedAt"]),
        fees=Amount(Decimal(fees_amount), item["feesCurrency"]) if fees_amount is not None else None,
        fx_rate=Decimal(fx_rate) if fx_rate is not None else None,
        base_currency=item["baseCurrency"],
        created_at=datetime.fromisoformat(item["createdAt"]),
    )


def idempotency_item(portfolio_id: str, record: IdempotencyRecord, created_at: datetime) -> dict[str, Any]:
    return {
        **idempotency_key(portfolio_id, record.key),
        "type": IDEMPOTENCY_TYPE,
        "key": record.key,
        "lotId": record.lot_id,
        "fingerprint": record.fingerprint,
        "createdAt": created_at.isoformat(),
    }


def idempotency_from(item: Mapping[str, Any]) -> IdempotencyRecord:
    return IdempotencyRecord(key=item["key"], lot_id=item["lotId"], fingerprint=item["fingerprint"])
