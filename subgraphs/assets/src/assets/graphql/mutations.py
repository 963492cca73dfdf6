"""Mutation root of the assets subgraph: setManualPrice, clearManualPrice and setManualFxRate
(DESIGN.md decision 7).

All are for operators and admins only: anyone else gets a FORBIDDEN GraphQL error and nothing is
written (the services check the caller before they validate or write anything)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from kit.core.errors import InputProblems
from kit.core.money import Amount
from kit.graphql.cost import user_errors_field
from kit.graphql.types import MoneyInput, UserError

from assets.domain.commands import ClearManualPrice, SetManualPrice
from assets.graphql.context import AssetsContext
from assets.graphql.fx import SetManualFxRatePayload, set_manual_fx_rate
from assets.graphql.types import Instrument


@strawberry.input(name="SetManualPriceInput")
class SetManualPriceInput:
    symbol: str = strawberry.field(description="Ticker; trimmed and upper-cased. Unknown ones become manual.")
    price: MoneyInput
    previous_close: MoneyInput | None = strawberry.UNSET
    expires_at: datetime | None = strawberry.field(
        default=strawberry.UNSET,
        description="When the price stops winning over the feeds: with its offset (2026-01-31T17:00:00Z), "
        "in the future, at most 366 days ahead. Omitted: it stops winning after the service's staleness "
        "period (7 days unless configured), see Quote.pinnedUntil.",
    )


@strawberry.type(name="SetManualPricePayload")
class SetManualPricePayload:
    instrument: Instrument | None
    user_errors: list[UserError] = user_errors_field()


def _amount(money: MoneyInput | None) -> Amount | None:
    # An omitted optional input field is UNSET (falsy), an explicit null is None: both mean "none".
    return Amount(money.amount, money.currency_code) if money else None


async def _set_manual_price(
    info: strawberry.Info[AssetsContext, None], input: SetManualPriceInput
) -> SetManualPricePayload:
    price = _amount(input.price)
    assert price is not None
    try:
        view = await info.context.service.manual_prices.set_manual_price(
            info.context.caller,
            SetManualPrice(input.symbol, price, _amount(input.previous_close), input.expires_at or None),
        )
    except InputProblems as problems:
        return SetManualPricePayload(
            instrument=None,
            user_errors=UserError.from_problems(problems),
        )
    info.context.remember(view)
    return SetManualPricePayload(instrument=Instrument.from_domain(view.instrument), user_errors=[])


@strawberry.input(name="ClearManualPriceInput")
class ClearManualPriceInput:
    symbol: str = strawberry.field(description="Ticker; trimmed and upper-cased.")


@strawberry.type(name="ClearManualPricePayload")
class ClearManualPricePayload:
    instrument: Instrument | None = strawberry.field(
        description="The instrument, priced by the feeds again (quote null when none prices it)."
    )
    user_errors: list[UserError] = user_errors_field()


async def _clear_manual_price(
    info: strawberry.Info[AssetsContext, None], input: ClearManualPriceInput
) -> ClearManualPricePayload:
    try:
        view = await info.context.service.manual_prices.clear_manual_price(
            info.context.caller, ClearManualPrice(input.symbol)
        )
    except InputProblems as problems:
        return ClearManualPricePayload(instrument=None, user_errors=UserError.from_problems(problems))
    info.context.remember(view)
    return ClearManualPricePayload(instrument=Instrument.from_domain(view.instrument), user_errors=[])


@strawberry.type
class Mutation:
    set_manual_price: SetManualPricePayload = strawberry.mutation(
        resolver=_set_manual_price,
        description='Pin a price for an instrument (source "manual"), overriding any feed until its '
        "expiresAt (else for the service's staleness period). A symbol the catalog lacks becomes a manual "
        "instrument in the price's currency. Operators and admins only.",
    )
    clear_manual_price: ClearManualPricePayload = strawberry.mutation(
        resolver=_clear_manual_price,
        description="Unpin an instrument's manual price: the feeds price it again from this answer on. A "
        "symbol without a manual price is a NOT_FOUND userError; a manual instrument stays (unpriced "
        "unless a feed knows it). Operators and admins only.",
    )
    set_manual_fx_rate: SetManualFxRatePayload = strawberry.mutation(
        resolver=set_manual_fx_rate,
        description="Pin an exchange rate (1 fromCurrency = rate toCurrency; the inverse is implied). "
        "A manual rate wins over the FX feed; valuations use it from the next request. Operators and "
        "admins only.",
    )
