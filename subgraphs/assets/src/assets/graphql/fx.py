"""FX rates: the FxRate type and setManualFxRate (contract operation SetManualFxRate)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from kit.core.errors import InputProblems
from kit.core.money import unit_price
from kit.graphql.cost import user_errors_field
from kit.graphql.types import Decimal, UserError

from assets.domain import fx as domain
from assets.domain.commands import SetManualFxRate
from assets.graphql.context import AssetsContext


@strawberry.type(name="FxRate", description="1 fromCurrency = rate toCurrency; the inverse is implied.")
class FxRate:
    from_currency: str
    to_currency: str
    rate: Decimal = strawberry.field(description="A rate: at most 10 decimal places, trailing zeros trimmed.")
    source: str = strawberry.field(description='"manual", "simulated", "frankfurter", or "derived".')
    as_of: datetime
    stale: bool = strawberry.field(
        description="True when a leg is the feed's last good snapshot served after it failed, or a manual "
        "rate older than the service's staleness period (7 days unless configured) that the feed could "
        "not replace."
    )

    @classmethod
    def from_domain(cls, rate: domain.FxRate) -> FxRate:
        return cls(
            from_currency=rate.from_currency,
            to_currency=rate.to_currency,
            rate=unit_price(rate.rate),
            source=rate.source,
            as_of=rate.as_of,
            stale=rate.stale,
        )


@strawberry.input(name="SetManualFxRateInput")
class SetManualFxRateInput:
    from_currency: str = strawberry.field(description="ISO 4217 code (trimmed, upper-cased).")
    to_currency: str = strawberry.field(description="ISO 4217 code, different from fromCurrency.")
    rate: Decimal = strawberry.field(description="Units of toCurrency per 1 fromCurrency; > 0.")


@strawberry.type(name="SetManualFxRatePayload")
class SetManualFxRatePayload:
    fx_rate: FxRate | None
    user_errors: list[UserError] = user_errors_field()


async def set_manual_fx_rate(
    info: strawberry.Info[AssetsContext, None], input: SetManualFxRateInput
) -> SetManualFxRatePayload:
    try:
        rate = await info.context.service.fx.set_manual(
            info.context.caller,
            SetManualFxRate(input.from_currency, input.to_currency, input.rate),
        )
    except InputProblems as problems:
        return SetManualFxRatePayload(fx_rate=None, user_errors=UserError.from_problems(problems))
    info.context.fx_rates.clear_all()  # this request's later reads see the new rate
    return SetManualFxRatePayload(fx_rate=FxRate.from_domain(rate), user_errors=[])
