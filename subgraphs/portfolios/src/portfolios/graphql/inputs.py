"""The mutations' inputs, and what each asks the services, as a command (`to_request`).

Omitted and null differ only where the schema says so: a correction keeps a field that is
omitted, and clears fees, fxRate or note when they are null.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TypeVar

import strawberry
from kit.graphql.types import MoneyInput

from portfolios.domain import model
from portfolios.domain.commands import (
    KEEP,
    PURCHASE_FIELDS,
    SALE_FIELDS,
    ActivityRequest,
    CorrectionRequest,
    Keep,
    MoneyRequest,
    PickRequest,
    PortfolioRequest,
)

T = TypeVar("T")


def _money(value: MoneyInput | None) -> MoneyRequest | None:
    return MoneyRequest(value.amount, value.currency_code) if value is not None else None


def _picks(lots: list[LotPickInput] | None) -> tuple[PickRequest, ...] | None:
    if lots is None:
        return None
    return tuple(PickRequest(str(p.investment_id), p.quantity) for p in lots)


def _keep_if_absent(value: T | None) -> T | Keep:
    return KEEP if value is None or value is strawberry.UNSET else value


def _clear_if_null(value: T | None) -> T | Keep | None:
    return KEEP if value is strawberry.UNSET else value


@strawberry.input
class CreatePortfolioInput:
    customer_id: strawberry.ID
    name: str = strawberry.field(description="1 to 100 characters (after trimming).")
    kind: model.PortfolioKind
    base_currency: str = strawberry.field(description="ISO 4217 code, e.g. USD.")
    cost_basis_method: model.CostBasisMethod | None = strawberry.field(
        default=model.CostBasisMethod.FIFO, description="FIFO when omitted or null."
    )

    def to_request(self) -> PortfolioRequest:
        return PortfolioRequest(
            customer_id=str(self.customer_id),
            name=self.name,
            kind=self.kind,
            base_currency=self.base_currency,
            cost_basis_method=self.cost_basis_method or model.CostBasisMethod.FIFO,
        )


@strawberry.input
class RenamePortfolioInput:
    id: strawberry.ID
    name: str = strawberry.field(description="1 to 100 characters (after trimming).")


@strawberry.input
class ClosePortfolioInput:
    id: strawberry.ID


@strawberry.input(description="`to` shares for every `from` share; positive, at most 8 decimal places.")
class SplitRatioInput:
    from_: Decimal = strawberry.field(name="from")
    to: Decimal


@strawberry.input(description="A quantity of one lot (an id from Position.lots).")
class LotPickInput:
    investment_id: strawberry.ID
    quantity: Decimal


@strawberry.input(
    description="One activity; which fields each type takes: see the README and recordActivity."
)
class RecordActivityInput:
    portfolio_id: strawberry.ID
    type: model.ActivityType
    occurred_at: date = strawberry.field(description="The trade date; not in the future. Back-dated is fine.")
    symbol: str | None = strawberry.field(
        default=None, description="BUY, SELL, DIVIDEND, SPLIT, TRANSFER_OUT."
    )
    quantity: Decimal | None = strawberry.field(
        default=None, description="BUY, SELL, TRANSFER_OUT: > 0, at most 8 decimal places."
    )
    price: MoneyInput | None = strawberry.field(default=None, description="BUY, SELL: per unit.")
    amount: MoneyInput | None = strawberry.field(
        default=None,
        description="DIVIDEND, INTEREST, DEPOSIT, WITHDRAWAL, FEE, TAX: the cash that moved, > 0.",
    )
    fees: MoneyInput | None = strawberry.field(
        default=None, description="In the price's or amount's currency (not for SPLIT or transfers)."
    )
    fx_rate: Decimal | None = strawberry.field(
        default=None,
        description="The activity's currency -> the base currency on occurredAt; "
        "when absent and they differ, looked up in the daily FX closes (see FxRateSource).",
    )
    split_ratio: SplitRatioInput | None = strawberry.field(default=None, description="SPLIT only.")
    counterpart_portfolio_id: strawberry.ID | None = strawberry.field(
        default=None, description="TRANSFER_OUT: another portfolio of the same customer and base currency."
    )
    lots: list[LotPickInput] | None = strawberry.field(
        default=None,
        description="SELL or TRANSFER_OUT by specific lots (quantities adding up to quantity); "
        "refused in an AVERAGE portfolio.",
    )
    note: str | None = strawberry.field(default=None, description="Free text, up to 2000 characters.")
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Sending the same key again returns the first result and records nothing new.",
    )

    def to_request(self) -> ActivityRequest:
        return ActivityRequest(
            portfolio_id=str(self.portfolio_id),
            type=self.type,
            occurred_at=self.occurred_at,
            symbol=self.symbol,
            quantity=self.quantity,
            price=_money(self.price),
            amount=_money(self.amount),
            fees=_money(self.fees),
            fx_rate=self.fx_rate,
            split_from=self.split_ratio.from_ if self.split_ratio else None,
            split_to=self.split_ratio.to if self.split_ratio else None,
            counterpart_portfolio_id=str(self.counterpart_portfolio_id)
            if self.counterpart_portfolio_id is not None
            else None,
            lots=_picks(self.lots),
            note=self.note,
            idempotency_key=self.idempotency_key,
        )


@strawberry.input(
    description="Corrects one activity: omitted fields keep their value, null clears fees, fxRate or "
    "note. The type and portfolio stay; a transfer is removed and recorded again instead."
)
class CorrectActivityInput:
    activity_id: strawberry.ID
    occurred_at: date | None = strawberry.UNSET
    symbol: str | None = strawberry.UNSET
    quantity: Decimal | None = strawberry.UNSET
    price: MoneyInput | None = strawberry.UNSET
    amount: MoneyInput | None = strawberry.UNSET
    fees: MoneyInput | None = strawberry.UNSET
    fx_rate: Decimal | None = strawberry.UNSET
    split_ratio: SplitRatioInput | None = strawberry.UNSET
    lots: list[LotPickInput] | None = strawberry.UNSET
    note: str | None = strawberry.UNSET

    def to_request(self) -> CorrectionRequest:
        ratio = self.split_ratio
        return CorrectionRequest(
            activity_id=str(self.activity_id),
            occurred_at=_keep_if_absent(self.occurred_at),
            symbol=_keep_if_absent(self.symbol),
            quantity=_keep_if_absent(self.quantity),
            price=KEEP if self.price in (None, strawberry.UNSET) else _money(self.price),  # type: ignore[arg-type]
            amount=KEEP if self.amount in (None, strawberry.UNSET) else _money(self.amount),  # type: ignore[arg-type]
            fees=KEEP if self.fees is strawberry.UNSET else _money(self.fees),
            fx_rate=_clear_if_null(self.fx_rate),
            split_from=KEEP if ratio in (None, strawberry.UNSET) else ratio.from_,
            split_to=KEEP if ratio in (None, strawberry.UNSET) else ratio.to,
            lots=KEEP if self.lots is strawberry.UNSET else _picks(self.lots),
            note=_clear_if_null(self.note),
        )


@strawberry.input
class RemoveActivityInput:
    activity_id: strawberry.ID


@strawberry.input
class AddInvestmentInput:
    portfolio_id: strawberry.ID
    symbol: str = strawberry.field(description="Trimmed and upper-cased, e.g. AAPL, BRK.B.")
    quantity: Decimal = strawberry.field(description="Greater than zero, at most 8 decimal places.")
    purchase_price: MoneyInput
    purchased_at: date = strawberry.field(description="Not in the future.")
    fees: MoneyInput | None = strawberry.field(default=None, description="In the purchase price's currency.")
    fx_rate: Decimal | None = strawberry.field(
        default=None,
        description="Purchase currency -> base currency on purchasedAt; "
        "when absent and they differ, looked up in the daily FX closes (see FxRateSource).",
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Sending the same key again returns the first result and records nothing new.",
    )

    def to_request(self) -> ActivityRequest:
        return ActivityRequest(
            portfolio_id=str(self.portfolio_id),
            type=model.ActivityType.BUY,
            occurred_at=self.purchased_at,
            symbol=self.symbol,
            quantity=self.quantity,
            price=_money(self.purchase_price),
            fees=_money(self.fees),
            fx_rate=self.fx_rate,
            idempotency_key=self.idempotency_key,
            fields=PURCHASE_FIELDS,
        )


@strawberry.input(
    description="Corrects a lot's BUY. Omitted fields keep their value; the ledger is replayed."
)
class UpdateInvestmentInput:
    id: strawberry.ID
    quantity: Decimal | None = strawberry.field(
        default=strawberry.UNSET, description="Omitted or null: unchanged."
    )
    purchase_price: MoneyInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="Omitted or null: unchanged. A new currency drops the lot's fxRate unless one is given.",
    )
    purchased_at: date | None = strawberry.field(
        default=strawberry.UNSET, description="Omitted or null: unchanged."
    )
    fees: MoneyInput | None = strawberry.field(
        default=strawberry.UNSET, description="Omitted: unchanged; null: no fees."
    )
    fx_rate: Decimal | None = strawberry.field(
        default=strawberry.UNSET,
        description="Omitted: unchanged (a looked-up rate is looked up again when the date or the "
        "currency changes); null: as if never given (looked up when not in the base currency).",
    )

    def to_request(self) -> CorrectionRequest:
        return CorrectionRequest(
            activity_id=str(self.id),
            quantity=_keep_if_absent(self.quantity),
            price=KEEP if self.purchase_price in (None, strawberry.UNSET) else _money(self.purchase_price),  # type: ignore[arg-type]
            occurred_at=_keep_if_absent(self.purchased_at),
            fees=KEEP if self.fees is strawberry.UNSET else _money(self.fees),
            fx_rate=_clear_if_null(self.fx_rate),
            fields=PURCHASE_FIELDS,
            id_field="id",
        )


@strawberry.input
class RemoveInvestmentInput:
    id: strawberry.ID


@strawberry.input
class SellInvestmentInput:
    portfolio_id: strawberry.ID
    symbol: str
    quantity: Decimal = strawberry.field(description="Greater than zero, at most 8 decimal places.")
    price: MoneyInput = strawberry.field(description="Sale price per unit.")
    sold_at: date = strawberry.field(description="The trade date; not in the future. Back-dated is fine.")
    fees: MoneyInput | None = strawberry.field(default=None, description="In the sale price's currency.")
    fx_rate: Decimal | None = strawberry.field(
        default=None,
        description="Sale currency -> base currency on soldAt; "
        "when absent and they differ, looked up in the daily FX closes (see FxRateSource).",
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Sending the same key again returns the first result and records nothing new.",
    )

    def to_request(self) -> ActivityRequest:
        return ActivityRequest(
            portfolio_id=str(self.portfolio_id),
            type=model.ActivityType.SELL,
            occurred_at=self.sold_at,
            symbol=self.symbol,
            quantity=self.quantity,
            price=_money(self.price),
            fees=_money(self.fees),
            fx_rate=self.fx_rate,
            idempotency_key=self.idempotency_key,
            fields=SALE_FIELDS,
        )
