"""Mutation root of the assets subgraph: setManualPrice and setManualFxRate (DESIGN.md decision 7).

Both are for operators and admins only: anyone else gets a FORBIDDEN GraphQL error and nothing is
written (the services check the caller before they validate or write anything)."""

from __future__ import annotations

import strawberry
from kit.core.errors import InputProblems
from kit.core.money import Amount
from kit.graphql.cost import user_errors_field
from kit.graphql.types import MoneyInput, UserError

from assets.domain.commands import SetManualPrice
from assets.graphql.context import AssetsContext
from assets.graphql.fx import SetManualFxRatePayload, set_manual_fx_rate
from assets.graphql.types import Instrument


@strawberry.input(name="SetManualPriceInput")
class SetManualPriceInput:
    symbol: str = strawberry.field(description="Ticker; trimmed and upper-cased. Unknown ones become manual.")
    price: MoneyInput
    previous_close: MoneyInput | None = strawberry.UNSET


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
            SetManualPrice(input.symbol, price, _amount(input.previous_close)),
        )
    except InputProblems as problems:
        return SetManualPricePayload(
            instrument=None,
            user_errors=UserError.from_problems(problems),
        )
    info.context.remember(view)
    return SetManualPricePayload(instrument=Instrument.from_domain(view.instrument), user_errors=[])


@strawberry.type
class Mutation:
    set_manual_price: SetManualPricePayload = strawberry.mutation(
        resolver=_set_manual_price,
        description='Pin a price for an instrument (source "manual"), overriding any feed. A symbol the '
        "catalog lacks becomes a manual instrument in the price's currency. Operators and admins only.",
    )
    set_manual_fx_rate: SetManualFxRatePayload = strawberry.mutation(
        resolver=set_manual_fx_rate,
        description="Pin an exchange rate (1 fromCurrency = rate toCurrency; the inverse is implied). "
        "A manual rate wins over the FX feed; valuations use it from the next request. Operators and "
        "admins only.",
    )
