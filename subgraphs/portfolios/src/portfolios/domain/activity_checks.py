"""The checks of an activity input's parts (amounts, money, quantities, split ratios, specific lots,
fx rates), each problem at the path of the field the client sent, worded in `problems`; used by
`activity_validation.validate_activity`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from kit.core.errors import Problem
from kit.core.ids import is_ulid
from kit.core.money import EXACT, Amount, decimal_places, is_iso_currency
from kit.core.text import TextKind, trimmed

from portfolios.domain import problems as say
from portfolios.domain.commands import ActivityRequest, MoneyRequest
from portfolios.domain.fx import LOOKBACK_DAYS, FxLookup, FxPair
from portfolios.domain.model import (
    ONE,
    QUANTITY_PLACES,
    ActivityType,
    CostBasisMethod,
    FxRateSource,
    LotPick,
    Portfolio,
    ReferenceRate,
)
from portfolios.domain.validation import (
    AMOUNT_PLACES,
    FX_RATE_PLACES,
    MAX_AMOUNT,
    MAX_FX_RATE,
    MAX_PICKS,
    MAX_SPLIT_TERM,
    quantity_problems,
)


class ActivityCheck:
    """Collects the problems of one activity input, each at the path of the field the client sent."""

    def __init__(self, request: ActivityRequest) -> None:
        self.request = request
        self.problems: list[Problem] = []

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def amount(self, value: Decimal, field: tuple[str, ...], label: str, *, positive: bool) -> None:
        if value < 0 or (positive and value == 0):
            self.add(say.not_positive(field, label) if positive else say.negative(field, label))
        elif value > MAX_AMOUNT:
            self.add(say.too_large(field, label, MAX_AMOUNT))
        elif decimal_places(value) > AMOUNT_PLACES:
            self.add(say.too_precise(field, label, AMOUNT_PLACES))

    def money(self, money: MoneyRequest, field: str, label: str, *, positive: bool) -> Amount | None:
        self.amount(money.amount, (field, "amount"), label, positive=positive)
        currency = trimmed(money.currency_code, TextKind.CODE)
        if not is_iso_currency(currency):
            self.add(say.not_a_currency(("input", field, "currencyCode")))
            return None
        return Amount(money.amount, currency)

    def quantity(self, value: Decimal, field: tuple[str, ...]) -> None:
        self.problems.extend(quantity_problems(value, ("input", *field)))

    def unused(self, name: str, given: object, kind: ActivityType) -> None:
        if given is not None:
            self.add(say.not_part_of(name, kind))

    def required(self, name: str, given: object, kind: ActivityType) -> bool:
        if given is None:
            self.add(say.needs(name, kind))
            return False
        return True


def check_split_term(check: ActivityCheck, value: Decimal, field: str) -> None:
    if value <= 0:
        check.add(say.not_positive(("splitRatio", field), f"splitRatio.{field}"))
    elif value > MAX_SPLIT_TERM or decimal_places(value) > QUANTITY_PLACES:
        check.add(
            say.too_large_or_precise(
                ("splitRatio", field), f"splitRatio.{field}", MAX_SPLIT_TERM, QUANTITY_PLACES
            )
        )


def checked_picks(
    check: ActivityCheck, request: ActivityRequest, portfolio: Portfolio | None
) -> tuple[LotPick, ...]:
    if not request.lots:
        if request.lots is not None:
            check.add(say.no_lots_named())
        return ()
    if portfolio is not None and portfolio.cost_basis_method is CostBasisMethod.AVERAGE:
        check.add(say.lots_in_average())
        return ()
    if len(request.lots) > MAX_PICKS:
        check.add(say.too_many_lots(MAX_PICKS))
        return ()
    picks: list[LotPick] = []
    seen: set[str] = set()
    total = Decimal(0)
    for index, pick in enumerate(request.lots):
        lot_id = trimmed(pick.investment_id, TextKind.ID)
        if not is_ulid(lot_id):
            check.add(say.invalid_id(("input", "lots", str(index), "investmentId")))
        elif lot_id in seen:
            check.add(say.lot_named_twice(index))
        seen.add(lot_id)
        check.quantity(pick.quantity, ("lots", str(index), "quantity"))
        total = EXACT.add(total, pick.quantity)
        picks.append(LotPick(lot_id, pick.quantity))
    if request.quantity is not None and total != request.quantity:
        check.add(say.lots_do_not_add_up(total, request.quantity))
    return tuple(picks)


@dataclass(frozen=True, slots=True)
class CheckedFxRate:
    rate: Decimal
    source: FxRateSource = FxRateSource.GIVEN
    on: date | None = None


_BASE = CheckedFxRate(ONE)


def fx_lookup(request: ActivityRequest, portfolio: Portfolio | None) -> FxLookup | None:
    """The rate to look up for `request`, when it moves money in a currency other than the
    portfolio's and gives no fxRate (nor keeps one looked up before); else None."""
    if portfolio is None or request.fx_rate is not None or request.kept_reference is not None:
        return None
    money = request.price if request.type.trades else request.amount
    if money is None:
        return None
    currency = trimmed(money.currency_code, TextKind.CODE)
    if not is_iso_currency(currency) or currency == portfolio.base_currency:
        return None
    return FxLookup(FxPair(currency, portfolio.base_currency), request.occurred_at)


def checked_fx_rate(
    check: ActivityCheck,
    request: ActivityRequest,
    currency: str | None,
    portfolio: Portfolio | None,
    reference: ReferenceRate | None = None,
) -> CheckedFxRate:
    """The activity's rate and where it came from: given, 1 in the base currency, or the reference
    rate looked up (`reference`, or the one a correction keeps) when none is given."""
    fx_rate = request.fx_rate
    if fx_rate is not None:
        if fx_rate <= 0:
            check.add(say.not_positive(("fxRate",), "fxRate"))
            return _BASE
        if fx_rate > MAX_FX_RATE or decimal_places(fx_rate) > FX_RATE_PLACES:
            check.add(say.too_large_or_precise(("fxRate",), "fxRate", MAX_FX_RATE, FX_RATE_PLACES))
            return _BASE
    if currency is None:
        if fx_rate is not None and fx_rate != 1:
            check.add(say.fx_rate_without_money(request.type))
        return _BASE
    if portfolio is None:
        return CheckedFxRate(fx_rate or ONE)
    if currency == portfolio.base_currency:
        if fx_rate is not None and fx_rate != 1:
            check.add(say.fx_rate_in_base_currency())
        return _BASE
    if fx_rate is not None:
        return CheckedFxRate(fx_rate)
    looked_up = request.kept_reference or reference
    if looked_up is None:
        on = request.occurred_at.isoformat()
        check.add(say.fx_rate_required(currency, portfolio.base_currency, on, LOOKBACK_DAYS))
        return _BASE
    return CheckedFxRate(looked_up.rate, FxRateSource.REFERENCE, looked_up.on)
