"""Validation of an activity's input (recordActivity, and addInvestment and sellInvestment under
their older field names); a correction is validated as the corrected activity would be recorded
(`commands.corrected_request`). The checks of single parts are in `activity_checks`.

Every problem of an input is reported at once, at the path of the field the client sent, worded in
`problems`. Whether the ledger can take the activity (enough held on its date, the lots it names)
is the replay's to say.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from kit.core.errors import InputProblems
from kit.core.ids import is_ulid
from kit.core.money import Amount
from kit.core.text import TextKind, clean_text, text_problem, trimmed

from portfolios.domain import problems as say
from portfolios.domain.activity_checks import ActivityCheck, check_split_term, checked_fx_rate, checked_picks
from portfolios.domain.commands import ActivityRequest
from portfolios.domain.model import (
    Activity,
    ActivityType,
    FxRateSource,
    LotPick,
    Portfolio,
    ReferenceRate,
    SplitRatio,
)
from portfolios.domain.validation import (
    IDEMPOTENCY_KEY_MAX_LENGTH,
    SYMBOL_PATTERN,
    canonical,
    fingerprint_of,
    usable_idempotency_key,
)

# Which parts each type takes; any other part given is refused (a ledger entry says one thing).
_SYMBOL = frozenset(
    {
        ActivityType.BUY,
        ActivityType.SELL,
        ActivityType.DIVIDEND,
        ActivityType.SPLIT,
        ActivityType.TRANSFER_OUT,
    }
)
_QUANTITY = frozenset({ActivityType.BUY, ActivityType.SELL, ActivityType.TRANSFER_OUT})
_PRICE = frozenset({ActivityType.BUY, ActivityType.SELL})
_AMOUNT = frozenset(
    {
        ActivityType.DIVIDEND,
        ActivityType.INTEREST,
        ActivityType.DEPOSIT,
        ActivityType.WITHDRAWAL,
        ActivityType.FEE,
        ActivityType.TAX,
    }
)
_FEES = _PRICE | _AMOUNT
_PICKS = frozenset({ActivityType.SELL, ActivityType.TRANSFER_OUT})
# Symbols may also label a FEE or TAX (e.g. tax withheld on one instrument's dividend).
_OPTIONAL_SYMBOL = frozenset({ActivityType.FEE, ActivityType.TAX})


@dataclass(frozen=True, slots=True)
class NewActivity:
    """A valid activity for an existing portfolio, not yet recorded (nor replayed)."""

    portfolio: Portfolio
    type: ActivityType
    occurred_on: date
    symbol: str | None
    quantity: Decimal | None
    price: Amount | None
    amount: Amount | None
    fees: Amount | None
    fx_rate: Decimal
    split: SplitRatio | None
    counterpart_portfolio_id: str | None
    picks: tuple[LotPick, ...]
    note: str | None
    idempotency_key: str | None
    fx_rate_source: FxRateSource = FxRateSource.GIVEN
    fx_rate_date: date | None = None

    def fingerprint(self) -> str:
        """A hash of what the activity records: the same request sent again has the same one."""

        def money(value: Amount | None) -> list[str]:
            return [canonical(value.value), value.currency_code] if value else ["", ""]

        return fingerprint_of(
            [
                self.portfolio.id,
                self.type.value,
                self.occurred_on.isoformat(),
                self.symbol or "",
                canonical(self.quantity) if self.quantity is not None else "",
                *money(self.price),
                *money(self.amount),
                *money(self.fees),
                # A looked-up rate is not part of the request: the same request sent again after
                # the copy of the closes changed is still the same request.
                canonical(self.fx_rate) if self.fx_rate_source is FxRateSource.GIVEN else "",
                canonical(self.split.from_) if self.split else "",
                canonical(self.split.to) if self.split else "",
                self.counterpart_portfolio_id or "",
                *(f"{p.lot_id}:{canonical(p.quantity)}" for p in self.picks),
                self.note or "",
            ]
        )

    def as_activity(self, activity_id: str, recorded_at: datetime) -> Activity:
        return Activity(
            id=activity_id,
            portfolio_id=self.portfolio.id,
            type=self.type,
            occurred_on=self.occurred_on,
            recorded_at=recorded_at,
            symbol=self.symbol,
            quantity=self.quantity,
            price=self.price,
            amount=self.amount,
            fees=self.fees,
            fx_rate=self.fx_rate,
            split=self.split,
            counterpart_portfolio_id=self.counterpart_portfolio_id,
            picks=self.picks,
            note=self.note,
            fx_rate_source=self.fx_rate_source,
            fx_rate_date=self.fx_rate_date,
        )


def validate_activity(
    request: ActivityRequest,
    *,
    portfolio: Portfolio | None,
    latest_date: date,
    reference_rate: ReferenceRate | None = None,
) -> NewActivity:
    """The normalized activity, or InputProblems listing everything wrong with the request.

    `portfolio` is the portfolio `request.portfolio_id` names (None when there is none). Whether
    the ledger can take it (enough held on its date, the lots it names) is the replay's to say.
    `reference_rate` is the rate looked up for `fx_lookup(request, portfolio)` (None: none known).
    """
    check = ActivityCheck(request)
    kind, names = request.type, request.fields
    portfolio_id = trimmed(request.portfolio_id, TextKind.ID)
    if not is_ulid(portfolio_id):
        check.add(say.invalid_id(("input", "portfolioId")))
    elif portfolio is None or portfolio.id != portfolio_id:
        check.add(say.portfolio_not_found())
        portfolio = None
    if kind is ActivityType.TRANSFER_IN:
        check.add(say.transfer_in_recorded_by_its_out())
    if request.occurred_at > latest_date:
        check.add(say.in_the_future(names.occurred))

    symbol: str | None = None
    if kind in _SYMBOL:
        wanted = check.required("symbol", request.symbol, kind)
    else:
        wanted = kind in _OPTIONAL_SYMBOL and request.symbol is not None
        if kind not in _OPTIONAL_SYMBOL:
            check.unused("symbol", request.symbol, kind)
    if wanted:
        symbol = trimmed(request.symbol or "", TextKind.CODE).upper()
        if not SYMBOL_PATTERN.fullmatch(symbol):
            check.add(say.bad_symbol())

    quantity = request.quantity
    if kind in _QUANTITY:
        if check.required("quantity", quantity, kind):
            assert quantity is not None
            check.quantity(quantity, ("quantity",))
    else:
        check.unused("quantity", quantity, kind)

    price = amount = fees = None
    currency: str | None = None
    if kind in _PRICE:
        if check.required(names.price, request.price, kind):
            assert request.price is not None
            label = "purchase price" if names.price == "purchasePrice" else "price"
            price = check.money(request.price, names.price, label, positive=False)
            currency = price.currency_code if price else None
    else:
        check.unused("price", request.price, kind)
    if kind in _AMOUNT:
        if check.required("amount", request.amount, kind):
            assert request.amount is not None
            amount = check.money(request.amount, "amount", "amount", positive=True)
            currency = amount.currency_code if amount else None
    else:
        check.unused("amount", request.amount, kind)
    if request.fees is not None:
        if kind not in _FEES:
            check.add(say.takes_no_fees(kind))
        else:
            fees = check.money(request.fees, "fees", "fees", positive=False)
            if fees is not None and currency is not None and fees.currency_code != currency:
                what = names.price if kind in _PRICE else "amount"
                check.add(say.fees_currency(what))
    fx = checked_fx_rate(check, request, currency, portfolio, reference_rate)

    split = None
    if kind is ActivityType.SPLIT:
        split_from, split_to = request.split_from, request.split_to
        # Both terms or none: half a ratio is no ratio (and must not pass as a SPLIT without one).
        whole = split_to if split_from is not None else None
        if check.required("splitRatio", whole, kind) and split_from is not None and split_to is not None:
            check_split_term(check, split_from, "from")
            check_split_term(check, split_to, "to")
            if split_from == split_to:
                check.add(say.split_of_one())
            split = SplitRatio(split_from, split_to)
    elif request.split_from is not None or request.split_to is not None:
        check.add(say.not_part_of("splitRatio", kind))

    counterpart = None
    if kind is ActivityType.TRANSFER_OUT:
        if check.required("counterpartPortfolioId", request.counterpart_portfolio_id, kind):
            counterpart = trimmed(request.counterpart_portfolio_id or "", TextKind.ID)
            if not is_ulid(counterpart):
                check.add(say.invalid_id(("input", "counterpartPortfolioId")))
            elif counterpart == portfolio_id:
                check.add(say.transfer_to_itself())
    else:
        check.unused("counterpartPortfolioId", request.counterpart_portfolio_id, kind)

    picks: tuple[LotPick, ...] = ()
    if kind in _PICKS:
        picks = checked_picks(check, request, portfolio)
    elif request.lots is not None:
        check.add(say.lots_not_part_of(kind))

    note = None
    if request.note is not None:
        problem = text_problem(request.note, TextKind.NOTE, ("input", "note"))
        if problem is not None:
            check.add(problem)
        else:
            note = clean_text(request.note, TextKind.NOTE).strip() or None

    if request.idempotency_key is not None:
        key_problem = text_problem(request.idempotency_key, TextKind.KEY, ("input", "idempotencyKey"))
        if key_problem is not None:
            check.add(key_problem)
        elif usable_idempotency_key(request.idempotency_key) is None:
            check.add(say.key_length(IDEMPOTENCY_KEY_MAX_LENGTH))

    if check.problems or portfolio is None:
        raise InputProblems(check.problems)
    return NewActivity(
        portfolio=portfolio,
        type=kind,
        occurred_on=request.occurred_at,
        symbol=symbol,
        quantity=quantity,
        price=price,
        amount=amount,
        fees=fees,
        fx_rate=fx.rate,
        split=split,
        counterpart_portfolio_id=counterpart,
        picks=picks,
        note=note,
        idempotency_key=request.idempotency_key,
        fx_rate_source=fx.source,
        fx_rate_date=fx.on,
    )
